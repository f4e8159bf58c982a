package cloudflare_test

import (
	"testing"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/cloudflare"
)

// The whole service on the Cloudflare backend with Workers AI embeddings,
// as `MCP_MEMORY_STORAGE_BACKEND=cloudflare` runs it, against the emulator.
func TestServiceEndToEnd(t *testing.T) {
	e := newEnv(t)
	e.emu.AddIndex("bge", 768, "cosine")
	emb, err := cloudflare.NewEmbedder(e.cfg, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	s := e.open(t, func(c *cloudflare.Config) {
		c.VectorizeIndex, c.IndexModel, c.IndexDimensions = "bge", emb.Model().Name, emb.Model().Dim
		c.ExactCandidates = -1
	})
	svc := memory.NewService(s, emb)
	ctx := t.Context()
	for _, c := range []string{
		"The staging cluster runs on three arm64 nodes",
		"Lunch on Fridays is pizza",
		"Deploys go out on Tuesdays after the standup",
	} {
		if _, err := svc.Store(ctx, memory.StoreRequest{Content: c, Tags: []string{"ops"}}); err != nil {
			t.Fatalf("Store(%q)=%v", c, err)
		}
	}
	res, err := svc.Search(ctx, memory.SearchRequest{Query: "staging nodes", Tags: []string{"ops"}})
	if err != nil || len(res.Results) == 0 || res.Results[0].Content != "The staging cluster runs on three arm64 nodes" {
		t.Fatalf("Search(staging nodes)=%+v, %v", res.Results, err)
	}
	res, err = svc.Search(ctx, memory.SearchRequest{Query: "staging cluster arm64", Mode: memory.ModeSemantic})
	if err != nil || len(res.Results) == 0 || res.Results[0].Content != "The staging cluster runs on three arm64 nodes" {
		t.Fatalf("Search(semantic)=%+v, %v", res.Results, err)
	}
	if n := len(e.emu.IndexVectors("bge")); n != 3 {
		t.Errorf("vectors in the bge index=%d, want 3", n)
	}
	h, err := svc.Health(ctx)
	if err != nil || h.Status != "healthy" {
		t.Errorf("Health()=%+v, %v", h, err)
	}
}
