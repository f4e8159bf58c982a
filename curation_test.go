package memory_test

// Conflicts on store and their resolution, versions listed on request,
// graph queries, quality, mistake notes and the archive, through the
// service over a real SQLite file.

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// MustOpenCurated is MustOpenService with the store's graph and archive.
func MustOpenCurated(tb testing.TB) (*memory.Service, *clock, *[]memory.Event) {
	tb.Helper()
	svc, c := MustOpenService(tb)
	g := svc.Storage.(interface {
		memory.Graph
		memory.Archive
	})
	svc.Graph, svc.Archive = g, g
	var events []memory.Event
	svc.OnEvent = func(e memory.Event) { events = append(events, e) }
	return svc, c, &events
}

func eventTypes(es []memory.Event) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Type)
	}
	return out
}

func TestDivergence(t *testing.T) {
	tests := []struct {
		a, b        string
		div         float64
		elaboration bool
	}{
		{"We use Postgres, not MySQL", "we use postgres not mysql", 0, false},
		{"We use Postgres, not MySQL", "We use MySQL, not Postgres", 0.4, false},
		{"the api listens on port 8080", "the api listens on port 9090", 1 - 10.0/12, false},
		{"use gofmt", "use gofmt before every commit", 1 - 4.0/7, true},
		{"deploys happen on friday", "deploys never happen on friday", 1 - 8.0/9, false},
		{"alpha beta", "gamma delta", 1, false},
	}
	for _, tt := range tests {
		div, el := memory.Divergence(tt.a, tt.b)
		if d := div - tt.div; d > 1e-9 || d < -1e-9 || el != tt.elaboration {
			t.Errorf("Divergence(%q, %q)=%.3f, %v; want %.3f, %v", tt.a, tt.b, div, el, tt.div, tt.elaboration)
		}
	}
}

func TestConflictOnStoreAndResolve(t *testing.T) {
	svc, c, events := MustOpenCurated(t)
	ctx := context.Background()
	a := mustStore(t, svc, "We use Postgres, not MySQL, for the ledger")
	c.t = c.t.Add(48 * time.Hour) // outside the semantic dedup window
	res, err := svc.Store(ctx, memory.StoreRequest{Content: "We use MySQL, not Postgres, for the ledger"})
	if err != nil {
		t.Fatal(err)
	}
	b := res.Memories[0]
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], a.Hash) {
		t.Errorf("Store() warnings=%q, want one naming the conflicting %s", res.Warnings, a.Hash)
	}
	if !slices.Contains(eventTypes(*events), memory.EventConflict) {
		t.Errorf("events=%v, want %s", eventTypes(*events), memory.EventConflict)
	}
	cs, err := svc.Conflicts(ctx)
	if err != nil || len(cs) != 1 {
		t.Fatalf("Conflicts()=%+v, %v; want one", cs, err)
	}
	got := []string{cs[0].HashA, cs[0].HashB}
	slices.Sort(got)
	want := []string{a.Hash, b.Hash}
	slices.Sort(want)
	if !slices.Equal(got, want) || cs[0].Similarity < 0.95 || cs[0].Divergence < 0.2 || cs[0].ContentA == "" {
		t.Errorf("Conflicts()[0]=%+v, want a and b, similarity >= 0.95, divergence >= 0.2, with contents", cs[0])
	}
	// An unrelated memory, a versioned update and a near-identical
	// elaboration are not conflicts.
	c.t = c.t.Add(48 * time.Hour)
	if r, err := svc.Store(ctx, memory.StoreRequest{Content: "the cat sleeps on the warm windowsill"}); err != nil || len(r.Warnings) > 0 {
		t.Errorf("Store(unrelated)=%v, %v; want no warning", r.Warnings, err)
	}
	up, err := svc.Update(ctx, memory.UpdateRequest{Hash: a.Hash, Versioned: true, Content: "We use Postgres 17, not MySQL, for the ledger"})
	if err != nil {
		t.Fatal(err)
	}
	if len(up.Warnings) > 0 {
		t.Errorf("versioned update warnings=%q, want none against its own parent", up.Warnings)
	}

	// Resolve: b wins; the version chain of a keeps its newest version.
	newA := up.Memory.Hash
	cs, _ = svc.Conflicts(ctx)
	if len(cs) != 0 {
		t.Errorf("Conflicts() after a was superseded by a new version=%+v, want none (superseded memories drop out)", cs)
	}
	rr, err := svc.Resolve(ctx, b.Hash, newA)
	if err != nil || !rr.Success {
		t.Fatalf("Resolve(b, newA)=%+v, %v", rr, err)
	}
	loser, err := svc.Get(ctx, newA)
	if err != nil || loser.SupersededBy != b.Hash {
		t.Errorf("loser superseded by %q (%v), want %s", loser.SupersededBy, err, b.Hash)
	}
	sr, err := svc.Search(ctx, memory.SearchRequest{Query: "ledger postgres mysql", Mode: memory.ModeKeyword})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sr.Results {
		if r.Hash == newA || r.Hash == a.Hash {
			t.Errorf("Search() returned superseded %s", r.Hash)
		}
	}
	all, err := svc.List(ctx, memory.ListRequest{IncludeSuperseded: true})
	if err != nil || all.Total != 4 {
		t.Errorf("List(include_superseded)=%d, %v; want 4 (both superseded versions listed)", all.Total, err)
	}
	cur, _ := svc.List(ctx, memory.ListRequest{})
	if cur.Total != 2 {
		t.Errorf("List()=%d, want 2 current memories", cur.Total)
	}
	for _, bad := range [][2]string{{"", b.Hash}, {b.Hash, b.Hash}, {newA, b.Hash}, {b.Hash, newA}, {b.Hash, "nope"}} {
		if _, err := svc.Resolve(ctx, bad[0], bad[1]); err == nil {
			t.Errorf("Resolve(%.8s, %.8s)=nil, want an error", bad[0], bad[1])
		}
	}
}

func TestConflictDetectionOff(t *testing.T) {
	svc, c, _ := MustOpenCurated(t)
	svc.ConflictDetection = false
	mustStore(t, svc, "We use Postgres, not MySQL")
	c.t = c.t.Add(48 * time.Hour)
	mustStore(t, svc, "We use MySQL, not Postgres")
	if cs, err := svc.Conflicts(context.Background()); err != nil || len(cs) != 0 {
		t.Errorf("Conflicts() with detection off=%v, %v; want none", cs, err)
	}
	svc.Graph = nil
	if _, err := svc.Conflicts(context.Background()); memory.ErrorCode(err) != memory.EUnavailable {
		t.Errorf("Conflicts() without a graph=%v, want unavailable", err)
	}
}

// chain stores memories a..e and links a-b-c-d (related) and c→e (fixes).
func chain(t *testing.T, svc *memory.Service, c *clock) map[string]*memory.Memory {
	t.Helper()
	ms := map[string]*memory.Memory{}
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		ms[n] = mustStore(t, svc, "graph node "+n+" about "+strings.Repeat(n, 3))
	}
	e := func(x, y, typ string) memory.Edge {
		return memory.Edge{Owner: memory.LocalOwner, Source: ms[x].Hash, Target: ms[y].Hash, Type: typ, CreatedAt: c.t, UpdatedAt: c.t}
	}
	if _, err := svc.Graph.PutEdges(context.Background(), []memory.Edge{
		e("a", "b", memory.RelRelated), e("b", "c", memory.RelRelated), e("c", "d", memory.RelRelated), e("e", "c", memory.RelFixes),
	}); err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestGraphQueries(t *testing.T) {
	svc, c, _ := MustOpenCurated(t)
	ctx := context.Background()
	ms := chain(t, svc, c)
	name := map[string]string{}
	for n, m := range ms {
		name[m.Hash] = n
	}
	linked, err := svc.Connected(ctx, ms["a"].Hash, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range linked {
		got = append(got, name[l.Hash]+":"+string(rune('0'+l.Distance)))
	}
	if want := []string{"b:1", "c:2"}; !slices.Equal(got, want) {
		t.Errorf("Connected(a, 2)=%v, want %v", got, want)
	}
	path, err := svc.Path(ctx, ms["a"].Hash, ms["e"].Hash, 0)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, h := range path {
		got = append(got, name[h])
	}
	if want := []string{"a", "b", "c", "e"}; !slices.Equal(got, want) {
		t.Errorf("Path(a, e)=%v, want %v", got, want)
	}
	if p, err := svc.Path(ctx, ms["a"].Hash, ms["f"].Hash, 0); err != nil || p != nil {
		t.Errorf("Path(a, f)=%v, %v; want none", p, err)
	}
	if p, err := svc.Path(ctx, ms["a"].Hash, ms["d"].Hash, 2); err != nil || p != nil {
		t.Errorf("Path(a, d, max 2)=%v, %v; want none within 2 edges", p, err)
	}
	g, err := svc.Subgraph(ctx, ms["c"].Hash, 1)
	if err != nil || len(g.Nodes) != 4 || len(g.Edges) != 3 {
		t.Errorf("Subgraph(c, 1)=%d nodes, %d edges, %v; want b, c, d, e and their 3 edges", len(g.Nodes), len(g.Edges), err)
	}
	inf, err := svc.Infer(ctx, ms["a"].Hash, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, i := range inf {
		got = append(got, name[i.Source]+name[i.Target]+":"+string(rune('0'+i.Distance)))
	}
	slices.Sort(got)
	if want := []string{"ac:2", "ad:3"}; !slices.Equal(got, want) {
		t.Errorf("Infer(a, related, 3)=%v, want %v", got, want)
	}
	if all, err := svc.Infer(ctx, "", memory.RelRelated, 0); err != nil || len(all) != 2 {
		t.Errorf("Infer(all, related)=%+v, %v; want a-c and b-d", all, err)
	}
	if _, err := svc.Infer(ctx, "", "likes", 0); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("Infer(likes)=%v, want invalid", err)
	}
	sug, err := svc.Suggest(ctx, ms["a"].Hash, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sug {
		if s.Hash == ms["b"].Hash || s.Hash == ms["a"].Hash {
			t.Errorf("Suggest(a) suggested %s, which is a or already linked", name[s.Hash])
		}
	}
	view, err := svc.GraphView(ctx, 3, 1)
	if err != nil || len(view.Nodes) != 3 || view.Nodes[0].Degree == 0 || view.Meta.TotalEdges != 4 || view.Meta.RelationshipTypes[memory.RelFixes] != 1 {
		t.Errorf("GraphView(3, 1)=%+v, %v; want the 3 most connected with degrees, 4 edges in all", view, err)
	}
	if _, err := svc.Connected(ctx, ms["a"].Hash, 9); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("Connected(max_hops 9)=%v, want invalid", err)
	}
	if _, err := svc.Connected(ctx, "nope", 1); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("Connected(unknown)=%v, want not found", err)
	}
	// Deleting a memory cuts the graph there.
	if _, err := svc.Delete(ctx, memory.DeleteRequest{Hash: ms["c"].Hash}); err != nil {
		t.Fatal(err)
	}
	if p, err := svc.Path(ctx, ms["a"].Hash, ms["d"].Hash, 0); err != nil || p != nil {
		t.Errorf("Path(a, d) after deleting c=%v, %v; want none", p, err)
	}
}

func TestQuality(t *testing.T) {
	svc, c, _ := MustOpenCurated(t)
	ctx := context.Background()
	m := mustStore(t, svc, "quality of a memory about gardening")
	q, err := svc.QualityOf(ctx, m.Hash)
	if err != nil || q.QualityScore != 0.5 || q.Provider != memory.ProviderDefault || q.UserRating != nil {
		t.Errorf("QualityOf(new)=%+v, %v; want 0.5 from the default", q, err)
	}
	for range 5 {
		if _, err := svc.Search(ctx, memory.SearchRequest{Query: "gardening"}); err != nil {
			t.Fatal(err)
		}
	}
	q, _ = svc.QualityOf(ctx, m.Hash)
	if q.Provider != memory.ProviderImplicit || q.ImplicitScore <= 0.5 || q.QualityScore <= 0.5 || q.AccessCount != 5 {
		t.Errorf("QualityOf(read 5 times)=%+v, want a higher implicit score", q)
	}
	c.t = c.t.AddDate(1, 0, 0)
	if later, _ := svc.QualityOf(ctx, m.Hash); later.ImplicitScore >= q.ImplicitScore {
		t.Errorf("implicit score a year later=%v, want below %v: use fades", later.ImplicitScore, q.ImplicitScore)
	}
	if _, err := svc.Rate(ctx, m.Hash, -1, "outdated"); err != nil {
		t.Fatal(err)
	}
	q, _ = svc.QualityOf(ctx, m.Hash)
	if q.Provider != memory.ProviderUser || q.UserRating == nil || *q.UserRating != -1 || q.QualityScore != 0.25 || len(q.RatingHistory) != 1 || q.UserFeedback != "outdated" {
		t.Errorf("QualityOf(rated -1)=%+v, want the rating to rule: 0.25, history of 1", q)
	}
	for range 12 {
		svc.Rate(ctx, m.Hash, 1, "")
	}
	if q, _ := svc.QualityOf(ctx, m.Hash); len(q.RatingHistory) != 10 {
		t.Errorf("rating history after 13 ratings has %d entries, want the last 10", len(q.RatingHistory))
	}

	lo := mustStore(t, svc, "poor memory about compost heaps")
	svc.Rate(ctx, lo.Hash, -1, "")
	mustStore(t, svc, "plain memory about seeds")
	rep, err := svc.QualityReport(ctx, 0, 1)
	if err != nil || rep.Total != 3 || rep.High != 1 || rep.Medium != 1 || rep.Low != 1 || rep.Top[0].Hash != m.Hash || rep.Bottom[0].Hash != lo.Hash {
		t.Errorf("QualityReport()=%+v, %v; want 1 high, 1 medium, 1 low, best and worst in place", rep, err)
	}
	if rep, _ := svc.QualityReport(ctx, 0.6, 1); rep.Total != 1 {
		t.Errorf("QualityReport(0.6..1).Total=%d, want 1", rep.Total)
	}
	if _, err := svc.QualityReport(ctx, 0.8, 0.2); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("QualityReport(0.8..0.2)=%v, want invalid", err)
	}
	tr, err := svc.QualityTrends(ctx, 400)
	if err != nil || tr.Total != 3 || len(tr.Data) != 2 {
		t.Errorf("QualityTrends(400)=%+v, %v; want 3 memories on 2 days", tr, err)
	}
}

func TestQualityBoostRanking(t *testing.T) {
	svc, _, _ := MustOpenCurated(t)
	ctx := context.Background()
	a := mustStore(t, svc, "river trout fishing guide")
	b := mustStore(t, svc, "river trout fishing notes")
	svc.Rate(ctx, a.Hash, -1, "")
	svc.Rate(ctx, b.Hash, 1, "")
	top := func(req memory.SearchRequest) string {
		res, err := svc.Search(ctx, req)
		if err != nil || res.Count == 0 {
			t.Fatalf("Search()=%v, %v", res, err)
		}
		return res.Results[0].Hash
	}
	req := memory.SearchRequest{Query: "river trout fishing guide", Mode: memory.ModeKeyword}
	if got := top(req); got != a.Hash {
		t.Fatalf("Search() without boost ranks %s first, want the exact match", got)
	}
	req.QualityBoost = 0.8
	if got := top(req); got != b.Hash {
		t.Errorf("Search(quality_boost 0.8) ranks %s first, want the well-rated one", got)
	}
	svc.QualityBoost = 0.8
	req.QualityBoost = 0
	if got := top(req); got != b.Hash {
		t.Errorf("Search() with the service's default boost ranks %s first, want the well-rated one", got)
	}
}

func TestMistakeNotes(t *testing.T) {
	svc, _, _ := MustOpenCurated(t)
	ctx := context.Background()
	n := memory.MistakeNote{ErrorPattern: "nil map write", ContextSignature: "go config loader", IncorrectAction: "assign without make", CorrectAction: "make the map first"}
	r, err := svc.AddMistakeNote(ctx, n)
	if err != nil || r.Status != "created" || r.FailureCount != 1 {
		t.Fatalf("AddMistakeNote()=%+v, %v; want created", r, err)
	}
	m, err := svc.Get(ctx, r.Hash)
	if err != nil || m.Type != memory.MistakeType || !slices.Equal(m.Tags, memory.MistakeTags) ||
		m.Content != "Pattern: nil map write\nContext: go config loader\nWrong: assign without make\nRight: make the map first" {
		t.Errorf("mistake note=%+v, %v", m, err)
	}
	n2 := n
	n2.IncorrectAction = "wrote to it directly"
	r2, err := svc.AddMistakeNote(ctx, n2)
	if err != nil || r2.Status != "updated" || r2.Hash != r.Hash || r2.FailureCount != 2 {
		t.Errorf("AddMistakeNote(same pattern and context)=%+v, %v; want the count of the first raised to 2", r2, err)
	}
	r3, err := svc.AddMistakeNote(ctx, n)
	if err != nil || r3.Status != "updated" || r3.FailureCount != 3 {
		t.Errorf("AddMistakeNote(identical)=%+v, %v; want updated to 3", r3, err)
	}
	other := memory.MistakeNote{ErrorPattern: "off by one", ContextSignature: "pagination", IncorrectAction: "page * size", CorrectAction: "(page - 1) * size"}
	if r, err := svc.AddMistakeNote(ctx, other); err != nil || r.Status != "created" {
		t.Errorf("AddMistakeNote(other)=%+v, %v; want created", r, err)
	}
	found, err := svc.SearchMistakeNotes(ctx, "writing to a nil map in the config loader", 5)
	if err != nil || len(found) == 0 || found[0].Hash != r.Hash || found[0].FailureCount != 3 {
		t.Errorf("SearchMistakeNotes()=%+v, %v; want the nil map note first, failed 3 times", found, err)
	}
	mustStore(t, svc, "a note about a nil map in general")
	for _, f := range found {
		if f.Content == "a note about a nil map in general" {
			t.Errorf("SearchMistakeNotes() returned a plain note")
		}
	}
	bad := n
	bad.CorrectAction = " "
	if _, err := svc.AddMistakeNote(ctx, bad); memory.ErrorCode(err) != memory.EInvalid || !strings.Contains(err.Error(), "correct_action") {
		t.Errorf("AddMistakeNote(no correct_action)=%v, want invalid naming the field", err)
	}
}

func TestArchiveService(t *testing.T) {
	svc, _, events := MustOpenCurated(t)
	ctx := context.Background()
	a := mustStore(t, svc, "archive me please", "x")
	b := mustStore(t, svc, "keep me around", "x")
	*events = nil
	done, err := svc.ArchiveMemories(ctx, []string{a.Hash, " " + a.Hash, "unknown"}, "by hand")
	if err != nil || !slices.Equal(done, []string{a.Hash}) {
		t.Fatalf("ArchiveMemories()=%v, %v", done, err)
	}
	if n := count(t, svc); n != 1 {
		t.Errorf("List() after archiving=%d, want 1", n)
	}
	tags, _ := svc.Tags(ctx)
	if len(tags) != 1 || tags[0].Count != 1 {
		t.Errorf("Tags() after archiving=%v, want x: 1", tags)
	}
	list, err := svc.Archived(ctx, 0, 0)
	if err != nil || list.Total != 1 || list.Memories[0].Reason != "by hand" || list.Memories[0].Content != a.Content {
		t.Errorf("Archived()=%+v, %v", list, err)
	}
	if _, err := svc.Restore(ctx, []string{b.Hash}); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("Restore(live)=%v, want not found", err)
	}
	if ms, err := svc.Restore(ctx, []string{a.Hash}); err != nil || len(ms) != 1 {
		t.Errorf("Restore()=%v, %v", ms, err)
	}
	if got := eventTypes(*events); !slices.Equal(got, []string{memory.EventArchived, memory.EventRestored}) {
		t.Errorf("events=%v, want archived then restored", got)
	}
	for _, bad := range [][]string{nil, {" "}} {
		if _, err := svc.ArchiveMemories(ctx, bad, "r"); memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("ArchiveMemories(%q)=%v, want invalid", bad, err)
		}
	}
	if _, err := svc.ArchiveMemories(ctx, []string{a.Hash}, " "); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("ArchiveMemories(no reason)=%v, want invalid", err)
	}
	if _, err := svc.Archived(ctx, 1, 101); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("Archived(page size 101)=%v, want invalid", err)
	}
	svc.Archive = nil
	if _, err := svc.Archived(ctx, 1, 10); memory.ErrorCode(err) != memory.EUnavailable {
		t.Errorf("Archived() without an archive=%v, want unavailable", err)
	}
}

func TestSimilarityBaseline(t *testing.T) {
	unit := func(xs ...float32) []float32 { return xs }
	var few [][]float32
	for range memory.MinBaselineVectors - 1 {
		few = append(few, unit(1, 0))
	}
	if b := memory.SimilarityBaseline(few); b != 0 {
		t.Errorf("SimilarityBaseline(%d vectors)=%v, want 0 (too few to say)", len(few), b)
	}
	// Vectors at angles 0..n: the median pair similarity is known.
	var vecs [][]float32
	for i := range 20 {
		a := float64(i) * 0.05
		vecs = append(vecs, unit(float32(math.Cos(a)), float32(math.Sin(a)), 0))
	}
	b := memory.SimilarityBaseline(vecs)
	if b < 0.9 || b > 0.99 {
		t.Errorf("SimilarityBaseline(fan of 20)=%v, want the median pair cosine, about 0.95", b)
	}
	if again := memory.SimilarityBaseline(vecs); again != b {
		t.Errorf("SimilarityBaseline() not deterministic: %v then %v", b, again)
	}
	for _, c := range []struct{ s, b, want float64 }{
		{0.5, 0, 0.5}, {-0.2, 0, 0}, {0.9, 0.8, 0.5}, {0.7, 0.8, 0}, {1, 0.8, 1},
	} {
		if got := memory.Calibrated(c.s, c.b); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Calibrated(%v, %v)=%v, want %v", c.s, c.b, got, c.want)
		}
	}
}
