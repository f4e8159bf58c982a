package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
)

// TestVectorSearchMany: the batched search answers exactly what a
// VectorSearch per vector answers, with every kind of filter.
func TestVectorSearchMany(t *testing.T) {
	s := MustOpenStore(t)
	e := memorytest.NewFakeEmbedder(16)
	var ms []*memory.Memory
	for i := range 2000 {
		ms = append(ms, memorytest.NewMemory([]string{"alice", "bob"}[i%2], fmt.Sprintf("topic %d word %d thing %d", i%37, i%11, i),
			memorytest.WithTags(fmt.Sprint("t", i%5)), memorytest.At(memorytest.Epoch.Add(time.Duration(i)*time.Minute)), memorytest.WithEmbedding(e)))
	}
	ms[2].SupersededBy = ms[0].Hash
	if err := s.Insert(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	var qs [][]float32
	for i := range 30 {
		qs = append(qs, ms[i*7].Embedding)
	}
	qs = append(qs, make([]float32, 16)) // a zero vector finds nothing
	model := e.Model().Name
	for name, f := range map[string]memory.Filter{
		"owner":      {Owner: "alice"},
		"superseded": {Owner: "alice", IncludeSuperseded: true},
		"time":       {Owner: "alice", After: memorytest.Epoch.Add(time.Hour), Before: memorytest.Epoch.Add(100 * time.Hour)},
		"tags":       {Owner: "alice", Tags: []string{"t1", "t3"}},
		"nobody":     {Owner: "carol"},
	} {
		got, err := s.VectorSearchMany(t.Context(), f, model, qs, 7)
		if err != nil || len(got) != len(qs) {
			t.Fatalf("VectorSearchMany(%s)=%d lists, %v", name, len(got), err)
		}
		for i, q := range qs {
			want, err := s.VectorSearch(t.Context(), f, model, q, 7)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := fmt.Sprint(memorytest.HitHashes(got[i])), fmt.Sprint(memorytest.HitHashes(want)); g != w {
				t.Errorf("VectorSearchMany(%s)[%d]=%s, want VectorSearch's %s", name, i, g, w)
			}
		}
	}
	if _, err := s.VectorSearchMany(t.Context(), memory.Filter{Owner: "alice"}, model, [][]float32{make([]float32, 3)}, 5); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("VectorSearchMany(wrong length)=%v, want invalid", err)
	}
	if got, err := s.VectorSearchMany(t.Context(), memory.Filter{Owner: "alice"}, "unknown-model", qs, 5); err != nil || len(got) != len(qs) || got[0] != nil {
		t.Errorf("VectorSearchMany(unknown model)=%v, %v; want empty lists", got, err)
	}
	if _, err := s.VectorSearchMany(t.Context(), memory.Filter{}, model, qs, 5); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("VectorSearchMany(no owner)=%v, want invalid", err)
	}
}
