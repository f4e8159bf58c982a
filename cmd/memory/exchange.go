package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/exchange"
)

// owners lists the owners that have memories, for -all-owners.
type owners interface {
	Owners(ctx context.Context) ([]string, error)
}

// cmdExport writes memories as JSON Lines to a file or standard output.
func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var (
		out, tags, types, after, before, expr, owner string
		allTags, embeddings, allOwners               bool
	)
	a, fs, err := setup(ctx, "export", args, stderr, getenv, func(fs *flagSet) {
		fs.StringVar(&out, "o", "", "write to this file (created with mode 0600) instead of standard output")
		fs.StringVar(&tags, "tags", "", "only memories with these tags (comma-separated)")
		fs.BoolVar(&allTags, "all-tags", false, "require every tag (default: any)")
		fs.StringVar(&types, "type", "", "only memories of these types (comma-separated)")
		fs.StringVar(&after, "after", "", "created at or after: 2025-03-01 or an RFC 3339 time")
		fs.StringVar(&before, "before", "", "created before: 2025-03-01 or an RFC 3339 time")
		fs.StringVar(&expr, "time", "", `time range, e.g. "last month"`)
		fs.BoolVar(&embeddings, "embeddings", false, "include each memory's vector (an import by the same model skips re-embedding)")
		fs.StringVar(&owner, "owner", memory.LocalOwner, "export this user's memories")
		fs.BoolVar(&allOwners, "all-owners", false, "export every user's memories")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(fs.Args()) > 0 {
		return fmt.Errorf("unexpected arguments %q: write to a file with -o FILE", fs.Text())
	}
	req := memory.ExportRequest{Tags: memory.SplitTagList(tags), TimeExpr: expr, Embeddings: embeddings}
	if allTags {
		req.TagMatch = memory.TagAll
	}
	for _, t := range strings.Split(types, ",") {
		if t = strings.TrimSpace(t); t != "" {
			req.Types = append(req.Types, t)
		}
	}
	if req.After, err = memory.ParseDate("-after", after); err != nil {
		return userError(err)
	}
	if req.Before, err = memory.ParseDate("-before", before); err != nil {
		return userError(err)
	}
	opts := exchange.ExportOptions{Request: req, Generator: "memory " + version, Owners: []string{owner}}
	if allOwners {
		ol, ok := a.svc.Storage.(owners)
		if !ok {
			return fmt.Errorf("the %s backend cannot list its users: export them one by one with -owner", a.cfg.Backend)
		}
		if opts.Owners, err = ol.Owners(ctx); err != nil {
			return err
		}
	}
	w, commit, abort, err := outputFile(out, stdout)
	if err != nil {
		return err
	}
	bar := newProgress(stderr, "exporting")
	opts.Progress = bar.update
	start := time.Now()
	n, err := exchange.Export(ctx, a.svc, w, opts)
	bar.done()
	if err == nil {
		err = commit()
	}
	if err != nil {
		abort()
		return userError(err)
	}
	dest := out
	if dest == "" {
		dest = "standard output"
	}
	fmt.Fprintf(stderr, "exported %d memories to %s in %s\n", n, dest, time.Since(start).Round(time.Millisecond))
	return nil
}

// outputFile returns where an export goes: standard output, or a
// temporary file next to path (mode 0600) that commit renames to path once
// the export is complete and abort removes, so a failed export never
// leaves a file that looks whole.
func outputFile(path string, stdout io.Writer) (w io.Writer, commit, abort func() error, err error) {
	if path == "" || path == "-" {
		nothing := func() error { return nil }
		return stdout, nothing, nothing, nil
	}
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, nil, err
	}
	commit = func() error {
		if err := f.Sync(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
	abort = func() error {
		f.Close()
		return os.Remove(tmp)
	}
	return f, commit, abort, nil
}

// cmdImport reads an export (a file, or standard input with "-") and
// stores its memories, skipping those already stored.
func cmdImport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var owner string
	var batch int
	a, fs, err := setup(ctx, "import", args, stderr, getenv, func(fs *flagSet) {
		fs.StringVar(&owner, "owner", "", "store every memory for this user (default: the user written in each line)")
		fs.IntVar(&batch, "batch", 500, "memories stored (and embedded) at a time")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(fs.Args()) != 1 {
		return fmt.Errorf("usage: memory import [-owner USER] FILE (or - for standard input)")
	}
	in, cleanup, err := seekableInput(fs.Args()[0], stdin)
	if err != nil {
		return err
	}
	defer cleanup()
	opts := exchange.ImportOptions{KeepOwners: owner == "", BatchSize: batch}
	if owner != "" {
		ctx = memory.WithOwner(ctx, owner)
	}
	bar := newProgress(stderr, "importing")
	opts.Progress = bar.update
	start := time.Now()
	res, err := exchange.Import(ctx, a.svc, in, opts)
	bar.done()
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if err != nil {
		if res.Imported > 0 {
			return fmt.Errorf("%w (%d memories were imported before; run the import again to finish: it skips them)", userError(err), res.Imported)
		}
		return fmt.Errorf("%w (nothing was imported)", userError(err))
	}
	fmt.Fprintf(stdout, "imported %d memories (%d already stored, skipped; %d embedded with %s) in %s%s\n",
		res.Imported, res.Duplicates, res.Embedded, modelName(a.svc), time.Since(start).Round(time.Millisecond), perOwner(res.Owners))
	return nil
}

// seekableInput opens the file to import; standard input ("-") is copied
// to a temporary file first, since an import reads its input twice.
func seekableInput(name string, stdin io.Reader) (io.ReadSeeker, func(), error) {
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, nil, err
		}
		return f, func() { f.Close() }, nil
	}
	f, err := os.CreateTemp("", "memory-import-*.jsonl")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	if _, err := io.Copy(f, stdin); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("reading standard input: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, nil, err
	}
	return f, cleanup, nil
}

// modelName names the service's embedding model, or says there is none.
func modelName(svc *memory.Service) string {
	if svc.Embedder == nil {
		return "no model (run `memory reembed` once one is configured)"
	}
	return svc.Embedder.Model().Name
}

// perOwner lists imported counts by owner when there is more than one.
func perOwner(counts map[string]int) string {
	if len(counts) < 2 {
		return ""
	}
	names := make([]string, 0, len(counts))
	for o := range counts {
		names = append(names, o)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, o := range names {
		fmt.Fprintf(&b, "\n  %s: %d", o, counts[o])
	}
	return b.String()
}
