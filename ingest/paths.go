package ingest

import (
	"context"
	"path/filepath"
	"strings"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/ingest/document"
)

// DefaultMaxFiles bounds the files of one directory ingestion (upstream's).
const DefaultMaxFiles = 100

// DirOptions select the files of directories.
type DirOptions struct {
	// Recursive descends into subdirectories (hidden ones are skipped).
	Recursive bool
	// Extensions keeps files with these extensions ("pdf" or ".pdf"); nil
	// keeps every supported format.
	Extensions []string
	// MaxFiles stops after this many files; 0 means DefaultMaxFiles.
	MaxFiles int
}

// filter returns the name filter of the options, or an error naming an
// unsupported extension.
func (d DirOptions) filter() (func(string) bool, error) {
	exts := map[string]bool{}
	for _, e := range d.Extensions {
		e = "." + strings.TrimPrefix(strings.ToLower(strings.TrimSpace(e)), ".")
		if _, ok := document.FormatOf("x" + e); !ok {
			return nil, memory.Errorf(memory.EInvalid, "file extension %s is not supported; supported: %s", e, strings.Join(document.Extensions(), ", "))
		}
		exts[e] = true
	}
	return func(name string) bool {
		if _, ok := document.FormatOf(name); !ok {
			return false
		}
		return len(exts) == 0 || exts[strings.ToLower(filepath.Ext(name))]
	}, nil
}

// IngestPaths ingests files and directories read through roots, in the
// foreground, as one upload recorded in the history: files one at a time,
// each all-or-nothing, a failed file never stopping the others. progress,
// if set, is called after each file. The error is for the request as a
// whole (a bad option, a path outside the roots); each file's own failure
// is in its FileResult.
func (m *Manager) IngestPaths(ctx context.Context, roots *Roots, paths []string, d DirOptions, o Options, progress func(done, total int, r FileResult)) (*Upload, error) {
	m.init()
	if roots == nil {
		roots = &Roots{setting: RootsVar}
	}
	o.UploadID = ""
	o, err := m.Ingester.resolve(o)
	if err != nil {
		return nil, err
	}
	keep, err := d.filter()
	if err != nil {
		return nil, err
	}
	maxFiles := d.MaxFiles
	if maxFiles <= 0 {
		maxFiles = DefaultMaxFiles
	}
	var entries []Entry
	truncated := false
	for _, p := range paths {
		info, err := roots.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			entries = append(entries, Entry{Path: filepath.Clean(p)})
			continue
		}
		found, more, err := roots.Walk(p, d.Recursive, keep, maxFiles-len(entries))
		if err != nil {
			return nil, err
		}
		entries = append(entries, found...)
		if more || len(entries) >= maxFiles {
			truncated = truncated || more
			break
		}
	}
	if len(entries) > maxFiles {
		entries, truncated = entries[:maxFiles], true
	}
	if len(entries) == 0 {
		return nil, memory.Errorf(memory.EInvalid, "no supported files found in %s (supported: %s)", strings.Join(paths, ", "), strings.Join(document.Extensions(), ", "))
	}
	u := &Upload{ID: o.UploadID, Owner: memory.OwnerFrom(ctx), Status: StatusProcessing, Batch: len(entries) > 1,
		Tags: o.Tags, MemoryType: o.MemoryType, ChunkSize: o.ChunkSize, ChunkOverlap: o.ChunkOverlap,
		CreatedAt: m.now(), Errors: []string{}}
	u.StartedAt = u.CreatedAt
	var names []string
	for _, e := range entries {
		u.Files = append(u.Files, FileResult{Name: filepath.Base(e.Path), Path: e.Path, Status: StatusQueued})
		names = append(names, filepath.Base(e.Path))
	}
	u.Filename = strings.Join(names, ", ")
	u.Truncated = truncated
	m.save(ctx, u)
	if o.ChunkOverlap == 0 {
		o.ChunkOverlap = -1
	}
	for i, e := range entries {
		var r FileResult
		data, err := []byte(nil), e.Err
		if err == nil {
			data, err = roots.ReadFile(e.Path, m.Ingester.MaxFileBytes())
		}
		if err == nil {
			r, err = m.Ingester.Ingest(ctx, e.Path, data, o)
		}
		if err != nil {
			r.Name, r.Error = filepath.Base(e.Path), m.fileError(u, e.Path, err)
		}
		r.Path, r.Status = e.Path, StatusCompleted
		if r.Failed() {
			r.Status = StatusFailed
			if r.Size == 0 && data != nil {
				r.Size = int64(len(data))
			}
		}
		u.setFile(i, r)
		m.save(ctx, u)
		if progress != nil {
			progress(i+1, len(entries), r)
		}
		if ctx.Err() != nil {
			break
		}
	}
	u.Status = StatusFailed
	for _, f := range u.Files {
		if f.Status == StatusCompleted {
			u.Status = StatusCompleted
		}
	}
	u.CompletedAt = m.now()
	m.save(context.WithoutCancel(ctx), u)
	return copyUpload(u), nil
}

// fileError is the message of a file's failure; internal errors are
// logged and summarised.
func (m *Manager) fileError(u *Upload, path string, err error) string {
	if memory.ErrorCode(err) == memory.EInternal {
		m.Logger.Error("ingesting a file", "upload_id", u.ID, "file", path, "err", err)
		return path + ": internal error while storing its chunks (details are in the server log)"
	}
	msg := memory.ErrorMessage(err)
	if !strings.Contains(msg, filepath.Base(path)) {
		msg = path + ": " + msg
	}
	return msg
}
