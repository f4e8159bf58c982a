package memory_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/embed/glove"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
	"github.com/mcp-memory-go/memory/timeexpr"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// MustOpenService returns a service over a fresh SQLite file with the fake
// embedder, the time-expression parser and a fixed clock.
func MustOpenService(tb testing.TB) (*memory.Service, *clock) {
	tb.Helper()
	st := sqlite.New(filepath.Join(tb.TempDir(), "memory.db"))
	if err := st.Open(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	c := &clock{t: time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)}
	svc := memory.NewService(st, memorytest.NewFakeEmbedder(64))
	svc.Now = c.Now
	svc.TimeParser = timeexpr.Bounds
	svc.TimeExtractor = timeexpr.ExtractBounds
	return svc, c
}

func mustStore(tb testing.TB, svc *memory.Service, content string, tags ...string) *memory.Memory {
	tb.Helper()
	res, err := svc.Store(context.Background(), memory.StoreRequest{Content: content, Tags: tags})
	if err != nil {
		tb.Fatalf("Store(%q): %v", content, err)
	}
	return res.Memories[0]
}

func count(tb testing.TB, svc *memory.Service) int {
	tb.Helper()
	res, err := svc.List(context.Background(), memory.ListRequest{PageSize: 100})
	if err != nil {
		tb.Fatal(err)
	}
	return res.Total
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := memory.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestStoreNormalises(t *testing.T) {
	svc, _ := MustOpenService(t)
	ctx := context.Background()
	res, err := svc.Store(ctx, memory.StoreRequest{Content: "  We chose PostgreSQL for the ledger.  ", Tags: []string{" DB ", "db", "Decision,Final"}, Type: "Decision"})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Memories[0]
	if m.Content != "We chose PostgreSQL for the ledger." {
		t.Errorf("Content = %q", m.Content)
	}
	if want := memory.ContentHash("we chose postgresql for the ledger."); m.Hash != want {
		t.Errorf("Hash = %s, want %s", m.Hash, want)
	}
	if want := []string{"db", "decision-final"}; !slices.Equal(m.Tags, want) {
		t.Errorf("Tags = %v, want %v", m.Tags, want)
	}
	if m.Type != "decision" || m.EmbeddingModel != "fake-64" || len(m.Embedding) != 64 {
		t.Errorf("Type = %q, model %q dim %d", m.Type, m.EmbeddingModel, len(m.Embedding))
	}
	got, err := svc.Get(ctx, m.Hash)
	if err != nil || got.Content != m.Content {
		t.Fatalf("Get = %v, %v", got, err)
	}
}

func TestStoreRejectsBadInputAndWritesNothing(t *testing.T) {
	svc, _ := MustOpenService(t)
	ctx := context.Background()
	tooMany := make([]string, 101)
	for i := range tooMany {
		tooMany[i] = fmt.Sprint("t", i)
	}
	for name, req := range map[string]memory.StoreRequest{
		"empty":       {Content: "  \n\t "},
		"many tags":   {Content: "x", Tags: tooMany},
		"long tag":    {Content: "x", Tags: []string{strings.Repeat("a", 101)}},
		"bad session": {Content: ""},
	} {
		_, err := svc.Store(ctx, req)
		wantCode(t, err, memory.EInvalid)
		if msg := memory.ErrorMessage(err); msg == "" || msg == "internal error" {
			t.Errorf("%s: message %q is not actionable", name, msg)
		}
	}
	if n := count(t, svc); n != 0 {
		t.Fatalf("%d memories written by bad requests", n)
	}
}

func TestStoreDuplicates(t *testing.T) {
	svc, c := MustOpenService(t)
	ctx := context.Background()
	m := mustStore(t, svc, "The deploy key rotates every 90 days")
	_, err := svc.Store(ctx, memory.StoreRequest{Content: "the deploy key ROTATES every 90 days  "})
	wantCode(t, err, memory.EConflict)
	if !strings.Contains(memory.ErrorMessage(err), m.Hash) {
		t.Errorf("duplicate error %q does not name %s", memory.ErrorMessage(err), m.Hash)
	}
	// Near duplicate within the window: refused, unless a conversation id is given.
	_, err = svc.Store(ctx, memory.StoreRequest{Content: "The deploy key rotates every 90 days!"})
	wantCode(t, err, memory.EConflict)
	if _, err := svc.Store(ctx, memory.StoreRequest{Content: "The deploy key rotates every 90 days!", ConversationID: "c1"}); err != nil {
		t.Fatalf("with conversation_id: %v", err)
	}
	// Outside the window it is stored.
	c.t = c.t.Add(25 * time.Hour)
	if _, err := svc.Store(ctx, memory.StoreRequest{Content: "The deploy key rotates every 90 days."}); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	svc.SemanticDedup = false
	if _, err := svc.Store(ctx, memory.StoreRequest{Content: "The deploy key rotates every 90 days?"}); err != nil {
		t.Fatalf("dedup off: %v", err)
	}
}

func TestStoreUnknownTypeWarns(t *testing.T) {
	svc, _ := MustOpenService(t)
	res, err := svc.Store(context.Background(), memory.StoreRequest{Content: "x y z", Type: "grocery-list"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Memories[0].Type != memory.FallbackType || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "grocery_list") {
		t.Fatalf("type %q warnings %v", res.Memories[0].Type, res.Warnings)
	}
}

func TestStoreSplitsOrRefusesLongContent(t *testing.T) {
	svc, _ := MustOpenService(t)
	ctx := context.Background()
	svc.MaxContentLength = 200
	var b strings.Builder
	for i := 0; b.Len() < 1000; i++ {
		fmt.Fprintf(&b, "Sentence number %d talks about topic %d in some detail. ", i, i*7)
	}
	res, err := svc.Store(ctx, memory.StoreRequest{Content: b.String(), Tags: []string{"doc"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Memories) < 5 || res.OriginalHash == "" {
		t.Fatalf("split into %d chunks, original %q", len(res.Memories), res.OriginalHash)
	}
	for i, m := range res.Memories {
		if n := len([]rune(m.Content)); n > 200 {
			t.Errorf("chunk %d is %d characters", i, n)
		}
		if m.Metadata["original_hash"] != res.OriginalHash || m.Metadata["total_chunks"] != len(res.Memories) {
			t.Errorf("chunk %d metadata %v", i, m.Metadata)
		}
	}
	svc.AutoSplit = false
	_, err = svc.Store(ctx, memory.StoreRequest{Content: b.String() + " more"})
	wantCode(t, err, memory.ETooLarge)
}

func TestSearchModesAndFilters(t *testing.T) {
	svc, c := MustOpenService(t)
	ctx := context.Background()
	c.t = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC) // last week (Friday)
	old := mustStore(t, svc, "The staging database runs PostgreSQL 15", "infra", "db")
	c.t = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) // today
	today := mustStore(t, svc, "Alice prefers tea over coffee", "people")
	both := mustStore(t, svc, "Backups of the database go to the infra bucket nightly", "infra", "backup")
	c.t = time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)

	hashes := func(res memory.SearchResult) []string {
		var out []string
		for _, r := range res.Results {
			out = append(out, r.Hash)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		req  memory.SearchRequest
		want []string // in order, or as a set when unordered
		set  bool
		// prefix: ranked modes return weaker matches after the wanted ones.
		prefix bool
	}{
		{"hybrid", memory.SearchRequest{Query: "database postgresql"}, []string{old.Hash, both.Hash}, false, true},
		{"keyword", memory.SearchRequest{Query: "tea", Mode: memory.ModeKeyword}, []string{today.Hash}, false, false},
		{"exact", memory.SearchRequest{Query: "INFRA BUCKET", Mode: memory.ModeExact}, []string{both.Hash}, false, false},
		{"tags any", memory.SearchRequest{Tags: []string{"db", "people"}}, []string{old.Hash, today.Hash}, true, false},
		{"tags all", memory.SearchRequest{Tags: []string{"infra", "backup"}, TagMatch: memory.TagAll}, []string{both.Hash}, false, false},
		{"time today", memory.SearchRequest{Query: "database", TimeExpr: "today"}, []string{both.Hash}, false, true},
		{"time last week", memory.SearchRequest{TimeExpr: "last week"}, []string{old.Hash}, false, false},
		{"after", memory.SearchRequest{Query: "database", After: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}, []string{both.Hash}, false, true},
		{"after excludes", memory.SearchRequest{Query: "database", Mode: memory.ModeKeyword, After: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}, []string{both.Hash}, false, false},
		{"recall extracts time", memory.SearchRequest{Query: "what about the database last week", ExtractTime: true}, []string{old.Hash}, false, false},
	} {
		res, err := svc.Search(ctx, tc.req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := hashes(res)
		if tc.set {
			slices.Sort(got)
			slices.Sort(tc.want)
		}
		if tc.prefix && len(got) > len(tc.want) {
			got = got[:len(tc.want)]
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		for _, r := range res.Results {
			if r.Score < 0 || r.Score > 1 || len(r.MatchedBy) == 0 {
				t.Errorf("%s: result score %v matched_by %v", tc.name, r.Score, r.MatchedBy)
			}
		}
	}
	for name, req := range map[string]memory.SearchRequest{
		"no query no filter": {},
		"bad mode":           {Query: "x", Mode: "fuzzy"},
		"bad limit":          {Query: "x", Limit: 1000},
		"bad time":           {Query: "x", TimeExpr: "when pigs fly"},
		"empty range":        {Query: "x", After: c.t, Before: c.t.Add(-time.Hour)},
		"bad tag match":      {Query: "x", TagMatch: "some"},
	} {
		_, err := svc.Search(ctx, req)
		wantCode(t, err, memory.EInvalid)
		_ = name
	}
}

func TestSearchWithoutEmbedderFallsBackToKeywords(t *testing.T) {
	svc, _ := MustOpenService(t)
	mustStore(t, svc, "The cat sleeps on the red sofa")
	svc.Embedder = nil
	res, err := svc.Search(context.Background(), memory.SearchRequest{Query: "red sofa"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 1 || len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "keyword") {
		t.Fatalf("count %d notes %v", res.Count, res.Notes)
	}
	h, err := svc.Health(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if h.Semantic.Enabled || h.Status != "degraded" || h.Semantic.Reason == "" {
		t.Fatalf("health %+v", h)
	}
}

func TestFilteredSearchIsNotAPostFilter(t *testing.T) {
	svc, _ := MustOpenService(t)
	ctx := context.Background()
	var batch []memory.StoreRequest
	for i := 0; i < 300; i++ {
		batch = append(batch, memory.StoreRequest{Content: fmt.Sprintf("kubernetes cluster upgrade note %d", i), Tags: []string{"noise"}})
	}
	batch = append(batch, memory.StoreRequest{Content: "the kubernetes upgrade broke ingress", Tags: []string{"incident"}})
	if _, err := svc.StoreBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{memory.ModeHybrid, memory.ModeSemantic, memory.ModeKeyword} {
		res, err := svc.Search(ctx, memory.SearchRequest{Query: "kubernetes cluster upgrade note", Mode: mode, Limit: 3, Tags: []string{"incident"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Count != 1 || res.Results[0].Content != "the kubernetes upgrade broke ingress" {
			t.Errorf("%s: got %d results, want the one incident", mode, res.Count)
		}
	}
}

func TestUpdate(t *testing.T) {
	svc, c := MustOpenService(t)
	ctx := context.Background()
	m := mustStore(t, svc, "Use tabs in Go files", "style")
	c.t = c.t.Add(time.Minute)
	res, err := svc.Update(ctx, memory.UpdateRequest{Hash: m.Hash, Metadata: map[string]any{"source": "review"}, PreserveTimestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Memory.UpdatedAt.Equal(m.UpdatedAt) || res.Memory.Metadata["source"] != "review" {
		t.Errorf("metadata-only update: updated_at %v (was %v), metadata %v", res.Memory.UpdatedAt, m.UpdatedAt, res.Memory.Metadata)
	}
	res, err = svc.Update(ctx, memory.UpdateRequest{Hash: m.Hash, Tags: []string{"Go", "style"}, PreserveTimestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Memory.Tags, []string{"go", "style"}) || !res.Memory.UpdatedAt.After(m.UpdatedAt) {
		t.Errorf("tags %v updated_at %v", res.Memory.Tags, res.Memory.UpdatedAt)
	}
	_, err = svc.Update(ctx, memory.UpdateRequest{Hash: m.Hash, PreserveTimestamps: true})
	wantCode(t, err, memory.EInvalid)
	_, err = svc.Update(ctx, memory.UpdateRequest{Hash: "nope", Tags: []string{}, PreserveTimestamps: true})
	wantCode(t, err, memory.ENotFound)

	// A versioned update hides the old version from search.
	v, err := svc.Update(ctx, memory.UpdateRequest{Hash: m.Hash, Content: "Use gofmt, which uses tabs, in Go files", Versioned: true, PreserveTimestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	if v.ParentHash != m.Hash || v.Memory.Metadata["parent_hash"] != m.Hash {
		t.Fatalf("versioned: %+v", v)
	}
	sr, err := svc.Search(ctx, memory.SearchRequest{Query: "tabs Go files"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sr.Results {
		if r.Hash == m.Hash {
			t.Errorf("superseded version %s still returned", m.Hash)
		}
	}
	sr, _ = svc.Search(ctx, memory.SearchRequest{Query: "tabs Go files", IncludeSuperseded: true})
	if sr.Count != 2 {
		t.Errorf("include_superseded: %d results, want 2", sr.Count)
	}
}

func TestDelete(t *testing.T) {
	svc, _ := MustOpenService(t)
	ctx := context.Background()
	a := mustStore(t, svc, "alpha fact", "x")
	mustStore(t, svc, "beta fact", "x", "y")
	mustStore(t, svc, "gamma fact", "z")
	_, err := svc.Delete(ctx, memory.DeleteRequest{})
	wantCode(t, err, memory.EInvalid)
	_, err = svc.Delete(ctx, memory.DeleteRequest{Hash: "missing"})
	wantCode(t, err, memory.ENotFound)
	dry, err := svc.Delete(ctx, memory.DeleteRequest{Tags: []string{"x"}, DryRun: true})
	if err != nil || dry.Count != 2 || count(t, svc) != 3 {
		t.Fatalf("dry run: %+v %v, %d left", dry, err, count(t, svc))
	}
	res, err := svc.Delete(ctx, memory.DeleteRequest{Tags: []string{"x", "y"}, TagMatch: memory.TagAll})
	if err != nil || res.Count != 1 {
		t.Fatalf("delete all-tags: %+v %v", res, err)
	}
	if _, err := svc.Delete(ctx, memory.DeleteRequest{Hash: a.Hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(ctx, a.Hash); memory.ErrorCode(err) != memory.ENotFound {
		t.Fatalf("deleted memory still readable: %v", err)
	}
	sr, _ := svc.Search(ctx, memory.SearchRequest{Query: "alpha fact"})
	for _, r := range sr.Results {
		if r.Hash == a.Hash {
			t.Fatal("deleted memory found by search")
		}
	}
	// The same content can be stored again after deletion.
	mustStore(t, svc, "alpha fact")
}

func TestStoreSessionChunks(t *testing.T) {
	svc, _ := MustOpenService(t)
	svc.SessionChunkSize = 120
	var turns []memory.Turn
	for i := 0; i < 8; i++ {
		turns = append(turns, memory.Turn{Role: []string{"user", "assistant"}[i%2], Content: fmt.Sprintf("message %d with a little text to fill the line", i)})
	}
	res, err := svc.StoreSession(context.Background(), memory.SessionRequest{Turns: turns, SessionID: "s1", Tags: []string{"proj"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Memories) < 3 {
		t.Fatalf("%d chunks", len(res.Memories))
	}
	for i, m := range res.Memories {
		want := fmt.Sprintf("chunk:%d/%d", i+1, len(res.Memories))
		if m.Type != "session" || !slices.Contains(m.Tags, "session:s1") || !slices.Contains(m.Tags, want) || !strings.HasPrefix(m.Content, "[") {
			t.Errorf("chunk %d: type %q tags %v", i, m.Type, m.Tags)
		}
	}
	_, err = svc.StoreSession(context.Background(), memory.SessionRequest{})
	wantCode(t, err, memory.EInvalid)
}

func TestReembedAfterModelSwitch(t *testing.T) {
	svc, _ := MustOpenService(t)
	svc.SemanticDedup = false
	ctx := context.Background()
	for i := 0; i < 30; i++ {
		mustStore(t, svc, fmt.Sprintf("memory number %d about subject %d", i, i*3))
	}
	svc.Embedder = memorytest.NewFakeEmbedder(32)
	h, err := svc.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h.Semantic.Mismatched != 30 || h.Status != "degraded" {
		t.Fatalf("after switch: mismatched %d, status %s", h.Semantic.Mismatched, h.Status)
	}
	var calls int
	n, err := svc.Reembed(ctx, 8, func(done, total int64) { calls++ })
	if err != nil || n != 30 || calls != 4 {
		t.Fatalf("Reembed = %d, %v (%d progress calls)", n, err, calls)
	}
	h, _ = svc.Health(ctx)
	if h.Semantic.Mismatched != 0 || h.Status != "healthy" {
		t.Fatalf("after reembed: %+v", h)
	}
	res, err := svc.Search(ctx, memory.SearchRequest{Query: "memory number 7 about subject 21", Mode: memory.ModeSemantic, Limit: 1})
	if err != nil || res.Count != 1 || !strings.Contains(res.Results[0].Content, "number 7 ") {
		t.Fatalf("semantic search after reembed: %+v %v", res, err)
	}
}

func TestCleanupMergesLooseDuplicates(t *testing.T) {
	svc, _ := MustOpenService(t)
	svc.SemanticDedup = false
	a := mustStore(t, svc, "Deploys happen on Tuesdays", "ops")
	mustStore(t, svc, "Deploys  happen on Tuesdays!", "release")
	mustStore(t, svc, "Something else entirely")
	res, err := svc.Cleanup(context.Background())
	if err != nil || len(res.Removed) != 1 || res.Scanned != 3 {
		t.Fatalf("Cleanup = %+v, %v", res, err)
	}
	m, err := svc.Get(context.Background(), a.Hash)
	if err != nil || !slices.Equal(m.Tags, []string{"ops", "release"}) {
		t.Fatalf("kept memory: %+v %v", m, err)
	}
}

func TestOwnersAreIsolated(t *testing.T) {
	svc, _ := MustOpenService(t)
	alice := memory.WithOwner(context.Background(), "alice")
	bob := memory.WithOwner(context.Background(), "bob")
	res, err := svc.Store(alice, memory.StoreRequest{Content: "alice's secret plan"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Store(bob, memory.StoreRequest{Content: "alice's secret plan"}); err != nil {
		t.Fatalf("same content for another owner: %v", err)
	}
	if _, err := svc.Get(bob, res.Memories[0].Hash); err != nil {
		t.Fatalf("bob's own copy: %v", err)
	}
	if _, err := svc.Delete(bob, memory.DeleteRequest{Hash: res.Memories[0].Hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(alice, res.Memories[0].Hash); err != nil {
		t.Fatalf("bob's delete reached alice: %v", err)
	}
	sr, _ := svc.Search(bob, memory.SearchRequest{Query: "secret plan"})
	if sr.Count != 0 {
		t.Fatalf("bob finds %d memories", sr.Count)
	}
}

// TestBuiltinModelOddInput stores content the built-in model finds nothing
// in, huge content and invalid UTF-8: each is stored, none breaks search.
func TestBuiltinModelOddInput(t *testing.T) {
	svc, _ := MustOpenService(t)
	svc.Embedder = glove.New()
	ctx := context.Background()
	huge := strings.Repeat("The quarterly report covers revenue and hiring plans. ", 20000) // ~1 MB
	for _, content := range []string{"the and of to", "42 17 99", huge, "caf\xe9 na\xefve \xff\xfe résumé", "日本語のテキスト"} {
		res, err := svc.Store(ctx, memory.StoreRequest{Content: content})
		if err != nil {
			t.Fatalf("Store(%q): %v", memory.Clip(content, 20), err)
		}
		for _, x := range res.Memories[0].Embedding {
			if x != x {
				t.Fatalf("NaN in the vector of %q", memory.Clip(content, 20))
			}
		}
	}
	for _, q := range []string{"quarterly revenue", "the of", "résumé", "\xff"} {
		for _, mode := range []string{memory.ModeHybrid, memory.ModeSemantic} {
			if _, err := svc.Search(ctx, memory.SearchRequest{Query: q, Mode: mode}); err != nil {
				t.Errorf("Search(%q, %s): %v", q, mode, err)
			}
		}
	}
	h, err := svc.Health(ctx)
	if err != nil || h.Semantic.Mismatched != 0 {
		t.Fatalf("health after odd input: %+v, %v", h.Semantic, err)
	}
}

func TestRate(t *testing.T) {
	svc, _ := MustOpenService(t)
	ctx := context.Background()
	res, err := svc.Store(ctx, memory.StoreRequest{Content: "rated memory"})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Memories[0].Hash
	before := res.Memories[0].UpdatedAt
	for _, tc := range []struct {
		rating   int
		old, new float64
	}{{1, 0.5, 0.75}, {1, 0.75, 0.875}, {-1, 0.875, 0.4375}, {0, 0.4375, 0.46875}} {
		r, err := svc.Rate(ctx, h, tc.rating, "  useful  ")
		if err != nil {
			t.Fatal(err)
		}
		if r.OldQuality != tc.old || r.NewQuality != tc.new {
			t.Fatalf("rating %d: %+v, want %v → %v", tc.rating, r, tc.old, tc.new)
		}
	}
	m, _ := svc.Get(ctx, h)
	if m.Quality != 0.46875 || m.Metadata["user_feedback"] != "useful" || !m.UpdatedAt.Equal(before) {
		t.Errorf("after ratings: quality %v, metadata %v, updated %v (was %v)", m.Quality, m.Metadata, m.UpdatedAt, before)
	}
	for _, bad := range []int{2, -2} {
		if _, err := svc.Rate(ctx, h, bad, ""); memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("rating %d: %v", bad, err)
		}
	}
	if _, err := svc.Rate(ctx, "nope", 1, ""); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("unknown hash: %v", err)
	}
}

// TestDeleteWithinDeletesOnlyWhatWasCounted: a confirmed bulk delete
// removes the memories its dry run counted, not one stored since.
func TestDeleteWithinDeletesOnlyWhatWasCounted(t *testing.T) {
	svc, _ := MustOpenService(t)
	svc.SemanticDedup = false
	ctx := context.Background()
	for _, c := range []string{"old temp note one", "old temp note two"} {
		if _, err := svc.Store(ctx, memory.StoreRequest{Content: c, Tags: []string{"temp"}}); err != nil {
			t.Fatal(err)
		}
	}
	dry, err := svc.Delete(ctx, memory.DeleteRequest{Tags: []string{"temp"}, DryRun: true})
	if err != nil || dry.Count != 2 {
		t.Fatalf("dry run: %v %+v", err, dry)
	}
	if _, err := svc.Store(ctx, memory.StoreRequest{Content: "a temp note stored after the preview", Tags: []string{"temp"}}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Delete(ctx, memory.DeleteRequest{Tags: []string{"temp"}, Within: dry.Deleted})
	if err != nil || res.Count != 2 {
		t.Fatalf("confirmed delete: %v %+v", err, res)
	}
	if _, err := svc.Get(ctx, memory.ContentHash("a temp note stored after the preview")); err != nil {
		t.Errorf("the memory stored after the preview was deleted: %v", err)
	}
	// An empty preview deletes nothing, even though the filter now matches.
	res, err = svc.Delete(ctx, memory.DeleteRequest{Tags: []string{"temp"}, Within: []string{}})
	if err != nil || res.Count != 0 {
		t.Errorf("empty Within: %v %+v", err, res)
	}
}

// readLines returns the lines of a testdata file that are not comments.
func readLines(tb testing.TB, name string) []string {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// TestNearDuplicatesWithTheBuiltinModel: with the built-in model, whose
// unrelated sentences of everyday words score 0.6-0.9, semantic dedup
// refuses none of a day's distinct memories (chat turns, technical notes;
// raw cosine >= 0.85 refused 5 of the 39 chat turns) and still refuses a
// memory repeated with other punctuation or a filler word in front. A
// repeat with a content word dropped or added is a weaker match: most are
// refused, some are kept (the thresholds err toward storing).
func TestNearDuplicatesWithTheBuiltinModel(t *testing.T) {
	for _, name := range []string{"distinct-chat.txt", "distinct-memories.txt"} {
		t.Run(name, func(t *testing.T) {
			svc, _ := MustOpenService(t)
			svc.Embedder = glove.New()
			ctx := context.Background()
			lines := readLines(t, name)
			for _, l := range lines {
				if _, err := svc.Store(ctx, memory.StoreRequest{Content: l}); err != nil {
					t.Errorf("Store(%q): %v", l, err)
				}
			}
			refused, tried := 0, 0
			for _, l := range lines[:10] {
				w := strings.Fields(l)
				for _, v := range []struct {
					content string
					must    bool
				}{
					{strings.TrimRight(l, ".!?") + "!!", true},
					{"Also, " + l, true},
					{strings.Join(append(slices.Clone(w[:len(w)-2]), w[len(w)-1]), " "), false}, // a word dropped
					{"Note: " + l, false},
				} {
					_, err := svc.Store(ctx, memory.StoreRequest{Content: v.content})
					tried++
					switch {
					case memory.ErrorCode(err) == memory.EConflict:
						refused++
					case err != nil:
						t.Fatalf("Store(%q): %v", v.content, err)
					case v.must:
						t.Errorf("Store(%q) after %q was stored, want a near-duplicate conflict", v.content, l)
					}
				}
			}
			if refused*10 < tried*8 {
				t.Errorf("%d of %d near-duplicates refused, want at least 80%%", refused, tried)
			}
		})
	}
}

// A memory that repeats a recent one but for its figures is news, not a
// duplicate: the built-in model does not see digits, so "9:30" and
// "10:30" embed alike, and refusing the second would lose the change. It
// is stored (and flagged as a conflict with the first when conflict
// detection is on); a repeat with the same figures is still refused.
func TestNearDuplicatesDifferingInFigures(t *testing.T) {
	for _, pair := range [][2]string{
		{"The team standup is at 9:30 every weekday.", "The team standup is at 10:30 every weekday."},
		{"The staging server's address is 10.0.0.5.", "The staging server's address is 10.0.0.6."},
		{"The budget for the offsite is 5000 euros.", "The budget for the offsite is 7000 euros."},
		{"Ticket 4417 tracks the login bug.", "Ticket 4471 tracks the login bug."},
	} {
		svc, _, _ := MustOpenCurated(t)
		svc.Embedder = glove.New()
		ctx := context.Background()
		if _, err := svc.Store(ctx, memory.StoreRequest{Content: pair[0]}); err != nil {
			t.Fatalf("Store(%q)=%v", pair[0], err)
		}
		res, err := svc.Store(ctx, memory.StoreRequest{Content: pair[1]})
		if err != nil {
			t.Errorf("Store(%q) after %q=%v, want it stored: the figures differ", pair[1], pair[0], err)
		} else if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "conflict") {
			t.Errorf("Store(%q) after %q warnings=%q, want the conflict with the first", pair[1], pair[0], res.Warnings)
		}
		// The same figures in other words' clothing: still a duplicate.
		again := strings.Replace(pair[1], "The ", "the ", 1) + "!"
		if _, err := svc.Store(ctx, memory.StoreRequest{Content: again}); memory.ErrorCode(err) != memory.EConflict {
			t.Errorf("Store(%q) after %q=%v, want a duplicate refusal", again, pair[1], err)
		}
	}
}
