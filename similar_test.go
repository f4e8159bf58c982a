package memory_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
)

func resultHashes(res memory.SearchResult) []string {
	out := []string{}
	for _, r := range res.Results {
		out = append(out, r.Hash)
	}
	return out
}

// similarFixture stores, for alice, a target and memories sharing 3, 2, 1
// and 0 of its 4 words, so that their cosines to it are clearly ordered.
func similarFixture(t *testing.T, svc *memory.Service, ctx context.Context) (target *memory.Memory, byCloseness []*memory.Memory) {
	t.Helper()
	contents := []string{
		"orchid violet tulip daisy",
		"orchid violet tulip cactus",
		"orchid violet fern moss",
		"orchid granite basalt quartz",
		"pebble walrus lantern zebra",
	}
	// The fixture relies on the fake vectors' cosines being strictly
	// decreasing; check it so that a hash collision shows here.
	vt := memorytest.FakeVector(64, contents[0])
	prev := 1.0
	for _, c := range contents[1:] {
		cos := memorytest.Cosine(vt, memorytest.FakeVector(64, c))
		if cos >= prev {
			t.Fatalf("fixture: cosine(%q) = %v, not below %v", c, cos, prev)
		}
		prev = cos
	}
	var ms []*memory.Memory
	for _, c := range contents {
		ms = append(ms, mustStoreCtx(t, svc, ctx, c))
	}
	return ms[0], ms[1:]
}

func TestSimilarByVector(t *testing.T) {
	svc, _ := MustOpenService(t)
	svc.SemanticDedup = false
	alice := memory.WithOwner(context.Background(), "alice")
	target, near := similarFixture(t, svc, alice)

	res, err := svc.Similar(alice, target.Hash, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{near[0].Hash, near[1].Hash, near[2].Hash}; !slices.Equal(resultHashes(res), want) {
		t.Fatalf("Similar(limit 3) = %v, want %v", resultHashes(res), want)
	}
	if res.Mode != "similar" || res.Query != target.Hash || res.Count != 3 || len(res.Notes) != 0 {
		t.Errorf("result = mode %q query %q count %d notes %v", res.Mode, res.Query, res.Count, res.Notes)
	}
	prev := 2.0
	for _, r := range res.Results {
		if r.Score <= 0 || r.Score > 1 || r.Score >= prev || r.SemanticScore != r.Score || !slices.Equal(r.MatchedBy, []string{memory.SignalSemantic}) {
			t.Errorf("result %s: score %v semantic %v matched by %v", r.Hash, r.Score, r.SemanticScore, r.MatchedBy)
		}
		prev = r.Score
	}
	if want := 0.75; res.Results[0].Score < want-1e-6 || res.Results[0].Score > want+1e-6 {
		t.Errorf("score of the 3-of-4-words memory = %v, want %v", res.Results[0].Score, want)
	}

	// The limit is respected, and the target never counts against it.
	for limit, want := range map[int]int{1: 1, 2: 2, 4: 4, 0: 4, 100: 4} {
		res, err := svc.Similar(alice, "  "+target.Hash+" ", limit)
		if err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
		got := resultHashes(res)
		if len(got) != want || res.Count != want || slices.Contains(got, target.Hash) {
			t.Errorf("limit %d: %v (count %d), want %d results without the target", limit, got, res.Count, want)
		}
		if limit > 0 && got[0] != near[0].Hash {
			t.Errorf("limit %d: first %s, want %s", limit, got[0], near[0].Hash)
		}
	}
}

func TestSimilarIsScopedByOwner(t *testing.T) {
	svc, _ := MustOpenService(t)
	svc.SemanticDedup = false
	alice := memory.WithOwner(context.Background(), "alice")
	bob := memory.WithOwner(context.Background(), "bob")
	target, near := similarFixture(t, svc, alice)
	// Bob's memories have the target's exact words (cosine 1) but other
	// hashes, and a copy of the target itself.
	twin := mustStoreCtx(t, svc, bob, "Orchid, violet, tulip, daisy!")
	mustStoreCtx(t, svc, bob, "daisy tulip violet orchid")
	mustStoreCtx(t, svc, bob, target.Content)
	if twin.Hash == target.Hash {
		t.Fatal("fixture: bob's twin has the target's hash")
	}

	res, err := svc.Similar(alice, target.Hash, 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{near[0].Hash, near[1].Hash, near[2].Hash, near[3].Hash}; !slices.Equal(resultHashes(res), want) {
		t.Fatalf("alice's Similar = %v, want only her memories %v", resultHashes(res), want)
	}
	for _, r := range res.Results {
		if r.Owner != "alice" {
			t.Errorf("result %s belongs to %q", r.Hash, r.Owner)
		}
	}
	// Bob's search finds his twins first and never alice's memories.
	res, err = svc.Similar(bob, twin.Hash, 100)
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 2 {
		t.Errorf("bob's Similar = %v, want his two other memories", resultHashes(res))
	}
	for _, r := range res.Results {
		if r.Owner != "bob" || r.Score < 0.999 {
			t.Errorf("bob's result %s: owner %q score %v", r.Hash, r.Owner, r.Score)
		}
	}
	// A hash only bob has is not found for alice.
	if _, err := svc.Similar(alice, twin.Hash, 5); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("alice's Similar(bob's hash) = %v, want ENotFound", err)
	}
}

func TestSimilarErrors(t *testing.T) {
	svc, _ := MustOpenService(t)
	ctx := context.Background()
	m := mustStore(t, svc, "some stored memory")
	for _, hash := range []string{strings.Repeat("0", 64), "nope"} {
		_, err := svc.Similar(ctx, hash, 5)
		wantCode(t, err, memory.ENotFound)
	}
	for _, limit := range []int{101, -1, 1000} {
		res, err := svc.Similar(ctx, m.Hash, limit)
		wantCode(t, err, memory.EInvalid)
		if res.Results == nil || len(res.Results) != 0 {
			t.Errorf("limit %d: results %v with the error", limit, res.Results)
		}
	}
	_, err := svc.Similar(ctx, "  ", 5)
	wantCode(t, err, memory.EInvalid)
	// A deleted memory is not found.
	if _, err := svc.Delete(ctx, memory.DeleteRequest{Hash: m.Hash}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Similar(ctx, m.Hash, 5)
	wantCode(t, err, memory.ENotFound)
}

func TestSimilarWithoutVectorFallsBackToKeywords(t *testing.T) {
	st := sqlite.New(filepath.Join(t.TempDir(), "memory.db"))
	if err := st.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := memory.WithOwner(context.Background(), "alice")
	plain := memory.NewService(st, nil)
	target := mustStoreCtx(t, plain, ctx, "kubernetes ingress controller timeout")
	match := mustStoreCtx(t, plain, ctx, "raised the ingress timeout to sixty seconds")
	mustStoreCtx(t, plain, ctx, "lunch menu has pizza on fridays")
	if target.EmbeddingModel != "" || target.Embedding != nil {
		t.Fatalf("fixture: stored with a vector of %q", target.EmbeddingModel)
	}
	// Bob's matching memory must not appear.
	mustStoreCtx(t, plain, memory.WithOwner(context.Background(), "bob"), "kubernetes ingress controller timeout again")

	svc := memory.NewService(st, memorytest.NewFakeEmbedder(64))
	res, err := svc.Similar(ctx, target.Hash, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resultHashes(res), []string{match.Hash}) {
		t.Fatalf("Similar = %v, want the keyword match %s", resultHashes(res), match.Hash)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "keyword") {
		t.Errorf("notes = %v, want one saying results are keyword matches", res.Notes)
	}
	if r := res.Results[0]; !slices.Equal(r.MatchedBy, []string{memory.SignalKeyword}) || r.Score <= 0 || r.Score > 1 {
		t.Errorf("result matched by %v score %v", r.MatchedBy, r.Score)
	}
	// The same holds for a vector of another model.
	other := memory.NewService(st, memorytest.NewFakeEmbedder(32))
	old := mustStoreCtx(t, other, ctx, "ingress certificates renew automatically")
	res, err = svc.Similar(ctx, old.Hash, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) != 1 || res.Count == 0 || slices.Contains(resultHashes(res), old.Hash) {
		t.Errorf("other model: %v notes %v", resultHashes(res), res.Notes)
	}
	for _, r := range res.Results {
		if !slices.Equal(r.MatchedBy, []string{memory.SignalKeyword}) {
			t.Errorf("other model: %s matched by %v", r.Hash, r.MatchedBy)
		}
	}
}

func TestScan(t *testing.T) {
	svc, c := MustOpenService(t)
	svc.SemanticDedup = false
	alice := memory.WithOwner(context.Background(), "alice")
	bob := memory.WithOwner(context.Background(), "bob")
	base := c.t
	at := func(minutes int) { c.t = base.Add(time.Duration(minutes) * time.Minute) }

	at(0)
	a := mustStoreCtx(t, svc, alice, "first memory about apples")
	at(1)
	b := mustStoreCtx(t, svc, alice, "second memory about bananas")
	at(2)
	mustStoreCtx(t, svc, bob, "bob's memory about cherries")
	at(3)
	cm := mustStoreCtx(t, svc, alice, "third memory about cherries")
	// An import placed before everything else comes first.
	imported, err := svc.Store(alice, memory.StoreRequest{Content: "an imported memory about dates", CreatedAt: base.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	at(4)
	v, err := svc.Update(alice, memory.UpdateRequest{Hash: a.Hash, Content: "first memory about green apples", Versioned: true})
	if err != nil {
		t.Fatal(err)
	}
	at(5)
	if _, err := svc.Delete(alice, memory.DeleteRequest{Hash: b.Hash}); err != nil {
		t.Fatal(err)
	}

	var got []*memory.Memory
	if err := svc.Scan(alice, func(m *memory.Memory) bool { got = append(got, m); return true }); err != nil {
		t.Fatal(err)
	}
	var hashes []string
	for _, m := range got {
		hashes = append(hashes, m.Hash)
		if m.Owner != "alice" || m.Embedding != nil || m.Content == "" {
			t.Errorf("scanned %s: owner %q, %d-dim vector, content %q", m.Hash, m.Owner, len(m.Embedding), m.Content)
		}
	}
	want := []string{imported.Memories[0].Hash, a.Hash, cm.Hash, v.Memory.Hash}
	if !slices.Equal(hashes, want) {
		t.Fatalf("Scan = %v, want oldest first %v (superseded included, deleted and bob's excluded)", hashes, want)
	}
	if got[1].SupersededBy != v.Memory.Hash {
		t.Errorf("superseded memory scanned with SupersededBy %q", got[1].SupersededBy)
	}

	// fn returning false stops the scan.
	var n int
	if err := svc.Scan(alice, func(*memory.Memory) bool { n++; return n < 2 }); err != nil || n != 2 {
		t.Fatalf("stopping scan: %d calls, %v; want 2", n, err)
	}
	// An owner with nothing: no calls.
	if err := svc.Scan(memory.WithOwner(context.Background(), "carol"), func(*memory.Memory) bool { t.Error("called for carol"); return true }); err != nil {
		t.Fatal(err)
	}
}

// TestScanPages scans more memories than one page holds.
func TestScanPages(t *testing.T) {
	svc, c := MustOpenService(t)
	svc.Embedder = nil
	ctx := context.Background()
	const total = 1003
	reqs := make([]memory.StoreRequest, total)
	for i := range reqs {
		reqs[i] = memory.StoreRequest{Content: fmt.Sprintf("memory %04d", i), CreatedAt: c.t.Add(time.Duration(i) * time.Second)}
	}
	// Stored in reverse so that insertion order is not creation order.
	slices.Reverse(reqs)
	if res, err := svc.StoreBatch(ctx, reqs); err != nil || len(res.Stored) != total {
		t.Fatalf("StoreBatch: %v", err)
	}
	i := 0
	err := svc.Scan(ctx, func(m *memory.Memory) bool {
		if want := fmt.Sprintf("memory %04d", i); m.Content != want {
			t.Fatalf("item %d is %q, want %q", i, m.Content, want)
		}
		i++
		return true
	})
	if err != nil || i != total {
		t.Fatalf("Scan visited %d of %d: %v", i, total, err)
	}
	// Stopping exactly at the page boundary.
	i = 0
	if err := svc.Scan(ctx, func(*memory.Memory) bool { i++; return i < 1000 }); err != nil || i != 1000 {
		t.Fatalf("stop at 1000: %d calls, %v", i, err)
	}
}
