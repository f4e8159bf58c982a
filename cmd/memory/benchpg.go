package main

// memory bench postgres: the PostgreSQL backend at scale. It loads n
// memories with COPY, builds the HNSW index and measures searches.

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/embed/glove"
	"github.com/mcp-memory-go/memory/postgres"
)

// benchOwner owns every memory of the benchmark: one owner with all of
// them is the largest search there is.
const benchOwner = "bench"

// benchTags are the tags of benchmark memories, one each, uniformly: a tag
// filter keeps an eighth.
var benchTags = []string{"work", "home", "ops", "ideas", "people", "travel", "health", "books"}

// benchPostgres loads n memories into a schema of the PostgreSQL database
// (MCP_MEMORY_POSTGRES_URL) with COPY, builds the HNSW index, then
// measures with real queries: latency p50/p95 of vector search for each
// hnsw.ef_search with its recall@10 against exact search, of filtered
// vector search, of keyword search, and of semantic, keyword and hybrid
// search through the service (query embedding included). A second run
// with the same -n and -schema reuses the loaded data.
func benchPostgres(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var (
		n, queries, batch int
		m, efc            int
		efs, schema, mem  string
		words             string
		seed              uint64
		reload            bool
	)
	cfg, _, err := parseConfig("bench postgres", args, stderr, getenv, func(fs *flagSet) {
		fs.IntVar(&n, "n", 100000, "number of memories")
		fs.IntVar(&queries, "queries", 100, "number of queries measured per configuration")
		fs.StringVar(&efs, "ef", "20,40,100,200", "hnsw.ef_search values to compare")
		fs.StringVar(&schema, "schema", "", "schema holding the benchmark's store (default memory_bench_<n>)")
		fs.StringVar(&mem, "maintenance-work-mem", "2GB", "maintenance_work_mem for the index build")
		fs.StringVar(&words, "words", "testdata/benchwords.txt", "word list, most frequent first")
		fs.Uint64Var(&seed, "seed", 1, "random seed of the text and the queries")
		fs.IntVar(&batch, "batch", 20000, "memories per COPY")
		fs.BoolVar(&reload, "reload", false, "drop the schema and load again even if it holds the memories")
		fs.IntVar(&m, "m", 0, "HNSW m of the index built (default: pgvector's, 16)")
		fs.IntVar(&efc, "ef-construction", 0, "HNSW ef_construction of the index built (default: pgvector's, 64)")
	})
	if err != nil {
		return err
	}
	if cfg.PostgresURL == "" {
		return fmt.Errorf("memory bench postgres needs a database: set MCP_MEMORY_POSTGRES_URL or --postgres-url (the benchmark works in its own schema)")
	}
	var efList []int
	for _, f := range strings.Split(efs, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 || v > 1000 {
			return fmt.Errorf("-ef %q: want numbers from 1 to 1000", efs)
		}
		efList = append(efList, v)
	}
	if n < 1 || queries < 1 || batch < 1 {
		return fmt.Errorf("-n, -queries and -batch must be at least 1")
	}
	if schema == "" {
		schema = fmt.Sprintf("memory_bench_%d", n)
	}
	vocab, err := readWords(words)
	if err != nil {
		return err
	}
	emb := glove.New()
	model := emb.Model().Name
	open := func(ef int) (*postgres.Store, error) {
		st := postgres.New(cfg.PostgresURL)
		st.Schema, st.EfSearch, st.IndexNewModels, st.MaintenanceWorkMem = schema, ef, false, mem
		st.HNSWM, st.HNSWEfConstruction = m, efc
		if err := st.Open(ctx); err != nil {
			return nil, fmt.Errorf("MCP_MEMORY_POSTGRES_URL: %w", err)
		}
		return st, nil
	}

	if reload {
		if err := postgres.DropSchema(ctx, cfg.PostgresURL, schema); err != nil {
			return err
		}
	}
	st, err := open(0)
	if err != nil {
		return err
	}
	defer st.Close()
	have, err := st.Stats(ctx, benchOwner)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "memory bench postgres: %d memories of one owner in %s schema %s\n", n, st.Addr(), schema)
	fmt.Fprintf(stdout, "data: %d–%d words of Zipf-distributed English (-words %s, seed %d), one of %d tags each, vectors of the built-in %s (%d-d)\n",
		benchMinWords, benchMinWords+benchSpreadWords, words, seed, len(benchTags), model, emb.Model().Dim)
	switch {
	case have.Memories == int64(n):
		fmt.Fprintf(stdout, "load: reusing the %d memories loaded before (-reload loads them again)\n", n)
	case have.Memories != 0:
		return fmt.Errorf("schema %s holds %d memories, not %d: run with -reload, or another -schema", schema, have.Memories, n)
	default:
		if err := benchLoad(ctx, st, emb, vocab, n, batch, seed, stdout, stderr); err != nil {
			return err
		}
	}
	if have, err = st.Stats(ctx, benchOwner); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "size: %.2f GB (table, TOAST and indexes)\n", float64(have.SizeBytes)/1e9)

	qs, err := benchQueries(ctx, emb, vocab, queries, seed)
	if err != nil {
		return err
	}
	return benchSearches(ctx, open, st, emb, qs, efList, stdout, stderr)
}

const (
	benchMinWords    = 6
	benchSpreadWords = 22
)

// readWords reads a word list, most frequent first.
func readWords(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w (run from the repository, or give -words)", err)
	}
	vocab := strings.Fields(string(b))
	if len(vocab) < 10 {
		return nil, fmt.Errorf("%s: want a list of at least 10 words", path)
	}
	return vocab, nil
}

// benchLoad generates, embeds and copies n memories in batches, then
// builds the HNSW index, reporting the time of each step.
func benchLoad(ctx context.Context, st *postgres.Store, emb memory.Embedder, vocab []string, n, batch int, seed uint64,
	stdout, stderr io.Writer) error {
	r := rand.New(rand.NewPCG(seed, 0))
	word := zipfWords(vocab, r)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	model := emb.Model().Name
	var gen, copying time.Duration
	bar := newProgress(stderr, "loading")
	for done := 0; done < n; {
		start := time.Now()
		k := min(batch, n-done)
		texts := make([]string, k)
		for i := range texts {
			texts[i] = fmt.Sprintf("%s (%d)", benchText(r, word, benchMinWords, benchSpreadWords), done+i)
		}
		vecs, err := emb.Embed(ctx, texts)
		if err != nil {
			return err
		}
		ms := make([]*memory.Memory, k)
		for i, text := range texts {
			at := t0.Add(time.Duration(done+i) * time.Second)
			ms[i] = &memory.Memory{Owner: benchOwner, Hash: memory.ContentHash(text), Content: text, Type: "note",
				Tags: []string{benchTags[r.IntN(len(benchTags))]}, Metadata: map[string]any{}, CreatedAt: at, UpdatedAt: at,
				Quality: 0.5, EmbeddingModel: model, Embedding: vecs[i]}
		}
		gen += time.Since(start)
		start = time.Now()
		if err := st.Load(ctx, ms); err != nil {
			return err
		}
		copying += time.Since(start)
		done += k
		bar.update(int64(done), int64(n))
	}
	fmt.Fprintf(stdout, "load: text generated and embedded in %s; COPY of %d rows in %s (%.0f rows/s)\n",
		gen.Round(time.Millisecond), n, copying.Round(time.Millisecond), float64(n)/copying.Seconds())
	start := time.Now()
	fmt.Fprintln(stderr, "building the HNSW index…")
	if err := st.BuildIndexes(ctx); err != nil {
		return err
	}
	m, efc := cmp.Or(st.HNSWM, 16), cmp.Or(st.HNSWEfConstruction, 64)
	fmt.Fprintf(stdout, "index: HNSW (m=%d, ef_construction=%d) built in %s\n", m, efc, time.Since(start).Round(time.Second))
	return nil
}

// benchQuery is one query: its text and vector.
type benchQuery struct {
	text string
	vec  []float32
}

// benchQueries returns n queries of 2 to 6 words drawn like the memories'
// text (with another seed), each with a vector.
func benchQueries(ctx context.Context, emb memory.Embedder, vocab []string, n int, seed uint64) ([]benchQuery, error) {
	r := rand.New(rand.NewPCG(seed, 1))
	word := zipfWords(vocab, r)
	var qs []benchQuery
	for len(qs) < n {
		text := benchText(r, word, 2, 4)
		vecs, err := emb.Embed(ctx, []string{text})
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(vecs[0], func(x float32) bool { return x != 0 }) {
			qs = append(qs, benchQuery{text, vecs[0]})
		}
	}
	return qs, nil
}

// latencies collects the durations of one measured configuration.
type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration {
	s := slices.Sorted(slices.Values(l))
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func (l latencies) String() string {
	return fmt.Sprintf("%s\t%s", fmtDur(l.pct(0.50)), fmtDur(l.pct(0.95)))
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(10 * time.Microsecond).String()
}

// measure runs fn for every query, after a warm-up pass over a fifth of
// them, and returns their latencies.
func measure(qs []benchQuery, fn func(q benchQuery) error) (latencies, error) {
	for _, q := range qs[:max(1, len(qs)/5)] {
		if err := fn(q); err != nil {
			return nil, err
		}
	}
	var out latencies
	for _, q := range qs {
		start := time.Now()
		if err := fn(q); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

// recall is the share of the exact top-k found.
func recall(got, want [][]string) float64 {
	found, total := 0, 0
	for i := range want {
		for _, h := range want[i] {
			total++
			if slices.Contains(got[i], h) {
				found++
			}
		}
	}
	if total == 0 {
		return 1
	}
	return float64(found) / float64(total)
}

// benchSearches measures the searches and prints the tables.
func benchSearches(ctx context.Context, open func(ef int) (*postgres.Store, error), st *postgres.Store, emb memory.Embedder,
	qs []benchQuery, efList []int, stdout, stderr io.Writer) error {
	const k = 10
	model := emb.Model().Name
	all := memory.Filter{Owner: benchOwner}
	tagged := func(i int) memory.Filter {
		return memory.Filter{Owner: benchOwner, Tags: []string{benchTags[i%len(benchTags)]}}
	}
	// The exact answers, which recall is measured against.
	fmt.Fprintf(stderr, "exact search for %d queries…\n", len(qs))
	exact := make([][]string, len(qs))
	exactTagged := make([][]string, len(qs))
	idx := map[string]int{}
	for i, q := range qs {
		idx[q.text] = i
	}
	exactLat, err := measure(qs, func(q benchQuery) error {
		i := idx[q.text]
		hits, err := st.VectorSearchExact(ctx, all, model, q.vec, k)
		exact[i] = hitHashes(hits)
		if err != nil {
			return err
		}
		hits, err = st.VectorSearchExact(ctx, tagged(i), model, q.vec, k)
		exactTagged[i] = hitHashes(hits)
		return err
	})
	if err != nil {
		return err
	}

	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nvector search, store, top %d of %d queries\tp50\tp95\trecall@%d\n", k, len(qs), k)
	fmt.Fprintf(tw, "exact scan (with a tag filter too)\t%s\t1.000\n", exactLat)
	for _, ef := range efList {
		s, err := open(ef)
		if err != nil {
			return err
		}
		got := make([][]string, len(qs))
		lat, err := measure(qs, func(q benchQuery) error {
			hits, err := s.VectorSearch(ctx, all, model, q.vec, k)
			got[idx[q.text]] = hitHashes(hits)
			return err
		})
		if err != nil {
			s.Close()
			return err
		}
		fmt.Fprintf(tw, "HNSW, hnsw.ef_search=%d\t%s\t%.3f\n", ef, lat, recall(got, exact))
		gotTagged := make([][]string, len(qs))
		lat, err = measure(qs, func(q benchQuery) error {
			i := idx[q.text]
			hits, err := s.VectorSearch(ctx, tagged(i), model, q.vec, k)
			gotTagged[i] = hitHashes(hits)
			return err
		})
		s.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "HNSW, hnsw.ef_search=%d, tag filter (1/%d)\t%s\t%.3f\n", ef, len(benchTags), lat, recall(gotTagged, exactTagged))
	}
	ranked := make([][]memory.Hit, len(qs))
	lat, err := measure(qs, func(q benchQuery) error {
		var err error
		ranked[idx[q.text]], err = st.KeywordSearch(ctx, all, memory.QueryTerms(q.text), k)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(tw, "keyword search (BM25), store\t%s\t\n", lat)
	// The same searches scoring every memory of the rarest words: what
	// the impact classes save, and a check that they change no result.
	full, err := open(0)
	if err != nil {
		return err
	}
	defer full.Close()
	full.KeywordImpact = false
	differ := map[int]bool{}
	lat, err = measure(qs, func(q benchQuery) error {
		hits, err := full.KeywordSearch(ctx, all, memory.QueryTerms(q.text), k)
		if !sameHits(hits, ranked[idx[q.text]]) {
			differ[idx[q.text]] = true
		}
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(tw, "keyword search (BM25), store, without impact classes\t%s\t\n", lat)
	if len(differ) > 0 {
		fmt.Fprintf(tw, "!! %d keyword searches ranked differently without impact classes\n", len(differ))
	}
	tw.Flush()

	svc := memory.NewService(st, emb)
	svc.RecordAccess, svc.Backend = false, "postgres"
	fmt.Fprintf(tw, "\nsearch through the service, top %d, query embedding included (hnsw.ef_search=%d)\tp50\tp95\n", k, postgres.DefaultEfSearch)
	for _, mode := range []string{memory.ModeSemantic, memory.ModeKeyword, memory.ModeHybrid} {
		octx := memory.WithOwner(ctx, benchOwner)
		lat, err := measure(qs, func(q benchQuery) error {
			_, err := svc.Search(octx, memory.SearchRequest{Query: q.text, Mode: mode, Limit: k})
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\n", mode, lat)
	}
	tw.Flush()

	var stats latencies
	for range 5 {
		start := time.Now()
		if _, err := st.Stats(ctx, ""); err != nil {
			return err
		}
		stats = append(stats, time.Since(start))
	}
	fmt.Fprintf(stdout, "\nstats of the whole store (memory status, /api/health/detailed): p50 %s\n", fmtDur(stats.pct(0.5)))
	return nil
}

// sameHits reports whether two rankings hold the same memories in the same
// order with the same scores.
func sameHits(a, b []memory.Hit) bool {
	return slices.EqualFunc(a, b, func(x, y memory.Hit) bool { return x.Memory.Hash == y.Memory.Hash && x.Score == y.Score })
}

func hitHashes(hits []memory.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Memory.Hash
	}
	return out
}
