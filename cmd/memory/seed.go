package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
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
	start := time.Now()
	if err := seedMemories(ctx, a, n, words, seed, 0, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %d memories in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

// seedMemories adds n synthetic memories to a's store: words from the
// frequency-ordered list in the file words drawn by a Zipf distribution,
// one of eight tags each, created at random times over the last age (0:
// now), with a progress bar on w.
func seedMemories(ctx context.Context, a *app, n int, words string, seed uint64, age time.Duration, w io.Writer) error {
	r := rand.New(rand.NewPCG(seed, 0))
	word, err := wordDraw(words, r)
	if err != nil {
		return err
	}
	a.svc.SemanticDedup = false
	stored, now := 0, time.Now()
	bar := newProgress(w, "seeding")
	for stored < n {
		batch := make([]memory.StoreRequest, min(500, n-stored))
		for i := range batch {
			batch[i] = memory.StoreRequest{Content: fmt.Sprintf("%s (%d)", benchText(r, word, 10, 12), r.Uint64()), Tags: []string{benchTags[r.IntN(len(benchTags))]}}
		}
		var err error
		if age > 0 {
			err = insertAged(ctx, a, batch, r, now, age)
		} else {
			_, err = a.svc.StoreBatch(ctx, batch)
		}
		if err != nil {
			return err
		}
		stored += len(batch)
		bar.update(int64(stored), int64(n))
	}
	bar.done()
	return nil
}

// insertAged stores a batch as memories created and last changed at
// random times over the last age, one in ten read since, by inserting
// them directly (the service stamps updated_at with the present).
func insertAged(ctx context.Context, a *app, batch []memory.StoreRequest, r *rand.Rand, now time.Time, age time.Duration) error {
	texts := make([]string, len(batch))
	for i, b := range batch {
		texts[i] = b.Content
	}
	var vecs [][]float32
	if a.svc.Embedder != nil {
		var err error
		if vecs, err = a.svc.Embedder.Embed(ctx, texts); err != nil {
			return err
		}
	}
	ms := make([]*memory.Memory, len(batch))
	for i, b := range batch {
		at := memory.TimeMS(now.Add(-time.Duration(r.Int64N(int64(age)))))
		m := &memory.Memory{Owner: memory.LocalOwner, Hash: memory.ContentHash(b.Content), Content: b.Content, Tags: b.Tags,
			Type: memory.DefaultType, Metadata: map[string]any{}, CreatedAt: at, UpdatedAt: at, Quality: memory.DefaultQuality}
		if r.IntN(10) == 0 {
			m.AccessCount = 1 + r.Int64N(20)
			m.LastAccessedAt = memory.TimeMS(at.Add(time.Duration(r.Int64N(int64(now.Sub(at) + 1)))))
		}
		if vecs != nil {
			m.Embedding, m.EmbeddingModel = vecs[i], a.svc.Embedder.Model().Name
		}
		ms[i] = m
	}
	return a.svc.Storage.Insert(ctx, ms)
}

// wordDraw returns a function drawing words from the frequency-ordered list
// in the file words by a Zipf distribution over r (see zipfWords).
func wordDraw(words string, r *rand.Rand) (func() string, error) {
	vocab, err := readWords(words)
	if err != nil {
		return nil, err
	}
	return zipfWords(vocab, r), nil
}

// zipfWords returns a function drawing words from vocab, most frequent
// first, by a Zipf distribution over r, as real text uses them: common
// words often, rare ones seldom.
func zipfWords(vocab []string, r *rand.Rand) func() string {
	z := rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))
	return func() string { return vocab[z.Uint64()] }
}

// benchText returns lo to lo+spread words drawn by word.
func benchText(r *rand.Rand, word func() string, lo, spread int) string {
	w := make([]string, lo+r.IntN(spread+1))
	for i := range w {
		w[i] = word()
	}
	return strings.Join(w, " ")
}
