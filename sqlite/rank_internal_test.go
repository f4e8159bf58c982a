package sqlite

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
)

func TestVarint(t *testing.T) {
	for _, c := range []struct {
		b    []byte
		v    uint64
		size int
	}{
		{[]byte{0x00}, 0, 1},
		{[]byte{0x7f}, 127, 1},
		{[]byte{0x81, 0x00}, 128, 2},
		{[]byte{0x86, 0xc3, 0x17}, 6<<14 | 67<<7 | 23, 3},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 1<<64 - 1, 9},
		{[]byte{0x81}, 0, 0},
		{nil, 0, 0},
	} {
		if v, n := varint(c.b); v != c.v || n != c.size {
			t.Errorf("varint(% x)=%d, %d, want %d, %d", c.b, v, n, c.v, c.size)
		}
	}
	for _, c := range []struct {
		b            []byte
		rows, tokens int64
		ok           bool
	}{
		{[]byte{0x05, 0x81, 0x00}, 5, 128, true},
		{[]byte{0x05}, 0, 0, false},
		{[]byte{0x05, 0x01, 0x02}, 0, 0, false}, // two columns
		{nil, 0, 0, true},                       // an empty table's record
	} {
		rows, tokens, ok := parseAverages(c.b)
		if rows != c.rows || tokens != c.tokens || ok != c.ok {
			t.Errorf("parseAverages(% x)=%d, %d, %v, want %d, %d, %v", c.b, rows, tokens, ok, c.rows, c.tokens, c.ok)
		}
	}
}

func TestHeap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	var all []float64
	h := make([]float64, 0, 7)
	for range 500 {
		v := float64(r.IntN(100))
		all = append(all, v)
		if len(h) < cap(h) {
			h = append(h, v)
			heapUp(h, len(h)-1)
		} else if v > h[0] {
			h[0] = v
			heapDown(h, 0)
		}
		if m := slices.Min(h); h[0] != m {
			t.Fatalf("heap top=%v, want the minimum %v", h[0], m)
		}
	}
	slices.Sort(all)
	slices.Sort(h)
	if want := all[len(all)-7:]; !slices.Equal(h, want) {
		t.Errorf("heap=%v, want the 7 largest %v", h, want)
	}
}

// TestPruner_Broken checks that a pruner whose assumptions fail (here, a
// phrase count that is not the query's) prunes nothing and says so, and
// that KeywordSearch then answers with the plain query.
func TestPruner_Broken(t *testing.T) {
	s := New(filepath.Join(t.TempDir(), "memory.db"))
	if err := s.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ms []*memory.Memory
	for i := range 600 {
		ms = append(ms, memorytest.NewMemory("alice", fmt.Sprintf("word %d %s", i, []string{"word", "other"}[i%2])))
	}
	if err := s.Insert(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	f, err := newFilter(memory.Filter{Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	phrases := matchPhrases([]string{"word"})
	want, _, err := s.keywordSearch(t.Context(), f, phrases, 5, -1)
	if err != nil {
		t.Fatal(err)
	}

	p := newPruner(5, len(phrases)+1)
	p.statsAfter = 16
	q, args := prunedSQL(f, phrases, p, 5)
	got, err := scanHits(s.on(nil).QueryContext(t.Context(), q, args...))
	if err != nil {
		t.Fatal(err)
	}
	if p.complete() || !p.broken || p.ready {
		t.Errorf("pruner complete=%v broken=%v ready=%v, want broken, incomplete, without statistics", p.complete(), p.broken, p.ready)
	}
	if h, w := memorytest.HitHashes(got), memorytest.HitHashes(want); !slices.Equal(h, w) {
		t.Errorf("broken pruned query=%v, want the plain hits %v", h, w)
	}

	got, p, err = s.keywordSearch(t.Context(), f, phrases, 5, 16)
	if err != nil || p == nil || !p.ready {
		t.Fatalf("keywordSearch()=%v, pruner %+v, want it pruned", err, p)
	}
	if h, w := memorytest.HitHashes(got), memorytest.HitHashes(want); !slices.Equal(h, w) {
		t.Errorf("keywordSearch()=%v, want %v", h, w)
	}
}
