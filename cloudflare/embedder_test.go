package cloudflare_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/cloudflare"
	"github.com/mcp-memory-go/memory/cloudflare/cfemu"
	"github.com/mcp-memory-go/memory/memorytest"
)

func TestEmbedder(t *testing.T) {
	e := newEnv(t)
	emb, err := cloudflare.NewEmbedder(e.cfg, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if m := emb.Model(); m.Name != cloudflare.DefaultEmbeddingModel || m.Dim != 768 {
		t.Errorf("Model()=%+v, want bge-base with 768 dimensions", m)
	}
	texts := make([]string, 250) // three requests of at most 100
	for i := range texts {
		texts[i] = fmt.Sprintf("text number %d about harbour cranes", i)
	}
	texts[7] = strings.Repeat("long ", 5000)
	before := len(calls(e, "ai", 200))
	vs, err := emb.Embed(t.Context(), texts)
	if err != nil {
		t.Fatalf("Embed()=%v", err)
	}
	if n := len(calls(e, "ai", 200)) - before; n != 3 {
		t.Errorf("Workers AI calls=%d, want 3 batches", n)
	}
	if len(vs) != len(texts) {
		t.Fatalf("Embed()=%d vectors, want %d", len(vs), len(texts))
	}
	for i, v := range vs {
		var ss float64
		for _, x := range v {
			ss += float64(x) * float64(x)
		}
		if len(v) != 768 || math.Abs(ss-1) > 1e-4 {
			t.Fatalf("vector %d: %d dimensions, norm² %v; want 768 and unit length", i, len(v), ss)
		}
	}
	if c := memorytest.Cosine(vs[0], vs[1]); c < 0.5 {
		t.Errorf("cosine of two similar texts=%v, want high", c)
	}
	// Same text, same vector.
	again, _ := emb.Embed(t.Context(), texts[:1])
	if memorytest.Cosine(again[0], vs[0]) < 0.9999 {
		t.Error("the same text embedded twice gave different vectors")
	}
	bad, _ := cloudflare.NewEmbedder(e.cfg, "@cf/nobody/nothing", 0)
	if _, err := bad.Embed(t.Context(), []string{"x"}); err == nil {
		t.Error("Embed(unknown model)=nil error")
	}
	e.emu.Inject(cfemu.Fault{Service: "ai", Status: 503})
	_, err = emb.Embed(t.Context(), []string{"x"})
	if memory.ErrorCode(err) != memory.EUnavailable {
		t.Errorf("Embed(Workers AI down)=%v, want unavailable", err)
	}
}
