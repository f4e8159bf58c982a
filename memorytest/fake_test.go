package memorytest_test

import (
	"context"
	"math"
	"testing"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
)

func TestFakeEmbedder(t *testing.T) {
	e := memorytest.NewFakeEmbedder(32)
	if got, want := e.Model(), (memory.ModelInfo{Name: "fake-32", Dim: 32}); got != want {
		t.Errorf("Model()=%v, want %v", got, want)
	}
	texts := []string{"Red apple pie", "red APPLE pie!", "green apple", "blue ocean", "", "  ..."}
	vs, err := e.Embed(context.Background(), texts)
	if err != nil || len(vs) != len(texts) {
		t.Fatalf("Embed()=%d vectors, %v, want %d", len(vs), err, len(texts))
	}
	for i, v := range vs[:4] {
		if len(v) != 32 {
			t.Fatalf("Embed()[%d] has %d dimensions, want 32", i, len(v))
		}
		var ss float64
		for _, x := range v {
			ss += float64(x) * float64(x)
		}
		if math.Abs(ss-1) > 1e-5 {
			t.Errorf("Embed()[%d] norm²=%v, want 1", i, ss)
		}
	}
	for _, c := range []struct {
		a, b int
		test func(float64) bool
		want string
	}{
		{0, 1, func(c float64) bool { return math.Abs(c-1) < 1e-6 }, "1 (same words)"},
		{0, 2, func(c float64) bool { return c > 0 }, "> 0 (a shared word)"},
		{0, 4, func(c float64) bool { return c == 0 }, "0 (no words)"},
	} {
		if got := memorytest.Cosine(vs[c.a], vs[c.b]); !c.test(got) {
			t.Errorf("Cosine(%q, %q)=%v, want %s", texts[c.a], texts[c.b], got, c.want)
		}
	}
	for _, x := range append(vs[4], vs[5]...) {
		if x != 0 {
			t.Errorf("Embed(no words)=%v, want the zero vector", vs[4])
			break
		}
	}
	again, _ := e.Embed(context.Background(), texts[:1])
	if !equal(again[0], vs[0]) {
		t.Errorf("Embed() is not deterministic")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Embed(ctx, texts); err == nil {
		t.Errorf("Embed(cancelled)=nil error, want the context's")
	}
}

func equal(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestNewMemory(t *testing.T) {
	m := memorytest.NewMemory("alice", "  Hello World  ", memorytest.WithTags(" B ", "a", "b"),
		memorytest.WithEmbedding(memorytest.NewFakeEmbedder(8)))
	if m.Content != "Hello World" || m.Hash != memory.ContentHash("hello world") || m.Owner != "alice" {
		t.Errorf("NewMemory()=%+v, want normalised content and its hash", m)
	}
	if len(m.Tags) != 2 || m.Tags[0] != "b" || m.Tags[1] != "a" {
		t.Errorf("NewMemory().Tags=%v, want [b a]", m.Tags)
	}
	if m.EmbeddingModel != "fake-8" || len(m.Embedding) != 8 || !m.CreatedAt.Equal(memorytest.Epoch) || m.Type != "note" {
		t.Errorf("NewMemory()=%+v, want a fake-8 vector, type note, created at Epoch", m)
	}
}
