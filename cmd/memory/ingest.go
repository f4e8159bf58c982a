package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/ingest"
)

// cmdIngest stores files and directories as chunked memories, with a
// progress bar and a summary; it fails when any file failed.
func cmdIngest(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	ic, err := loadIngestConfig(getenv)
	if err != nil {
		return err
	}
	var (
		tags, typ, exts    string
		size, overlap, max int
		recursive, asJSON  bool
	)
	a, fs, err := setup(ctx, "ingest", args, stderr, getenv, func(fs *flagSet) {
		fs.StringVar(&tags, "tags", "", "comma-separated tags for every chunk")
		fs.StringVar(&typ, "type", "", "memory type of the chunks (default document)")
		fs.IntVar(&size, "chunk-size", 0, "characters per chunk, 100-10000 (default MCP_DOCUMENT_CHUNK_SIZE or 1000)")
		fs.IntVar(&overlap, "chunk-overlap", -2, "characters shared by neighbouring chunks, 0-1000 (default MCP_DOCUMENT_CHUNK_OVERLAP or 200)")
		fs.BoolVar(&recursive, "recursive", true, "descend into subdirectories")
		fs.StringVar(&exts, "ext", "", "only these extensions in directories, comma-separated (default: every supported format)")
		fs.IntVar(&max, "max-files", 0, "stop after this many files (default 100)")
		fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	paths := fs.Args()
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "usage: memory ingest [flags] FILE_OR_DIRECTORY...")
		return errUsage
	}
	for i, p := range paths {
		if paths[i], err = filepath.Abs(p); err != nil {
			return err
		}
	}
	m := ic.documents(a)
	o := ingest.Options{Tags: memory.SplitTagList(tags), MemoryType: typ, ChunkSize: size}
	switch {
	case overlap < 0 && overlap != -2:
		return fmt.Errorf("-chunk-overlap %d is out of range: use 0 to %d", overlap, ingest.MaxChunkOverlap)
	case overlap == 0:
		o.ChunkOverlap = -1
	case overlap > 0:
		o.ChunkOverlap = overlap
	}
	d := ingest.DirOptions{Recursive: recursive, Extensions: memory.SplitTagList(exts), MaxFiles: max}
	bar := newProgress(stderr, "ingesting")
	roots := ingest.Unrestricted()
	defer roots.Close()
	u, err := m.IngestPaths(ctx, roots, paths, d, o, func(done, total int, _ ingest.FileResult) { bar.update(int64(done), int64(total)) })
	bar.done()
	if err != nil {
		return userError(err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(u); err != nil {
			return err
		}
	} else {
		printIngest(stdout, u)
	}
	failed := 0
	for _, f := range u.Files {
		if f.Failed() {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files failed", failed, len(u.Files))
	}
	return nil
}

// printIngest writes a line per file and the totals.
func printIngest(w io.Writer, u *ingest.Upload) {
	for _, f := range u.Files {
		if f.Failed() {
			fmt.Fprintf(w, "FAIL %s\n", f.Error)
			continue
		}
		pages := ""
		if f.Pages > 0 {
			pages = fmt.Sprintf(", %d pages", f.Pages)
		}
		fmt.Fprintf(w, "ok   %s (%s%s): %d chunks, %d stored, %d already stored, %d ms\n", f.Path, f.Format, pages, f.Chunks, f.Stored, f.Duplicates, f.Millis)
	}
	ok := 0
	for _, f := range u.Files {
		if !f.Failed() {
			ok++
		}
	}
	fmt.Fprintf(w, "%d of %d files ingested: %d chunks, %d stored, %d already stored (upload_id %s, tag upload_id:%s)\n",
		ok, len(u.Files), u.TotalChunks, u.ChunksStored, u.Duplicates, u.ID, u.ID)
	if u.Truncated {
		fmt.Fprintln(w, "stopped at -max-files: more files were left")
	}
}
