package mcpserver

import (
	"context"
	"fmt"
	"strings"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/ingest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// IngestArgs are the arguments of memory_ingest (and of the v8 names
// ingest_document and ingest_directory, which also accept path).
type IngestArgs struct {
	FilePath       string `json:"file_path,omitempty" jsonschema:"absolute path of one file on the server (pdf, txt, md, json, csv, html, docx)"`
	DirectoryPath  string `json:"directory_path,omitempty" jsonschema:"absolute path of a directory on the server whose supported files are ingested"`
	Path           string `json:"path,omitempty" jsonschema:"a file or directory (v8 name)"`
	Tags           Tags   `json:"tags,omitempty" jsonschema:"tags added to every chunk"`
	ChunkSize      *Int   `json:"chunk_size,omitempty" jsonschema:"characters per chunk, 100-10000 (default 1000)"`
	ChunkOverlap   *Int   `json:"chunk_overlap,omitempty" jsonschema:"characters shared by neighbouring chunks, 0-1000 (default 200)"`
	MemoryType     string `json:"memory_type,omitempty" jsonschema:"memory type of the chunks (default document)"`
	Recursive      *Bool  `json:"recursive,omitempty" jsonschema:"directory: include subdirectories (default true)"`
	FileExtensions Tags   `json:"file_extensions,omitempty" jsonschema:"directory: only these extensions, e.g. [\"pdf\",\"md\"] (default: every supported format)"`
	MaxFiles       Int    `json:"max_files,omitempty" jsonschema:"directory: stop after this many files (default 100)"`
}

// IngestOutput is the structured result of memory_ingest.
type IngestOutput struct {
	UploadID    string              `json:"upload_id"`
	Status      string              `json:"status"`
	Files       []ingest.FileResult `json:"files"`
	FilesFailed int                 `json:"files_failed"`
	Chunks      int                 `json:"total_chunks"`
	Stored      int                 `json:"chunks_stored"`
	Duplicates  int                 `json:"duplicates"`
	Truncated   bool                `json:"truncated,omitempty"`
	Errors      []string            `json:"errors"`
}

// ingestScope: reading the server's files is an administrator's act over
// HTTP, whatever the roots allow (stdio callers hold every scope).
const ingestScope = auth.ScopeAdmin

func (h *handlers) registerIngest(s *toolSet) {
	if h.opts.Ingest == nil {
		return
	}
	addTool(s, "memory_ingest", "Ingest Documents",
		"Read a document (file_path) or the supported files of a directory (directory_path) on the server — PDF, text, Markdown, JSON, CSV, HTML, DOCX — and store their text as memories in chunks of about 1000 characters tagged source_file:<name>, file_type:<ext> and upload_id:<id>. Paths must be under the directories the server allows ("+ingest.RootsVar+"). Each file is stored whole or not at all; a failed file does not stop the others.",
		additive, h.ingest)
	setToolScope("memory_ingest", ingestScope)
}

// registerIngestLegacy registers the v8 names of memory_ingest.
func (h *handlers) registerIngestLegacy(s *toolSet) {
	if h.opts.Ingest == nil {
		return
	}
	addLegacy(s, "ingest_document", "Ingest one file; same as memory_ingest with file_path.", additive,
		func(ctx context.Context, req *mcp.CallToolRequest, in IngestArgs) (*mcp.CallToolResult, IngestOutput, error) {
			if in.FilePath == "" {
				in.FilePath, in.Path = in.Path, ""
			}
			return h.ingest(ctx, req, in)
		})
	setToolScope("ingest_document", ingestScope)
	addLegacy(s, "ingest_directory", "Ingest the files of a directory; same as memory_ingest with directory_path.", additive,
		func(ctx context.Context, req *mcp.CallToolRequest, in IngestArgs) (*mcp.CallToolResult, IngestOutput, error) {
			if in.DirectoryPath == "" {
				in.DirectoryPath, in.Path = in.Path, ""
			}
			return h.ingest(ctx, req, in)
		})
	setToolScope("ingest_directory", ingestScope)
}

func (h *handlers) ingest(ctx context.Context, req *mcp.CallToolRequest, in IngestArgs) (*mcp.CallToolResult, IngestOutput, error) {
	var paths []string
	for _, p := range []string{in.FilePath, in.DirectoryPath, in.Path} {
		if p = strings.TrimSpace(p); p != "" {
			paths = append(paths, p)
		}
	}
	if len(paths) != 1 {
		return nil, IngestOutput{}, h.toolError(memory.Errorf(memory.EInvalid, "give exactly one of file_path or directory_path"))
	}
	o := ingest.Options{Tags: in.Tags, MemoryType: in.MemoryType}
	if in.ChunkSize != nil {
		o.ChunkSize = int(*in.ChunkSize)
	}
	if in.ChunkOverlap != nil {
		o.ChunkOverlap = int(*in.ChunkOverlap)
		if o.ChunkOverlap == 0 {
			o.ChunkOverlap = -1 // an explicit zero: no overlap
		}
	}
	d := ingest.DirOptions{Recursive: in.Recursive == nil || bool(*in.Recursive), Extensions: in.FileExtensions, MaxFiles: int(in.MaxFiles)}
	u, err := h.opts.Ingest.IngestPaths(ctx, h.opts.IngestRoots, paths, d, o, progressNotifier(ctx, req))
	if err != nil {
		return nil, IngestOutput{}, h.toolError(err)
	}
	out := IngestOutput{UploadID: u.ID, Status: u.Status, Files: u.Files, Chunks: u.TotalChunks, Stored: u.ChunksStored,
		Duplicates: u.Duplicates, Truncated: u.Truncated, Errors: u.Errors}
	for _, f := range u.Files {
		if f.Failed() {
			out.FilesFailed++
		}
	}
	res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: ingestSummary(out)}}}
	// Every file failing is a failed call; some failing is a partial
	// success whose errors the summary lists.
	res.IsError = out.FilesFailed == len(out.Files)
	return res, out, nil
}

// progressNotifier sends a progress notification after each file when the
// client asked for them (a progress token in the request); nil otherwise.
func progressNotifier(ctx context.Context, req *mcp.CallToolRequest) func(done, total int, r ingest.FileResult) {
	if req == nil || req.Session == nil || req.Params == nil || req.Params.GetProgressToken() == nil {
		return nil
	}
	token := req.Params.GetProgressToken()
	return func(done, total int, r ingest.FileResult) {
		msg := r.Name
		if r.Failed() {
			msg += " failed"
		}
		req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: token, Progress: float64(done), Total: float64(total), Message: msg})
	}
}

// ingestSummary is the text the model reads.
func ingestSummary(o IngestOutput) string {
	var b strings.Builder
	ok := len(o.Files) - o.FilesFailed
	fmt.Fprintf(&b, "Ingested %d of %d files (upload_id %s): %d chunks, %d stored, %d already stored.", ok, len(o.Files), o.UploadID, o.Chunks, o.Stored, o.Duplicates)
	if o.Truncated {
		b.WriteString("\nStopped at max_files: the directory holds more files.")
	}
	for _, f := range o.Files {
		if f.Failed() {
			fmt.Fprintf(&b, "\nFailed: %s", f.Error)
			continue
		}
		fmt.Fprintf(&b, "\n%s (%s", f.Name, f.Format)
		if f.Pages > 0 {
			fmt.Fprintf(&b, ", %d pages", f.Pages)
		}
		fmt.Fprintf(&b, "): %d chunks, %d stored", f.Chunks, f.Stored)
	}
	return b.String()
}
