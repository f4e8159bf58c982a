// Package table defines the binary word-vector table that the glove embedder
// embeds, and the SIF maths shared by the generator and the embedder: the
// Zipf word weight and the fixed common-component direction.
//
// Layout (all integers little-endian):
//
//	magic      8 bytes  "GLOVESIF"
//	version    uint32   FormatVersion
//	dims       uint32   vector length
//	words      uint32   K, number of words
//	quant      uint32   QuantInt8 or QuantFloat16
//	zipfN      uint32   size of the source vocabulary, for the Zipf estimate
//	a          float64  SIF parameter
//	refFrac    float64  fraction of the projection on ref that is removed
//	model      uint8 length + bytes   model id, e.g. "glove-sif-100d-v1"
//	source     uint8 length + bytes   where the vectors came from
//	refMethod  uint8 length + bytes   how Ref was computed ("" = none)
//	ref        dims × float32         unit common-component direction, or zeros
//	ranks      K × uvarint            1-based source frequency rank, delta-coded
//	words      K × (uint8 length + bytes), in the same order
//	scales     K × float32            per-word scale (QuantInt8 only)
//	vectors    K × dims × (1 byte int8 | 2 bytes float16)
//	crc        uint32                 CRC-32C of every byte before it
//
// Words are stored in increasing rank order, so lower index = more frequent.
package table

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"unsafe"
)

// Magic opens every table file.
const Magic = "GLOVESIF"

// FormatVersion is the layout version written by Encode and accepted by Decode.
const FormatVersion = 1

// ModelID names the model the committed table and the embedder's algorithm
// implement together. Change it whenever the table, the reference direction,
// the weighting or the tokeniser changes what vectors come out.
const ModelID = "glove-sif-100d-v1"

// Quantisation kinds.
const (
	// QuantInt8 stores each component as int8 times a per-word float32 scale.
	QuantInt8 = 1
	// QuantFloat16 stores each component as an IEEE 754 half-precision float.
	QuantFloat16 = 2
)

// EulerGamma is the Euler–Mascheroni constant used by the Zipf estimate.
const EulerGamma = 0.5772156649015329

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Table is a decoded (or to-be-encoded) word-vector table.
type Table struct {
	Model     string    // model id
	Source    string    // provenance of the vectors
	RefMethod string    // how Ref was computed; empty when Ref is all zeros
	Dims      int       // vector length
	Quant     int       // QuantInt8 or QuantFloat16
	ZipfN     int       // source vocabulary size for the Zipf estimate
	A         float64   // SIF parameter a
	RefFrac   float64   // fraction of the projection on Ref removed, in [0, 1]
	Ref       []float32 // unit common-component direction, or zeros (len Dims)
	Ranks     []uint32  // 1-based frequency rank of each word, increasing
	Words     []string  // the words, lower-case ASCII
	Scales    []float32 // per-word scale, QuantInt8 only
	Data      string    // quantised components, len(Words)·Dims·(1 or 2) bytes
}

// ElemSize is the number of bytes per stored component.
func (t *Table) ElemSize() int {
	if t.Quant == QuantFloat16 {
		return 2
	}
	return 1
}

// Vector dequantises the vector of word i into dst (len Dims).
func (t *Table) Vector(i int, dst []float64) {
	switch t.Quant {
	case QuantInt8:
		row := t.Data[i*t.Dims : (i+1)*t.Dims]
		s := float64(t.Scales[i])
		for j := range dst[:t.Dims] {
			dst[j] = float64(int8(row[j])) * s
		}
	case QuantFloat16:
		row := t.Data[i*t.Dims*2 : (i+1)*t.Dims*2]
		for j := range dst[:t.Dims] {
			dst[j] = float64(F16ToF32(uint16(row[2*j]) | uint16(row[2*j+1])<<8))
		}
	}
}

// Weight is the SIF weight a/(a+p(w)) of a word of 1-based frequency rank
// rank, with p(w) = 1/(rank·(ln n + γ)), the Zipf estimate over a vocabulary
// of n words.
func Weight(rank int, a float64, n int) float64 {
	p := 1 / (float64(rank) * (math.Log(float64(n)) + EulerGamma))
	return a / (a + p)
}

// Encode serialises t. It validates the lengths first.
func Encode(t *Table) ([]byte, error) {
	k := len(t.Words)
	switch {
	case t.Dims <= 0:
		return nil, fmt.Errorf("encode table: dims %d", t.Dims)
	case t.Quant != QuantInt8 && t.Quant != QuantFloat16:
		return nil, fmt.Errorf("encode table: unknown quantisation %d", t.Quant)
	case len(t.Ranks) != k:
		return nil, fmt.Errorf("encode table: %d ranks for %d words", len(t.Ranks), k)
	case t.Quant == QuantInt8 && len(t.Scales) != k:
		return nil, fmt.Errorf("encode table: %d scales for %d words", len(t.Scales), k)
	case len(t.Data) != k*t.Dims*t.ElemSize():
		return nil, fmt.Errorf("encode table: %d data bytes, want %d", len(t.Data), k*t.Dims*t.ElemSize())
	case len(t.Ref) != t.Dims:
		return nil, fmt.Errorf("encode table: reference has %d dims, want %d", len(t.Ref), t.Dims)
	case !(t.RefFrac >= 0 && t.RefFrac <= 1):
		return nil, fmt.Errorf("encode table: reference fraction %v outside [0, 1]", t.RefFrac)
	}
	b := make([]byte, 0, 64+len(t.Data)+k*16)
	b = append(b, Magic...)
	b = binary.LittleEndian.AppendUint32(b, FormatVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(t.Dims))
	b = binary.LittleEndian.AppendUint32(b, uint32(k))
	b = binary.LittleEndian.AppendUint32(b, uint32(t.Quant))
	b = binary.LittleEndian.AppendUint32(b, uint32(t.ZipfN))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(t.A))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(t.RefFrac))
	for _, s := range []string{t.Model, t.Source, t.RefMethod} {
		if len(s) > 255 {
			return nil, fmt.Errorf("encode table: header string %.20q… longer than 255 bytes", s)
		}
		b = append(b, byte(len(s)))
		b = append(b, s...)
	}
	for _, f := range t.Ref {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	prev := uint32(0)
	for i, r := range t.Ranks {
		if r <= prev {
			return nil, fmt.Errorf("encode table: rank %d of word %d not increasing", r, i)
		}
		b = binary.AppendUvarint(b, uint64(r-prev))
		prev = r
	}
	for _, w := range t.Words {
		if len(w) == 0 || len(w) > 255 {
			return nil, fmt.Errorf("encode table: word %q has bad length", w)
		}
		b = append(b, byte(len(w)))
		b = append(b, w...)
	}
	if t.Quant == QuantInt8 {
		for _, s := range t.Scales {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(s))
		}
	}
	b = append(b, t.Data...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli)), nil
}

// reader walks a table without copying: strings returned are substrings of
// the input.
type reader struct {
	s   string
	off int
	err error
}

func (r *reader) take(n int) string {
	if r.err != nil {
		return ""
	}
	if n < 0 || n > len(r.s)-r.off {
		r.err = fmt.Errorf("truncated at byte %d (need %d more)", r.off, n)
		return ""
	}
	v := r.s[r.off : r.off+n]
	r.off += n
	return v
}

func (r *reader) u32() uint32 {
	v := r.take(4)
	if r.err != nil {
		return 0
	}
	return uint32(v[0]) | uint32(v[1])<<8 | uint32(v[2])<<16 | uint32(v[3])<<24
}

func f64(s string) float64 {
	var b [8]byte
	copy(b[:], s)
	return math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
}

func (r *reader) str() string {
	n := r.take(1)
	if r.err != nil {
		return ""
	}
	return r.take(int(n[0]))
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	var x uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if r.off >= len(r.s) {
			r.err = fmt.Errorf("truncated varint at byte %d", r.off)
			return 0
		}
		c := r.s[r.off]
		r.off++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x
		}
	}
	r.err = fmt.Errorf("overlong varint at byte %d", r.off)
	return 0
}

// maxDims and maxWords bound what Decode accepts, so a corrupt header cannot
// make it allocate without limit.
const (
	maxDims  = 4096
	maxWords = 1 << 24
)

// Decode parses a table. Words and Data alias s; only Ranks, Scales and Ref
// are allocated.
func Decode(s string) (*Table, error) {
	if len(s) < len(Magic)+4 || s[:len(Magic)] != Magic {
		return nil, errors.New("decode table: bad magic")
	}
	body, sum := s[:len(s)-4], s[len(s)-4:]
	want := uint32(sum[0]) | uint32(sum[1])<<8 | uint32(sum[2])<<16 | uint32(sum[3])<<24
	// Checksum reads body in place: a []byte(body) copy would cost the size
	// of the table on every load. crc32 only reads the slice.
	raw := unsafe.Slice(unsafe.StringData(body), len(body))
	if got := crc32.Checksum(raw, castagnoli); got != want {
		return nil, fmt.Errorf("decode table: checksum %08x, want %08x", got, want)
	}
	r := &reader{s: body, off: len(Magic)}
	if v := r.u32(); v != FormatVersion {
		return nil, fmt.Errorf("decode table: format version %d, want %d", v, FormatVersion)
	}
	t := &Table{}
	dims, k, quant, zipfN := r.u32(), r.u32(), r.u32(), r.u32()
	aBits, fracBits := r.take(8), r.take(8)
	if r.err != nil {
		return nil, fmt.Errorf("decode table header: %w", r.err)
	}
	if dims == 0 || dims > maxDims || k > maxWords || zipfN < k || (quant != QuantInt8 && quant != QuantFloat16) {
		return nil, fmt.Errorf("decode table: implausible header (dims %d, words %d, quant %d, zipf n %d)", dims, k, quant, zipfN)
	}
	t.Dims, t.Quant, t.ZipfN = int(dims), int(quant), int(zipfN)
	t.A, t.RefFrac = f64(aBits), f64(fracBits)
	if !(t.A > 0) || math.IsInf(t.A, 0) || !(t.RefFrac >= 0 && t.RefFrac <= 1) {
		return nil, fmt.Errorf("decode table: SIF parameter a = %v, reference fraction %v", t.A, t.RefFrac)
	}
	t.Model, t.Source, t.RefMethod = r.str(), r.str(), r.str()
	t.Ref = make([]float32, t.Dims)
	for j := range t.Ref {
		t.Ref[j] = math.Float32frombits(r.u32())
	}
	t.Ranks = make([]uint32, k)
	prev := uint64(0)
	for i := range t.Ranks {
		d := r.uvarint()
		if r.err == nil && (d == 0 || prev+d > uint64(zipfN)) {
			r.err = fmt.Errorf("rank of word %d out of range", i)
		}
		prev += d
		t.Ranks[i] = uint32(prev)
	}
	t.Words = make([]string, k)
	for i := range t.Words {
		t.Words[i] = r.str()
		if r.err == nil && t.Words[i] == "" {
			r.err = fmt.Errorf("word %d is empty", i)
		}
	}
	if t.Quant == QuantInt8 {
		t.Scales = make([]float32, k)
		for i := range t.Scales {
			t.Scales[i] = math.Float32frombits(r.u32())
		}
	}
	t.Data = r.take(int(k) * t.Dims * t.ElemSize())
	if r.err != nil {
		return nil, fmt.Errorf("decode table: %w", r.err)
	}
	if r.off != len(body) {
		return nil, fmt.Errorf("decode table: %d trailing bytes", len(body)-r.off)
	}
	return t, nil
}
