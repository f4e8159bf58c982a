package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/exchange"
	"github.com/mcp-memory-go/memory/sqlite"
)

// cmdMigrate imports upstream's sqlite_vec.db: it reads the file twice,
// once to check and count it (nothing is stored, not even a database
// created, when it is not upstream's), once to store its live memories
// embedded with this program's model.
func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var from, owner string
	var dryRun bool
	var batch int
	cfg, fs, err := parseConfig("migrate", args, stderr, getenv, func(fs *flagSet) {
		fs.StringVar(&from, "from", "", "upstream's sqlite_vec.db (default: <base-dir>/sqlite_vec.db, where upstream keeps it)")
		fs.StringVar(&owner, "owner", memory.LocalOwner, "store the memories for this user")
		fs.BoolVar(&dryRun, "dry-run", false, "read and report; store nothing")
		fs.IntVar(&batch, "batch", 500, "memories stored (and embedded) at a time")
	})
	if err != nil {
		return err
	}
	switch {
	case from == "" && len(fs.Args()) == 1:
		from = fs.Args()[0]
	case len(fs.Args()) > 0:
		return fmt.Errorf("usage: memory migrate [-from] PATH [-owner USER] [-dry-run]")
	case from == "":
		from = filepath.Join(cfg.BaseDir, "sqlite_vec.db")
	}
	if src, dst := absPath(from), absPath(cfg.DBPath); src == dst {
		return fmt.Errorf("%s is this program's database; give upstream's sqlite_vec.db with -from", from)
	}

	rep, err := sqlite.ReadUpstream(ctx, from, func(*memory.Memory) error { return nil })
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(stdout, "%s: %d memories, %d deleted (skipped), %d empty (skipped), %d superseded by a newer version (kept, hidden from search)\n",
		from, rep.Live, rep.Tombstones, rep.Invalid, rep.Superseded)
	describeUpstream(stdout, rep)
	if dryRun {
		fmt.Fprintln(stdout, "dry run: nothing stored")
		return nil
	}

	a, err := openApp(ctx, cfg, newLogger(stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer a.Close()
	octx := memory.WithOwner(ctx, owner)
	bar := newProgress(stderr, "migrating")
	l := exchange.NewLoader(a.svc, exchange.ImportOptions{BatchSize: batch, Progress: bar.update}, rep.Live)
	start := time.Now()
	_, err = sqlite.ReadUpstream(octx, from, func(m *memory.Memory) error { return l.Add(octx, m) })
	res, cerr := l.Close(octx)
	bar.done()
	for _, w := range res.Warnings {
		if !strings.Contains(w, "not in the ontology") { // reported above, by type
			fmt.Fprintln(stderr, "warning:", w)
		}
	}
	if err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w (%d memories were stored before; run the migration again to finish: it skips them)", userError(err), res.Imported)
	}
	fmt.Fprintf(stdout, "migrated %d memories for %s into %s (%d already there, skipped; %d embedded with %s) in %s\n",
		res.Imported, owner, a.where(), res.Duplicates, res.Embedded, modelName(a.svc), time.Since(start).Round(time.Millisecond))
	return nil
}

// describeUpstream reports what the migration changes on the way.
func describeUpstream(w io.Writer, rep sqlite.UpstreamReport) {
	if rep.Embeddings != "" {
		fmt.Fprintf(w, "upstream's vectors (%s) are not read: sqlite-vec is not part of this program, and its model differs; memories are embedded again\n", rep.Embeddings)
	}
	if len(rep.TypesMapped) > 0 {
		types := make([]string, 0, len(rep.TypesMapped))
		for t, n := range rep.TypesMapped {
			types = append(types, fmt.Sprintf("%q (%d)", t, n))
		}
		sort.Strings(types)
		fmt.Fprintf(w, "warning: memory types not in the ontology are stored as %q: %s\n", memory.FallbackType, strings.Join(types, ", "))
	}
	if rep.TagsDropped > 0 {
		fmt.Fprintf(w, "warning: %d tags dropped (longer than %d characters, or beyond %d per memory)\n", rep.TagsDropped, memory.MaxTagLength, memory.MaxTags)
	}
}

// absPath is path made absolute, or path itself if that fails.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
