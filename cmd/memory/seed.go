package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// benchSeed fills the store with synthetic memories for load tests: words
// drawn from a frequency-ordered word list by a Zipf distribution, as real
// text is, so that common words match many memories and rare ones few.
func benchSeed(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var (
		n     int
		words string
		seed  uint64
	)
	a, _, err := setup(ctx, "bench seed", args, stderr, getenv, func(fs *flagSet) {
		fs.IntVar(&n, "n", 10000, "number of memories to add")
		fs.StringVar(&words, "words", "testdata/benchwords.txt", "word list, most frequent first")
		fs.Uint64Var(&seed, "seed", 1, "random seed")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	b, err := os.ReadFile(words)
	if err != nil {
		return err
	}
	vocab := strings.Fields(string(b))
	if len(vocab) < 10 {
		return fmt.Errorf("%s: want a list of at least 10 words", words)
	}
	r := rand.New(rand.NewPCG(seed, 0))
	z := rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))
	tags := []string{"work", "home", "ops", "ideas", "people", "travel", "health", "books"}
	a.svc.SemanticDedup = false
	start, stored := time.Now(), 0
	bar := newProgress(stderr, "seeding")
	for stored < n {
		batch := make([]memory.StoreRequest, min(500, n-stored))
		for i := range batch {
			w := make([]string, 10+r.IntN(13))
			for j := range w {
				w[j] = vocab[z.Uint64()]
			}
			batch[i] = memory.StoreRequest{Content: fmt.Sprintf("%s (%d)", strings.Join(w, " "), r.Uint64()), Tags: []string{tags[r.IntN(len(tags))]}}
		}
		if _, err := a.svc.StoreBatch(ctx, batch); err != nil {
			return err
		}
		stored += len(batch)
		bar.update(int64(stored), int64(n))
	}
	bar.done()
	fmt.Fprintf(stdout, "added %d memories in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
