package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// cmdBench runs the benchmarks that need the whole program.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: memory bench locomo -data FILE | memory bench coldstart [-n 20] | memory bench seed [-n 10000] | memory bench search [-q 200] | memory bench consolidate [-n 100000] [-full] | memory bench postgres [-n 100000]")
		return errUsage
	}
	switch args[0] {
	case "locomo":
		return benchLocomo(ctx, args[1:], stdout, stderr, getenv)
	case "coldstart":
		return benchColdStart(ctx, args[1:], stdout, stderr)
	case "seed":
		return benchSeed(ctx, args[1:], stdout, stderr, getenv)
	case "search":
		return benchSearch(ctx, args[1:], stdout, stderr, getenv)
	case "consolidate":
		return benchConsolidate(ctx, args[1:], stdout, stderr, getenv)
	case "postgres":
		return benchPostgres(ctx, args[1:], stdout, stderr, getenv)
	}
	fmt.Fprintf(stderr, "memory bench: unknown benchmark %q (locomo, coldstart, seed, search, consolidate, postgres)\n", args[0])
	return errUsage
}

// benchLocomo measures retrieval quality on LoCoMo.
func benchLocomo(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	fs := newFlagSet("bench locomo", stderr)
	data := fs.String("data", "../shared/bench/locomo/locomo-dev.json", "LoCoMo JSON file")
	tokenizers := fs.String("tokenizers", "", "comma-separated FTS5 tokenizers to compare (default: the store's default)")
	configs := fs.String("configs", "keyword,semantic,fusion,hybrid", "configurations, comma-separated: keyword, semantic, rrf, fusion[@W] (weighted fusion alone, dense weight W), hybrid[@W] (fusion and the default re-ranking); each may add +STEP or +STEP=X with STEP one of "+strings.Join(rerankSteps, ", ")+", or +sources=N (the N best results lend context)")
	loco := fs.Bool("loco", false, "also report leave-one-conversation-out figures: for each conversation, the configuration best on the other ones, measured on it")
	fs.StringVar(&cfg.Embedding, "embedding", cfg.Embedding, "embedding model")
	fs.IntVar(&cfg.Candidates, "candidates", 100, "hits each signal contributes to hybrid fusion")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	var cfgs []locomoConfig
	for _, c := range strings.Split(*configs, ",") {
		lc, err := parseLocomoConfig(strings.TrimSpace(c), cfg.SemanticWeight)
		if err != nil {
			return err
		}
		cfgs = append(cfgs, lc)
	}
	toks := []string{""}
	if *tokenizers != "" {
		toks = strings.Split(*tokenizers, ",")
	}
	for _, tok := range toks {
		runs, err := runLocomo(ctx, *data, strings.TrimSpace(tok), cfgs, cfg, stdout, stderr)
		if err != nil {
			return err
		}
		if *loco {
			printLOCO(stdout, cfgs, runs)
		}
	}
	return nil
}

// benchColdStart starts `memory server` n times on a fresh database and
// measures the time from process start to the answer to tools/list,
// through real pipes, as an MCP client sees it.
func benchColdStart(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench coldstart", stderr)
	n := fs.Int("n", 20, "number of runs")
	bin := fs.String("bin", "", "binary to start (default: this one)")
	db := fs.String("db", "", "database to start on, created by an untimed first run if missing (default: a fresh one each run)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		*bin = exe
	}
	dir, err := os.MkdirTemp("", "coldstart-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var init, list []time.Duration
	kind := "fresh database each"
	if *db != "" {
		kind = "existing database"
		if _, _, err := coldStartOnce(ctx, *bin, *db); err != nil {
			return fmt.Errorf("preparing %s: %w", *db, err)
		}
	}
	for i := 0; i < *n; i++ {
		path := *db
		if path == "" {
			path = filepath.Join(dir, fmt.Sprintf("run%d.db", i))
		}
		a, b, err := coldStartOnce(ctx, *bin, path)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		init, list = append(init, a), append(list, b)
	}
	fmt.Fprintf(stdout, "cold start over %d runs (%s): initialize answered p50 %s, tools/list answered p50 %s (min %s, max %s)\n",
		*n, kind, median(init), median(list), slices.Min(list).Round(10*time.Microsecond), slices.Max(list).Round(10*time.Microsecond))
	return nil
}

func coldStartOnce(ctx context.Context, bin, db string) (initDone, listDone time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "server", "-db", db)
	in, err := cmd.StdinPipe()
	if err != nil {
		return 0, 0, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() {
		in.Close()
		_ = cmd.Wait()
	}()
	r := bufio.NewReader(outPipe)
	send := func(s string) error { _, err := io.WriteString(in, s+"\n"); return err }
	read := func(id int) error {
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				return fmt.Errorf("reading answer %d: %w", id, err)
			}
			var msg struct {
				ID    *int            `json:"id"`
				Error json.RawMessage `json:"error"`
			}
			if json.Unmarshal(line, &msg) == nil && msg.ID != nil && *msg.ID == id {
				if msg.Error != nil {
					return fmt.Errorf("error answer: %s", msg.Error)
				}
				return nil
			}
		}
	}
	if err := send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"coldstart","version":"1"}}}`); err != nil {
		return 0, 0, err
	}
	if err := read(1); err != nil {
		return 0, 0, err
	}
	initDone = time.Since(start)
	if err := send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`); err != nil {
		return 0, 0, err
	}
	if err := send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`); err != nil {
		return 0, 0, err
	}
	if err := read(2); err != nil {
		return 0, 0, err
	}
	return initDone, time.Since(start), nil
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2].Round(10 * time.Microsecond)
}
