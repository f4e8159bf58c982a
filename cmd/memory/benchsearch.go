package main

// memory bench search: search latency on the store as configured.

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// benchSearch times searches through the service on the configured store
// (any backend, e.g. one `memory bench seed` filled): queries of 3 to 5
// words drawn like the seeded text, query embedding included, after the
// vectors and the keyword index are loaded and one untimed pass.
func benchSearch(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var (
		n     int
		words string
		modes string
	)
	a, _, err := setup(ctx, "bench search", args, stderr, getenv, func(fs *flagSet) {
		fs.IntVar(&n, "q", 200, "queries per mode")
		fs.StringVar(&words, "words", "testdata/benchwords.txt", "word list the queries draw from, most frequent first")
		fs.StringVar(&modes, "modes", "hybrid,semantic,keyword", "search modes, comma-separated")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if n < 1 {
		return fmt.Errorf("-q %d: want at least one query", n)
	}
	for _, m := range strings.Split(modes, ",") {
		if !slices.Contains([]string{memory.ModeHybrid, memory.ModeSemantic, memory.ModeKeyword, memory.ModeExact}, m) {
			return fmt.Errorf("-modes: unknown mode %q (hybrid, semantic, keyword, exact)", m)
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	word, err := wordDraw(words, r)
	if err != nil {
		return err
	}
	queries := make([]string, n)
	for i := range queries {
		queries[i] = benchText(r, word, 3, 2)
	}
	st, err := a.svc.Stats(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	a.warmUp(ctx)
	fmt.Fprintf(stdout, "%d memories; vectors and keyword index loaded in %s\n", st.Storage.Memories, time.Since(start).Round(time.Millisecond))
	search := func(q, mode string) (time.Duration, error) {
		t0 := time.Now()
		_, err := a.svc.Search(ctx, memory.SearchRequest{Query: q, Mode: mode})
		return time.Since(t0), err
	}
	for _, q := range queries {
		if _, err := search(q, memory.ModeHybrid); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%-10s %9s %9s %9s\n", "mode", "p50 ms", "p95 ms", "mean ms")
	for _, mode := range strings.Split(modes, ",") {
		lat := make([]time.Duration, 0, n)
		var sum time.Duration
		for _, q := range queries {
			d, err := search(q, mode)
			if err != nil {
				return fmt.Errorf("%s search %q: %w", mode, q, err)
			}
			lat = append(lat, d)
			sum += d
		}
		slices.Sort(lat)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		fmt.Fprintf(stdout, "%-10s %9.2f %9.2f %9.2f\n", mode, ms(lat[len(lat)/2]), ms(lat[len(lat)*95/100]), ms(sum/time.Duration(n)))
	}
	return nil
}
