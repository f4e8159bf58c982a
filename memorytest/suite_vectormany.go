package memorytest

// The contract of the optional BatchVectorSearcher capability.

import (
	"fmt"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
)

// testVectorSearchMany checks that one batched search answers exactly what
// a VectorSearch per vector answers, with every kind of filter; stores
// without the capability skip it. 9,000 memories make a backend that
// splits the scan among workers split it.
func testVectorSearchMany(t *testing.T, s memory.Store) {
	bs, ok := s.(memory.BatchVectorSearcher)
	if !ok {
		t.Skip("the store has no VectorSearchMany")
	}
	e := NewFakeEmbedder(16)
	var ms []*memory.Memory
	for i := range 9000 {
		ms = append(ms, NewMemory([]string{alice, bob}[i%2], fmt.Sprintf("topic %d word %d thing %d", i%37, i%11, i),
			WithTags(fmt.Sprint("t", i%5)), At(Epoch.Add(time.Duration(i)*time.Minute)), WithEmbedding(e)))
	}
	ms[2].SupersededBy = ms[0].Hash
	mustInsert(t, s, ms...)
	var qs [][]float32
	for i := range 40 {
		qs = append(qs, ms[i*7].Embedding)
	}
	qs = append(qs, make([]float32, 16)) // a zero vector finds nothing
	model := e.Model().Name
	hits := func(hs []memory.Hit) string {
		out := make([]string, len(hs))
		for i, h := range hs {
			out[i] = fmt.Sprintf("%.8s:%.5f", h.Memory.Hash, h.Score)
		}
		return fmt.Sprint(out)
	}
	for name, f := range map[string]memory.Filter{
		"owner":      {Owner: alice},
		"superseded": {Owner: alice, IncludeSuperseded: true},
		"time":       {Owner: alice, After: Epoch.Add(time.Hour), Before: Epoch.Add(100 * time.Hour)},
		"tags":       {Owner: alice, Tags: []string{"t1", "t3"}},
		"nobody":     {Owner: "carol"},
	} {
		got, err := bs.VectorSearchMany(t.Context(), f, model, qs, 7)
		if err != nil || len(got) != len(qs) {
			t.Fatalf("VectorSearchMany(%s)=%d lists, %v", name, len(got), err)
		}
		for i, q := range qs {
			if g, w := hits(got[i]), hits(mustVector(t, s, f, model, q, 7)); g != w {
				t.Errorf("VectorSearchMany(%s)[%d]=%s, want VectorSearch's %s", name, i, g, w)
			}
		}
	}
	_, err := bs.VectorSearchMany(t.Context(), memory.Filter{Owner: alice}, model, [][]float32{make([]float32, 3)}, 5)
	wantCode(t, "VectorSearchMany(wrong length)", err, memory.EInvalid)
	if got, err := bs.VectorSearchMany(t.Context(), memory.Filter{Owner: alice}, "unknown-model", qs, 5); err != nil || len(got) != len(qs) || got[0] != nil {
		t.Errorf("VectorSearchMany(unknown model)=%v, %v; want empty lists", got, err)
	}
	_, err = bs.VectorSearchMany(t.Context(), memory.Filter{}, model, qs, 5)
	wantCode(t, "VectorSearchMany(no owner)", err, memory.EInvalid)
}
