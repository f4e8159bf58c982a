package main

// `memory bench consolidate`: one consolidation pass over a seeded store,
// with its time, the time of each phase and the process's peak memory.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mcp-memory-go/memory/consolidate"
)

// benchConsolidate seeds a store to n memories (created over the last two
// years) unless it holds them already, then runs one pass and prints its
// figures. Without -db it works on a temporary file.
func benchConsolidate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var (
		n, batch     int
		horizon      string
		full, dryRun bool
		words        string
	)
	cfg, fs, err := parseConfig("bench consolidate", args, stderr, getenv, func(fs *flagSet) {
		fs.IntVar(&n, "n", 100000, "memories in the store")
		fs.StringVar(&horizon, "horizon", "monthly", "horizon of the pass")
		fs.IntVar(&batch, "batch", 500, "batch size (MCP_CONSOLIDATION_BATCH_SIZE)")
		fs.BoolVar(&full, "full", false, "process every memory, not one incremental batch")
		fs.BoolVar(&dryRun, "dry-run", false, "change nothing")
		fs.StringVar(&words, "words", "testdata/benchwords.txt", "word list for seeding, most frequent first")
	})
	if err != nil {
		return err
	}
	if !isFlagSet(fs, "db") && getenv("MCP_MEMORY_SQLITE_PATH") == "" {
		dir, err := os.MkdirTemp("", "memory-bench-consolidate-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.DBPath = filepath.Join(dir, "memory.db")
	}
	h, err := consolidate.ParseHorizon(horizon)
	if err != nil {
		return userError(err)
	}
	a, err := openApp(ctx, cfg, newLogger(stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer a.Close()
	if a.cons == nil {
		return fmt.Errorf("consolidation needs the sqlite, postgres or hybrid backend")
	}
	st, err := a.store.Stats(ctx, "")
	if err != nil {
		return err
	}
	if missing := n - int(st.Memories+st.Tombstones); missing > 0 { // tombstones include archived memories
		start := time.Now()
		if err := seedMemories(ctx, a, missing, words, uint64(st.Memories)+1, 2*365*24*time.Hour, stderr); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "seeded %d memories in %s\n", missing, time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	if err := a.preload(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "vectors loaded in %s\n", time.Since(start).Round(time.Millisecond))
	a.cons.Config.BatchSize, a.cons.Config.Incremental = batch, !full
	runtime.GC()
	start = time.Now()
	r, err := a.cons.Consolidate(ctx, h, consolidate.Options{DryRun: dryRun})
	took := time.Since(start)
	if err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(stdout, "%s pass over a store of %d memories: %d processed in %s (%.2f ms a memory)\n",
		h, n, r.Processed, took.Round(time.Millisecond), float64(took.Microseconds())/1000/float64(max(r.Processed, 1)))
	for _, p := range r.Phases {
		fmt.Fprintf(stdout, "  %-13s %10.1f ms\n", p.Name, p.DurationMS)
	}
	fmt.Fprintf(stdout, "associations %d, clusters %d, summaries %d, archived %d\n",
		len(r.Associations.Edges), r.Clustering.Count, r.Compression.Created, r.Forgetting.Count)
	fmt.Fprintf(stdout, "peak RSS %s; Go heap in use %.1f MB, from the OS %.1f MB\n", peakRSS(), float64(ms.HeapInuse)/1e6, float64(ms.Sys)/1e6)
	return nil
}

// isFlagSet reports whether the flag was given on the command line.
func isFlagSet(fs *flagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
