package sqlite_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

// benchDataVersion changes whenever the generated data changes, so that
// cached databases are rebuilt.
const benchDataVersion = 2

// benchOwner owns every generated memory.
const benchOwner = "bench"

// vocabulary is the fixed word list of generated documents.
var vocabulary = func() []string {
	r := rand.New(rand.NewPCG(1, 2))
	words := make([]string, 2000)
	for i := range words {
		var b strings.Builder
		for range 4 + r.IntN(6) {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
		words[i] = b.String()
	}
	return words
}()

// benchMemories returns memories i in [from, to) of a generated data set:
// 20 words drawn from the vocabulary (skewed towards its start), one of 50
// tags, one of 4 types, a creation time a minute apart, and a random unit
// vector of dim dimensions.
func benchMemories(from, to, dim int) []*memory.Memory {
	ms := make([]*memory.Memory, 0, to-from)
	for i := from; i < to; i++ {
		r := rand.New(rand.NewPCG(uint64(i), benchDataVersion))
		words := make([]string, 20)
		for j := range words {
			// The square of a uniform variable favours the first words,
			// like a natural vocabulary.
			u := r.Float64()
			words[j] = vocabulary[int(u*u*float64(len(vocabulary)))]
		}
		v := make([]float32, dim)
		var ss float64
		for j := range v {
			x := r.NormFloat64()
			v[j] = float32(x)
			ss += x * x
		}
		for j := range v {
			v[j] = float32(float64(v[j]) / math.Sqrt(ss))
		}
		ms = append(ms, memorytest.NewMemory(benchOwner, fmt.Sprintf("%s %d", strings.Join(words, " "), i),
			memorytest.WithTags(fmt.Sprint("tag", i%50)),
			memorytest.WithType([]string{"note", "decision", "task", "reference"}[i%4]),
			memorytest.At(memorytest.Epoch.Add(time.Duration(i)*time.Minute)),
			memorytest.WithVector(fmt.Sprint("bench-", dim), v)))
	}
	return ms
}

// benchDB returns the path of a database of n generated memories with
// dim-dimensional vectors, built once and cached under the system's
// temporary directory.
func benchDB(b *testing.B, n, dim int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "memory-go-bench")
	path := filepath.Join(dir, fmt.Sprintf("v%d-s%d-%dx%d.db", benchDataVersion, sqlite.SchemaVersion(), n, dim))
	if _, err := os.Stat(path + ".done"); err == nil {
		return path
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	start := time.Now()
	s := sqlite.New(path)
	if err := s.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	const batch = 2000
	for i := 0; i < n; i += batch {
		if err := s.Insert(context.Background(), benchMemories(i, min(i+batch, n), dim)); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path+".done", nil, 0o600); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %s in %v", path, time.Since(start))
	return path
}

// openBench opens a cached database for a benchmark.
func openBench(b *testing.B, n, dim int) *sqlite.Store {
	b.Helper()
	path := benchDB(b, n, dim)
	s := MustOpenStorePath(b, path)
	if err := s.Preload(b.Context()); err != nil {
		b.Fatal(err)
	}
	return s
}

var benchSizes = []struct{ n, dim int }{{10_000, 100}, {10_000, 384}, {100_000, 100}, {100_000, 384}}

func BenchmarkVectorSearch(b *testing.B) {
	for _, size := range benchSizes {
		for _, filtered := range []bool{false, true} {
			name := fmt.Sprintf("n=%d/dim=%d", size.n, size.dim)
			f := memory.Filter{Owner: benchOwner}
			if filtered {
				name += "/tag"
				f.Tags = []string{"tag7"} // 2% of the memories
			}
			b.Run(name, func(b *testing.B) {
				s := openBench(b, size.n, size.dim)
				model := fmt.Sprint("bench-", size.dim)
				queries := benchMemories(size.n, size.n+64, size.dim)
				i := 0
				for b.Loop() {
					hits, err := s.VectorSearch(b.Context(), f, model, queries[i%len(queries)].Embedding, 10)
					if err != nil || len(hits) != 10 {
						b.Fatalf("VectorSearch()=%d hits, %v", len(hits), err)
					}
					i++
				}
			})
		}
	}
}

func BenchmarkKeywordSearch(b *testing.B) {
	// mid: two words from the middle of the vocabulary, each in a few
	// hundred to a few thousand documents. common: two of its first eight
	// words, matching a quarter to a half of the documents. tag adds a
	// filter that 2% of the memories pass.
	queries := map[string]func(r *rand.Rand) []string{
		"mid": func(r *rand.Rand) []string {
			return []string{vocabulary[100+r.IntN(400)], vocabulary[100+r.IntN(400)]}
		},
		"common": func(r *rand.Rand) []string {
			i := r.IntN(8)
			return []string{vocabulary[i], vocabulary[(i+1+r.IntN(7))%8]}
		},
	}
	for _, n := range []int{10_000, 100_000} {
		for _, q := range []string{"mid", "common"} {
			for _, tag := range []bool{false, true} {
				name := fmt.Sprintf("n=%d/%s", n, q)
				f := memory.Filter{Owner: benchOwner}
				if tag {
					name += "/tag"
					f.Tags = []string{"tag7"}
				}
				b.Run(name, func(b *testing.B) {
					s := openBench(b, n, 100)
					r := rand.New(rand.NewPCG(7, 7))
					for b.Loop() {
						if _, err := s.KeywordSearch(b.Context(), f, queries[q](r), 10); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

func BenchmarkInsertBatch(b *testing.B) {
	b.Run("plain", func(b *testing.B) { benchInsertBatch(b, MustOpenStore(b)) })
	// With the sync outbox of the hybrid backend: every batch also queues
	// its memories, in the same transaction.
	b.Run("outbox", func(b *testing.B) {
		benchInsertBatch(b, MustOpenStorePath(b, filepath.Join(b.TempDir(), "m.db"), func(s *sqlite.Store) { s.Outbox = true }))
	})
}

func benchInsertBatch(b *testing.B, s *sqlite.Store) {
	const batch = 1000
	i := 0
	for b.Loop() {
		b.StopTimer()
		ms := benchMemories(i, i+batch, 100)
		b.StartTimer()
		if err := s.Insert(b.Context(), ms); err != nil {
			b.Fatal(err)
		}
		i += batch
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "memories/s")
}

func BenchmarkOpen(b *testing.B) {
	path := benchDB(b, 100_000, 384)
	for b.Loop() {
		s := sqlite.New(path)
		if err := s.Open(b.Context()); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPreload(b *testing.B) {
	for _, size := range benchSizes[2:] {
		b.Run(fmt.Sprintf("n=%d/dim=%d", size.n, size.dim), func(b *testing.B) {
			path := benchDB(b, size.n, size.dim)
			for b.Loop() {
				s := sqlite.New(path)
				if err := s.Open(b.Context()); err != nil {
					b.Fatal(err)
				}
				if err := s.Preload(b.Context()); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
	}
}

// BenchmarkBackup measures an online backup (VACUUM INTO) and its
// verification (integrity_check) per database size; MB/s is the
// database's size over the time.
func BenchmarkBackup(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		s := openBench(b, n, 100)
		fi, err := os.Stat(s.Path())
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		var last string
		b.Run(fmt.Sprintf("copy/n=%d", n), func(b *testing.B) {
			b.SetBytes(fi.Size())
			for i := 0; b.Loop(); i++ {
				os.Remove(last) // one copy on disk at a time
				last = filepath.Join(dir, fmt.Sprintf("b%d.db", i))
				if err := s.Backup(b.Context(), last); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("verify/n=%d", n), func(b *testing.B) {
			b.SetBytes(fi.Size())
			for b.Loop() {
				if _, err := sqlite.Verify(b.Context(), last); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
