// Package exchange reads and writes memories as JSON Lines, the export
// format of `memory export`, `memory import` and GET /api/export, and
// feeds them (or memories read elsewhere, such as an upstream database)
// into memory.Service.Import in batches.
//
// The format (docs/export-format.md) is one JSON object per line: a
// header naming the format and its version, one line per memory, and an
// end line with the number of memories, so that a cut file is detected.
// Version 1 is stable: later versions of this program add only optional
// fields to it (which readers ignore); an incompatible change would get
// version 2, which this reader refuses with a clear message.
package exchange

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/mcp-memory-go/memory"
)

// Format names the format in the header line.
const Format = "mcp-memory-export"

// Version is the format version this package writes and the newest it
// reads.
const Version = 1

// MaxLineBytes bounds one line (one memory with its vector).
const MaxLineBytes = 64 << 20

// Header is the first line of an export.
type Header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// ExportedAt is when the export began; Generator the program and
	// version that wrote it.
	ExportedAt time.Time `json:"exported_at"`
	Generator  string    `json:"generator,omitempty"`
	// Embeddings says whether memory lines carry their vectors.
	Embeddings bool `json:"embeddings"`
	// Filter describes the selection, for people reading the file.
	Filter map[string]any `json:"filter,omitempty"`
}

// Record is a memory line. Times are RFC 3339 UTC with milliseconds.
type Record struct {
	ContentHash    string         `json:"content_hash"`
	Content        string         `json:"content"`
	Owner          string         `json:"owner,omitempty"`
	Tags           []string       `json:"tags"`
	MemoryType     string         `json:"memory_type"`
	Metadata       map[string]any `json:"metadata"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	LastAccessedAt time.Time      `json:"last_accessed_at,omitzero"`
	AccessCount    int64          `json:"access_count,omitempty"`
	QualityScore   *float64       `json:"quality_score,omitempty"`
	SupersededBy   string         `json:"superseded_by,omitempty"`
	// EmbeddingModel and Embedding are present in exports with
	// embeddings: the model that made the vector, and the vector (absent
	// when the model found no known word in the content).
	EmbeddingModel string    `json:"embedding_model,omitempty"`
	Embedding      []float32 `json:"embedding,omitempty"`
}

// End is the last line of an export.
type End struct {
	EndOfExport bool `json:"end_of_export"`
	Count       int  `json:"count"`
}

// NewRecord returns the line of a memory.
func NewRecord(m *memory.Memory) Record {
	q := m.Quality
	return Record{
		ContentHash: m.Hash, Content: m.Content, Owner: m.Owner, Tags: m.Tags, MemoryType: m.Type,
		Metadata: m.Metadata, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
		LastAccessedAt: m.LastAccessedAt.UTC(), AccessCount: m.AccessCount, QualityScore: &q,
		SupersededBy: m.SupersededBy, EmbeddingModel: m.EmbeddingModel, Embedding: m.Embedding,
	}
}

// Memory returns the memory a line describes (Owner as written).
func (r Record) Memory() *memory.Memory {
	q := memory.DefaultQuality
	if r.QualityScore != nil {
		q = *r.QualityScore
	}
	return &memory.Memory{
		Hash: r.ContentHash, Content: r.Content, Owner: r.Owner, Tags: r.Tags, Type: r.MemoryType,
		Metadata: r.Metadata, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, LastAccessedAt: r.LastAccessedAt,
		AccessCount: r.AccessCount, Quality: q, SupersededBy: r.SupersededBy,
		EmbeddingModel: r.EmbeddingModel, Embedding: r.Embedding,
	}
}

// Writer writes an export: the header on creation, a line per Write, the
// end line on Close.
type Writer struct {
	w     *bufio.Writer
	enc   *json.Encoder
	count int
	err   error
}

// NewWriter writes h (with Format and Version set) to w and returns a
// Writer for the memories.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	ew := &Writer{w: bw, enc: json.NewEncoder(bw)}
	ew.enc.SetEscapeHTML(false)
	h.Format, h.Version = Format, Version
	h.ExportedAt = h.ExportedAt.UTC()
	if err := ew.enc.Encode(h); err != nil {
		return nil, err
	}
	return ew, nil
}

// Write writes one memory line.
func (w *Writer) Write(m *memory.Memory) error {
	if w.err != nil {
		return w.err
	}
	if w.err = w.enc.Encode(NewRecord(m)); w.err == nil {
		w.count++
	}
	return w.err
}

// Count returns the number of memories written.
func (w *Writer) Count() int { return w.count }

// Close writes the end line and flushes. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if w.err = w.enc.Encode(End{EndOfExport: true, Count: w.count}); w.err != nil {
		return w.err
	}
	w.err = w.w.Flush()
	return w.err
}

// Reader reads an export line by line, checking each line as it goes.
type Reader struct {
	r      *bufio.Reader
	header Header
	line   int
	count  int
	done   bool
}

// NewReader reads and checks the header line. Errors: the input is empty,
// is not an export of this format, or has a newer version.
func NewReader(r io.Reader) (*Reader, error) {
	er := &Reader{r: bufio.NewReaderSize(r, 64<<10)}
	b, _, err := er.next()
	if errors.Is(err, io.EOF) {
		return nil, memory.Errorf(memory.EInvalid, "the export is empty")
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &er.header); err != nil || er.header.Format != Format {
		return nil, memory.Errorf(memory.EInvalid, "line 1 is not the header of an %s file (is it JSON Lines written by `memory export`?)", Format)
	}
	if v := er.header.Version; v < 1 || v > Version {
		return nil, memory.Errorf(memory.EInvalid, "the export has format version %d; this program reads versions 1 to %d: upgrade it", v, Version)
	}
	return er, nil
}

// Header returns the header line.
func (r *Reader) Header() Header { return r.header }

// Next returns the next memory, or io.EOF after the end line once it has
// checked that the count matches and nothing follows. A malformed line, a
// line cut short, or input that ends without the end line is an EInvalid
// error naming the line.
func (r *Reader) Next() (*memory.Memory, error) {
	if r.done {
		return nil, io.EOF
	}
	b, complete, err := r.next()
	if errors.Is(err, io.EOF) {
		return nil, memory.Errorf(memory.EInvalid, "the export is truncated: it ends after %d memories (line %d) without its end line", r.count, r.line)
	}
	if err != nil {
		return nil, err
	}
	var l struct {
		Record
		End
	}
	if err := json.Unmarshal(b, &l); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) && !complete {
			return nil, memory.Errorf(memory.EInvalid, "line %d is cut short: the export is truncated", r.line)
		}
		return nil, memory.Errorf(memory.EInvalid, "line %d: %s", r.line, jsonProblem(err))
	}
	if l.EndOfExport {
		if l.Count != r.count {
			return nil, memory.Errorf(memory.EInvalid, "line %d: the end line counts %d memories but the export has %d", r.line, l.Count, r.count)
		}
		if _, _, err := r.next(); !errors.Is(err, io.EOF) {
			return nil, memory.Errorf(memory.EInvalid, "line %d: data after the end line", r.line)
		}
		r.done = true
		return nil, io.EOF
	}
	if err := l.Record.check(); err != nil {
		return nil, memory.Errorf(memory.EInvalid, "line %d: %s", r.line, err)
	}
	r.count++
	return l.Record.Memory(), nil
}

// Count returns the number of memories read so far.
func (r *Reader) Count() int { return r.count }

// next returns the next non-blank line, trimmed; complete is false when
// the input ended before the line's newline.
func (r *Reader) next() (line []byte, complete bool, err error) {
	for {
		var buf []byte
		for {
			chunk, err := r.r.ReadSlice('\n')
			buf = append(buf, chunk...)
			if len(buf) > MaxLineBytes {
				return nil, false, memory.Errorf(memory.EInvalid, "line %d is longer than %d MiB", r.line+1, MaxLineBytes>>20)
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				if b := bytes.TrimSpace(buf); len(b) > 0 {
					r.line++
					return b, false, nil
				}
				return nil, false, io.EOF
			}
			if err != nil {
				return nil, false, err
			}
			break
		}
		r.line++
		if b := bytes.TrimSpace(buf); len(b) > 0 {
			return b, true, nil
		}
	}
}

// check validates what a memory line must hold.
func (rec Record) check() error {
	switch {
	case memory.NormalizeContent(rec.Content) == "":
		return errors.New(`"content" is missing or empty`)
	case rec.QualityScore != nil && (*rec.QualityScore < 0 || *rec.QualityScore > 1 || math.IsNaN(*rec.QualityScore)):
		return fmt.Errorf(`"quality_score" %v is not between 0 and 1`, *rec.QualityScore)
	case rec.AccessCount < 0:
		return fmt.Errorf(`"access_count" %d is negative`, rec.AccessCount)
	case len(rec.Embedding) > 0 && rec.EmbeddingModel == "":
		return errors.New(`"embedding" without "embedding_model"`)
	}
	if _, err := memory.NormalizeTags(rec.Tags); err != nil {
		return errors.New(memory.ErrorMessage(err))
	}
	return nil
}

// jsonProblem describes a JSON decoding error without Go type names.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field[strings.LastIndex(te.Field, ".")+1:]
		return fmt.Sprintf("field %q has the wrong type (%s)", field, te.Value)
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("a time is not RFC 3339: %q", pe.Value)
	}
	return "not a JSON object: " + err.Error()
}
