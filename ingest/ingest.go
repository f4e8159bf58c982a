// Package ingest turns files into memories. A file's text (package document)
// is cut into chunks at paragraph and sentence boundaries and the chunks of
// one file are stored in one transaction — all of them or none — tagged
// source_file:, file_type: and upload_id:, with their place in the file
// (page, chunk index, offsets) in the metadata.
//
// Ingester does one file; Roots confines reading the server's filesystem
// to allowed directories; Manager runs uploads in the background with a
// history that survives restarts.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/ingest/document"
)

// Defaults and bounds of the chunking parameters (upstream's).
const (
	DefaultChunkSize    = 1000
	DefaultChunkOverlap = 200
	MinChunkSize        = 100
	MaxChunkSize        = 10000
	MaxChunkOverlap     = 1000
	DefaultMemoryType   = "document"
	// DefaultTimeout bounds the extraction of one file.
	DefaultTimeout = 2 * time.Minute
)

// Ingester stores files as chunked memories through Service.
type Ingester struct {
	Service *memory.Service
	// Limits bound what one file may cost; zero fields take the document
	// package's defaults.
	Limits document.Limits
	// Timeout bounds the extraction of one file; 0 means DefaultTimeout.
	Timeout time.Duration
	// ChunkSize and ChunkOverlap are the defaults when a request gives
	// none (MCP_DOCUMENT_CHUNK_SIZE, MCP_DOCUMENT_CHUNK_OVERLAP); 0 means
	// upstream's 1000 and 200, a negative overlap none.
	ChunkSize, ChunkOverlap int
}

// Options are the caller's choices for one ingestion.
type Options struct {
	// Tags are added to every chunk, besides the source tags.
	Tags []string
	// ChunkSize and ChunkOverlap in characters; 0 takes the Ingester's
	// (the overlap cut to below half the size); a negative overlap means
	// none.
	ChunkSize, ChunkOverlap int
	// MemoryType of the chunks; "" means "document".
	MemoryType string
	// UploadID groups the chunks (tag upload_id:<id>); "" makes a new one.
	UploadID string
}

// FileResult reports one file.
type FileResult struct {
	Name string `json:"filename"`
	// Status is the file's progress within an upload: queued, processing,
	// completed or failed.
	Status     string `json:"status,omitempty"`
	Path       string `json:"path,omitempty"`
	Format     string `json:"file_type,omitempty"`
	Size       int64  `json:"file_size"`
	Pages      int    `json:"pages,omitempty"`
	Chunks     int    `json:"total_chunks"`
	Stored     int    `json:"chunks_stored"`
	Duplicates int    `json:"duplicates"`
	Error      string `json:"error,omitempty"`
	// Millis is how long the file took, extraction to commit.
	Millis int64 `json:"duration_ms"`
}

// Failed reports whether the file could not be ingested.
func (r FileResult) Failed() bool { return r.Error != "" }

// resolve fills o's defaults and checks its bounds.
func (in *Ingester) resolve(o Options) (Options, error) {
	if o.ChunkSize == 0 {
		o.ChunkSize = cmp(in.ChunkSize, DefaultChunkSize)
	}
	switch {
	case o.ChunkOverlap < 0:
		o.ChunkOverlap = 0
	case o.ChunkOverlap == 0:
		o.ChunkOverlap = min(max(cmp(in.ChunkOverlap, DefaultChunkOverlap), 0), (o.ChunkSize-1)/2)
	}
	if o.ChunkSize < MinChunkSize || o.ChunkSize > MaxChunkSize {
		return o, memory.Errorf(memory.EInvalid, "chunk_size %d is out of range: use %d to %d characters", o.ChunkSize, MinChunkSize, MaxChunkSize)
	}
	if o.ChunkOverlap < 0 || o.ChunkOverlap > MaxChunkOverlap {
		return o, memory.Errorf(memory.EInvalid, "chunk_overlap %d is out of range: use 0 to %d characters", o.ChunkOverlap, MaxChunkOverlap)
	}
	if o.ChunkOverlap >= o.ChunkSize/2 {
		return o, memory.Errorf(memory.EInvalid, "chunk_overlap %d must be less than half of chunk_size %d", o.ChunkOverlap, o.ChunkSize)
	}
	if o.MemoryType == "" {
		o.MemoryType = DefaultMemoryType
	}
	tags, err := memory.NormalizeTags(o.Tags)
	if err != nil {
		return o, err
	}
	o.Tags = tags
	if o.UploadID == "" {
		o.UploadID = NewID()
	}
	return o, nil
}

// cmp returns v, or def when v is 0.
func cmp(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Check validates what can be known of a file before reading its content:
// a supported extension, a size within the limit, not empty. The error
// names the file.
func (in *Ingester) Check(name string, size int64) (format string, err error) {
	format, ok := document.FormatOf(name)
	if !ok {
		ext := strings.ToLower(filepath.Ext(name))
		if ext == "" {
			ext = "(none)"
		}
		return "", memory.Errorf(memory.EInvalid, "%s: unsupported file type %s; supported: %s", name, ext, strings.Join(document.Extensions(), ", "))
	}
	if size == 0 {
		return "", memory.Errorf(memory.EInvalid, "%s: the file is empty", name)
	}
	if max := in.MaxFileBytes(); size > max {
		return "", memory.Errorf(memory.ETooLarge, "%s: %s is over the %s limit per file", name, byteSize(size), byteSize(max))
	}
	return format, nil
}

// MaxFileBytes is the largest file accepted.
func (in *Ingester) MaxFileBytes() int64 {
	if in.Limits.MaxBytes > 0 {
		return in.Limits.MaxBytes
	}
	return document.DefaultMaxBytes
}

// MaxPages is the largest number of PDF pages accepted.
func (in *Ingester) MaxPages() int {
	if in.Limits.MaxPages > 0 {
		return in.Limits.MaxPages
	}
	return document.DefaultMaxPages
}

// Ingest extracts, chunks and stores one file's content as the owner in ctx.
// Either every chunk is stored (exact duplicates of stored memories are
// skipped and counted) or, on any error, nothing is. The error is the
// file's: a message that names it and says what is wrong.
func (in *Ingester) Ingest(ctx context.Context, name string, data []byte, o Options) (FileResult, error) {
	start := time.Now()
	res := FileResult{Name: filepath.Base(name), Size: int64(len(data))}
	fail := func(err error) (FileResult, error) {
		res.Error = memory.ErrorMessage(err)
		res.Millis = time.Since(start).Milliseconds()
		return res, err
	}
	o, err := in.resolve(o)
	if err != nil {
		return fail(err)
	}
	format, err := in.Check(res.Name, res.Size)
	if err != nil {
		return fail(err)
	}
	res.Format = format
	doc, err := in.extract(ctx, res.Name, format, data)
	if err != nil {
		return fail(err)
	}
	res.Pages = doc.Pages
	overlap := o.ChunkOverlap
	if overlap == 0 {
		overlap = -1 // the document package reads 0 as its default
	}
	chunks := doc.Chunks(document.ChunkOptions{Size: o.ChunkSize, Overlap: overlap})
	if len(chunks) == 0 {
		return fail(memory.Errorf(memory.EInvalid, "%s: no text found in the file", res.Name))
	}
	res.Chunks = len(chunks)
	stored, err := in.Service.StoreBatch(ctx, requests(res.Name, format, doc, chunks, o))
	if err != nil {
		return fail(fmt.Errorf("%s: storing its chunks: %w", res.Name, err))
	}
	res.Stored, res.Duplicates = len(stored.Stored), len(stored.Duplicates)
	res.Millis = time.Since(start).Milliseconds()
	return res, nil
}

// extract runs the parser under the per-file time limit and turns its
// errors into messages for the caller.
func (in *Ingester) extract(ctx context.Context, name, format string, data []byte) (*document.Document, error) {
	timeout := in.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ectx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	doc, err := document.Extract(ectx, format, data, in.Limits)
	switch {
	case err == nil:
		return doc, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return nil, memory.Errorf(memory.ETooLarge, "%s: reading it took longer than the %s limit per file", name, timeout)
	case errors.Is(err, document.ErrTooLarge):
		return nil, memory.Errorf(memory.ETooLarge, "%s: %v", name, err)
	}
	return nil, memory.Errorf(memory.EInvalid, "%s: %v", name, err)
}

// requests makes the store requests of a file's chunks.
func requests(name, format string, doc *document.Document, chunks []document.Chunk, o Options) []memory.StoreRequest {
	tags := append(append([]string{}, o.Tags...),
		clipTag("source_file:"+name), "file_type:"+format, "upload_id:"+o.UploadID)
	reqs := make([]memory.StoreRequest, len(chunks))
	for i, c := range chunks {
		meta := map[string]any{
			"source_file":  name,
			"file_type":    format,
			"upload_id":    o.UploadID,
			"chunk_index":  c.Index,
			"chunk_count":  len(chunks),
			"start_offset": c.Start,
			"end_offset":   c.End,
		}
		if c.Page > 0 {
			meta["page"] = c.Page
			meta["pages"] = doc.Pages
			if c.LastPage > c.Page {
				meta["last_page"] = c.LastPage
			}
		}
		reqs[i] = memory.StoreRequest{Content: c.Text, Tags: tags, Type: o.MemoryType, Metadata: meta}
	}
	return reqs
}

// clipTag shortens a tag to the tag length limit.
func clipTag(t string) string {
	r := []rune(t)
	if len(r) <= memory.MaxTagLength {
		return t
	}
	return string(r[:memory.MaxTagLength])
}

// byteSize formats n bytes for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
