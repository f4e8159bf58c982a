package memorytest

// The contract suite of memory.Graph and memory.Archive: edges between
// live memories, their fate when a memory is superseded, deleted or
// archived, and archiving and restoring memories exactly.

import (
	"slices"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
)

// GraphBackend is a store that also keeps the associations graph and the
// archive.
type GraphBackend interface {
	memory.Store
	memory.Graph
	memory.Archive
}

// RunGraphTests runs the contract suite of memory.Graph and
// memory.Archive. open must return a fresh, empty, open backend for each
// subtest and arrange for it to be closed.
func RunGraphTests(t *testing.T, open func(t *testing.T) GraphBackend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s GraphBackend)
	}{
		{"PutEdges", testPutEdges},
		{"EdgesFilter", testEdgesFilter},
		{"EdgesInvalid", testEdgesInvalid},
		{"EdgesFollowMemories", testEdgesFollowMemories},
		{"DeleteEdges", testDeleteEdges},
		{"EdgeCountsHubs", testEdgeCountsHubs},
		{"ArchiveHides", testArchiveHides},
		{"RestoreExact", testRestoreExact},
		{"RestoreErrors", testRestoreErrors},
		{"ArchiveList", testArchiveList},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// edge returns an edge of alice's at Epoch.
func edge(src, dst *memory.Memory, typ string) memory.Edge {
	return memory.Edge{Owner: src.Owner, Source: src.Hash, Target: dst.Hash, Type: typ, Similarity: 0.5,
		Metadata: map[string]any{"origin": "test"}, CreatedAt: Epoch, UpdatedAt: Epoch}
}

func mustPutEdges(t testing.TB, s memory.Graph, want int, edges ...memory.Edge) {
	t.Helper()
	n, err := s.PutEdges(ctxOf(t), edges)
	if err != nil || n != want {
		t.Fatalf("PutEdges(%d edges)=%d, %v; want %d, nil", len(edges), n, err, want)
	}
}

func mustEdges(t testing.TB, s memory.Graph, f memory.EdgeFilter) []memory.Edge {
	t.Helper()
	es, err := s.Edges(ctxOf(t), f)
	if err != nil {
		t.Fatalf("Edges(%+v)=%v, want nil error", f, err)
	}
	if es == nil {
		t.Fatalf("Edges(%+v)=nil, want a non-nil slice", f)
	}
	for i, e := range es {
		if e.Metadata == nil {
			t.Errorf("Edges()[%d].Metadata=nil, want a map", i)
		}
		if i > 0 && !edgeOrdered(es[i-1], e) {
			t.Errorf("Edges() not ordered by source, target, type at %d", i)
		}
	}
	return es
}

func edgeOrdered(a, b memory.Edge) bool {
	if a.Source != b.Source {
		return a.Source < b.Source
	}
	if a.Target != b.Target {
		return a.Target < b.Target
	}
	return a.Type < b.Type
}

// edgeKeys renders edges as "source>target:type" with fixture names,
// the names of a symmetric edge in alphabetical order.
func edgeKeys(n names, es []memory.Edge) []string {
	out := make([]string, len(es))
	for i, e := range es {
		src, dst := n.of([]string{e.Source})[0], n.of([]string{e.Target})[0]
		if memory.SymmetricRelation(e.Type) && dst < src {
			src, dst = dst, src
		}
		out[i] = src + ">" + dst + ":" + e.Type
	}
	slices.Sort(out)
	return out
}

// graphFixture inserts alice's memories a..e and bob's x, all with
// vectors.
func graphFixture(t testing.TB, s GraphBackend) (map[string]*memory.Memory, names) {
	t.Helper()
	ms := map[string]*memory.Memory{}
	n := names{}
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		m := NewMemory(alice, "graph memory "+name+" about topic "+name, WithTags("g", name), WithEmbedding(fake))
		ms[name], n[m.Hash] = m, name
	}
	x := NewMemory(bob, "graph memory x of another owner", WithEmbedding(fake))
	ms["x"], n[x.Hash] = x, "x"
	mustInsert(t, s, ms["a"], ms["b"], ms["c"], ms["d"], ms["e"], x)
	return ms, n
}

func testPutEdges(t *testing.T, s GraphBackend) {
	ms, n := graphFixture(t, s)
	a, b, c := ms["a"], ms["b"], ms["c"]
	// A symmetric edge given either way round is one edge, source < target.
	mustPutEdges(t, s, 1, edge(b, a, memory.RelRelated))
	mustPutEdges(t, s, 1, edge(a, b, memory.RelRelated))
	es := mustEdges(t, s, memory.EdgeFilter{Owner: alice})
	if len(es) != 1 || es[0].Source > es[0].Target {
		t.Fatalf("Edges() after related a-b twice=%v, want one edge with source < target", edgeKeys(n, es))
	}
	// Directed edges keep their direction; both directions may exist.
	mustPutEdges(t, s, 2, edge(a, c, memory.RelCauses), edge(c, a, memory.RelCauses))
	got := edgeKeys(n, mustEdges(t, s, memory.EdgeFilter{Owner: alice, Types: []string{memory.RelCauses}}))
	if want := []string{"a>c:causes", "c>a:causes"}; !slices.Equal(got, want) {
		t.Errorf("Edges(causes)=%v, want %v", got, want)
	}
	// Replacing keeps CreatedAt and takes the new similarity, metadata and
	// update time.
	later := Epoch.Add(time.Hour)
	e := edge(a, c, memory.RelCauses)
	e.Similarity, e.Metadata, e.CreatedAt, e.UpdatedAt = 0.75, map[string]any{"v": 2.0}, later, later
	mustPutEdges(t, s, 1, e)
	es = mustEdges(t, s, memory.EdgeFilter{Owner: alice, Hashes: []string{a.Hash}, Types: []string{memory.RelCauses}})
	for _, got := range es {
		if got.Source != a.Hash {
			continue
		}
		if got.Similarity != 0.75 || got.Metadata["v"] != 2.0 || !got.CreatedAt.Equal(Epoch) || !got.UpdatedAt.Equal(later) || got.Owner != alice {
			t.Errorf("replaced edge=%+v, want similarity 0.75, metadata v=2, created %v, updated %v, owner alice", got, Epoch, later)
		}
	}
	// Edges to a memory that is not live, or another owner's, are skipped.
	ghost := NewMemory(alice, "never stored")
	mustPutEdges(t, s, 0, edge(a, ghost, memory.RelRelated))
	cross := edge(a, ms["x"], memory.RelRelated)
	mustPutEdges(t, s, 0, cross)
	cross.Owner = bob
	mustPutEdges(t, s, 0, cross)
	if es := mustEdges(t, s, memory.EdgeFilter{Owner: bob}); len(es) != 0 {
		t.Errorf("Edges(bob)=%v, want none", edgeKeys(n, es))
	}
}

func testEdgesFilter(t *testing.T, s GraphBackend) {
	ms, n := graphFixture(t, s)
	a, b, c, d, e := ms["a"], ms["b"], ms["c"], ms["d"], ms["e"]
	mustPutEdges(t, s, 4, edge(a, b, memory.RelRelated), edge(b, c, memory.RelRelated), edge(c, d, memory.RelFollows), edge(d, e, memory.RelFixes))
	for _, c := range []struct {
		name string
		f    memory.EdgeFilter
		want []string
	}{
		{"all", memory.EdgeFilter{Owner: alice}, []string{"a>b:related", "b>c:related", "c>d:follows", "d>e:fixes"}},
		{"touching b", memory.EdgeFilter{Owner: alice, Hashes: []string{b.Hash}}, []string{"a>b:related", "b>c:related"}},
		{"touching c or e", memory.EdgeFilter{Owner: alice, Hashes: []string{c.Hash, e.Hash}}, []string{"b>c:related", "c>d:follows", "d>e:fixes"}},
		{"types", memory.EdgeFilter{Owner: alice, Types: []string{memory.RelFollows, memory.RelFixes}}, []string{"c>d:follows", "d>e:fixes"}},
		{"touching c, related", memory.EdgeFilter{Owner: alice, Hashes: []string{c.Hash}, Types: []string{memory.RelRelated}}, []string{"b>c:related"}},
		{"other owner", memory.EdgeFilter{Owner: bob, Hashes: []string{c.Hash}}, []string{}},
	} {
		if got := edgeKeys(n, mustEdges(t, s, c.f)); !slices.Equal(got, c.want) {
			t.Errorf("Edges(%s)=%v, want %v", c.name, got, c.want)
		}
	}
	if es := mustEdges(t, s, memory.EdgeFilter{Owner: alice, Limit: 2}); len(es) != 2 {
		t.Errorf("Edges(limit 2) returned %d edges, want 2", len(es))
	}
}

func testEdgesInvalid(t *testing.T, s GraphBackend) {
	ms, _ := graphFixture(t, s)
	a, b := ms["a"], ms["b"]
	for _, c := range []struct {
		name string
		e    memory.Edge
	}{
		{"no owner", memory.Edge{Source: a.Hash, Target: b.Hash, Type: memory.RelRelated, CreatedAt: Epoch, UpdatedAt: Epoch}},
		{"self", edge(a, a, memory.RelRelated)},
		{"unknown type", edge(a, b, "likes")},
		{"no target", memory.Edge{Owner: alice, Source: a.Hash, Type: memory.RelRelated, CreatedAt: Epoch, UpdatedAt: Epoch}},
	} {
		_, err := s.PutEdges(ctxOf(t), []memory.Edge{edge(a, b, memory.RelSupports), c.e})
		wantCode(t, "PutEdges("+c.name+")", err, memory.EInvalid)
	}
	if es := mustEdges(t, s, memory.EdgeFilter{Owner: alice}); len(es) != 0 {
		t.Errorf("Edges() after refused batches=%d edges, want none (a refused batch writes nothing)", len(es))
	}
	_, err := s.Edges(ctxOf(t), memory.EdgeFilter{})
	wantCode(t, "Edges(no owner)", err, memory.EInvalid)
	_, err = s.DeleteEdges(ctxOf(t), memory.EdgeFilter{Owner: alice})
	wantCode(t, "DeleteEdges(owner only)", err, memory.EInvalid)
}

func testEdgesFollowMemories(t *testing.T, s GraphBackend) {
	ms, n := graphFixture(t, s)
	a, b, c, d := ms["a"], ms["b"], ms["c"], ms["d"]
	mustPutEdges(t, s, 3, edge(a, b, memory.RelRelated), edge(a, c, memory.RelRelated), edge(a, d, memory.RelSupports))
	all := memory.EdgeFilter{Owner: alice, Hashes: []string{a.Hash}}

	// A superseded memory's edges are hidden unless asked for.
	u := *b
	u.SupersededBy = a.Hash
	if err := s.Update(ctxOf(t), &u); err != nil {
		t.Fatal(err)
	}
	if got := edgeKeys(n, mustEdges(t, s, all)); !slices.Equal(got, []string{"a>c:related", "a>d:supports"}) {
		t.Errorf("Edges() with b superseded=%v, want a-c and a-d", got)
	}
	withSup := all
	withSup.IncludeSuperseded = true
	if got := mustEdges(t, s, withSup); len(got) != 3 {
		t.Errorf("Edges(include superseded)=%v, want all 3", edgeKeys(n, got))
	}

	// A deleted memory takes its edges along, for good.
	if _, err := s.Delete(ctxOf(t), memory.Filter{Owner: alice, Hashes: []string{c.Hash}}, Epoch.Add(time.Hour), false); err != nil {
		t.Fatal(err)
	}
	mustInsert(t, s, NewMemory(alice, c.Content))
	if got := edgeKeys(n, mustEdges(t, s, withSup)); !slices.Equal(got, []string{"a>b:related", "a>d:supports"}) {
		t.Errorf("Edges() after deleting and re-storing c=%v, want c's edge gone", got)
	}

	// An archived memory's edges are hidden, and back with the memory.
	if _, err := s.Archive(ctxOf(t), alice, []string{d.Hash}, Epoch.Add(time.Hour), "test"); err != nil {
		t.Fatal(err)
	}
	if got := edgeKeys(n, mustEdges(t, s, withSup)); !slices.Equal(got, []string{"a>b:related"}) {
		t.Errorf("Edges() with d archived=%v, want only a-b", got)
	}
	mustPutEdges(t, s, 0, edge(a, d, memory.RelFixes)) // no new edges to an archived memory
	if _, err := s.Restore(ctxOf(t), alice, []string{d.Hash}); err != nil {
		t.Fatal(err)
	}
	if got := edgeKeys(n, mustEdges(t, s, withSup)); !slices.Equal(got, []string{"a>b:related", "a>d:supports"}) {
		t.Errorf("Edges() after restoring d=%v, want a-b and a-d", got)
	}
}

func testDeleteEdges(t *testing.T, s GraphBackend) {
	ms, n := graphFixture(t, s)
	a, b, c := ms["a"], ms["b"], ms["c"]
	mustPutEdges(t, s, 4, edge(a, b, memory.RelRelated), edge(b, c, memory.RelRelated), edge(a, c, memory.RelContradicts), edge(c, a, memory.RelFixes))
	got, err := s.DeleteEdges(ctxOf(t), memory.EdgeFilter{Owner: alice, Types: []string{memory.RelContradicts}})
	if err != nil || got != 1 {
		t.Errorf("DeleteEdges(contradicts)=%d, %v; want 1, nil", got, err)
	}
	got, err = s.DeleteEdges(ctxOf(t), memory.EdgeFilter{Owner: bob, Hashes: []string{a.Hash}})
	if err != nil || got != 0 {
		t.Errorf("DeleteEdges(bob, a)=%d, %v; want 0, nil", got, err)
	}
	got, err = s.DeleteEdges(ctxOf(t), memory.EdgeFilter{Owner: alice, Hashes: []string{a.Hash}})
	if err != nil || got != 2 {
		t.Errorf("DeleteEdges(a)=%d, %v; want 2, nil", got, err)
	}
	if keys := edgeKeys(n, mustEdges(t, s, memory.EdgeFilter{Owner: alice})); !slices.Equal(keys, []string{"b>c:related"}) {
		t.Errorf("Edges() after deletes=%v, want b-c", keys)
	}
}

func testEdgeCountsHubs(t *testing.T, s GraphBackend) {
	ms, _ := graphFixture(t, s)
	a, b, c, d, e := ms["a"], ms["b"], ms["c"], ms["d"], ms["e"]
	mustPutEdges(t, s, 6, edge(a, b, memory.RelRelated), edge(a, c, memory.RelRelated), edge(a, d, memory.RelFixes),
		edge(b, c, memory.RelRelated), edge(d, e, memory.RelFollows), edge(e, a, memory.RelRelated))
	u := *e
	u.SupersededBy = d.Hash // e's edges no longer count
	if err := s.Update(ctxOf(t), &u); err != nil {
		t.Fatal(err)
	}
	counts, err := s.EdgeCounts(ctxOf(t), alice)
	if err != nil {
		t.Fatal(err)
	}
	if counts[memory.RelRelated] != 3 || counts[memory.RelFixes] != 1 || counts[memory.RelFollows] != 0 {
		t.Errorf("EdgeCounts()=%v, want related 3, fixes 1, no follows", counts)
	}
	if bc, err := s.EdgeCounts(ctxOf(t), bob); err != nil || len(bc) != 0 {
		t.Errorf("EdgeCounts(bob)=%v, %v; want empty", bc, err)
	}
	hubs, err := s.Hubs(ctxOf(t), alice, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []memory.NodeDegree{{Hash: a.Hash, Degree: 3}}
	for _, h := range []*memory.Memory{b, c} {
		want = append(want, memory.NodeDegree{Hash: h.Hash, Degree: 2})
	}
	slices.SortFunc(want[1:], func(x, y memory.NodeDegree) int {
		if x.Hash < y.Hash {
			return -1
		}
		return 1
	})
	if !slices.Equal(hubs, want) {
		t.Errorf("Hubs(min 2)=%v, want %v", hubs, want)
	}
	hubs, err = s.Hubs(ctxOf(t), alice, 0, 1)
	if err != nil || len(hubs) != 1 || hubs[0].Hash != a.Hash {
		t.Errorf("Hubs(min 0, limit 1)=%v, %v; want [a]", hubs, err)
	}
	hubs, err = s.Hubs(ctxOf(t), alice, 1, 0)
	if err != nil || len(hubs) != 4 {
		t.Errorf("Hubs(min 1)=%v, %v; want a, b, c, d (e is superseded)", hubs, err)
	}
}

// archiveFixture inserts alice's memories: kept, gone (accessed, rated,
// tagged, with a vector) and other.
func archiveFixture(t testing.TB, s GraphBackend) (kept, gone, other *memory.Memory) {
	t.Helper()
	kept = NewMemory(alice, "the kept memory about gardening", WithTags("garden"), WithEmbedding(fake))
	gone = NewMemory(alice, "the archived memory about gardening tools", WithTags("tools", "garden", "old"),
		WithType("reference"), WithMetadata(map[string]any{"k": "v", "n": 2.0}), Accessed(Epoch.Add(time.Hour), 3),
		WithQuality(0.8), Updated(Epoch.Add(2*time.Hour)), SupersededBy(""), WithEmbedding(fake))
	other = NewMemory(alice, "another memory without vector", WithTags("old"))
	mustInsert(t, s, kept, gone, other)
	return kept, gone, other
}

func testArchiveHides(t *testing.T, s GraphBackend) {
	kept, gone, _ := archiveFixture(t, s)
	q := embed(gone.Content)
	mustVector(t, s, memory.Filter{Owner: alice}, fakeID, q, 5) // load any cache first
	at := Epoch.Add(24 * time.Hour)
	done, err := s.Archive(ctxOf(t), alice, []string{gone.Hash, "unknown", kept.Hash + "x"}, at, "low relevance")
	if err != nil || !slices.Equal(done, []string{gone.Hash}) {
		t.Fatalf("Archive(gone, unknown)=%v, %v; want [gone], nil", done, err)
	}
	_, err = s.Get(ctxOf(t), alice, gone.Hash)
	wantCode(t, "Get(archived)", err, memory.ENotFound)
	f := memory.Filter{Owner: alice, IncludeSuperseded: true}
	if got, n := mustFind(t, s, f, memory.Page{}); slices.Contains(got, gone.Hash) || n != 2 {
		t.Errorf("Find() after archive=%d memories incl. archived %v, want 2 without it", n, slices.Contains(got, gone.Hash))
	}
	for _, h := range mustKeyword(t, s, f, []string{"tools"}, 10) {
		if h.Memory.Hash == gone.Hash {
			t.Errorf("KeywordSearch(tools) found the archived memory")
		}
	}
	for _, h := range mustVector(t, s, f, fakeID, q, 10) {
		if h.Memory.Hash == gone.Hash {
			t.Errorf("VectorSearch() found the archived memory")
		}
	}
	tags, err := s.Tags(ctxOf(t), alice)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tags {
		if tc.Tag == "tools" || (tc.Tag == "garden" && tc.Count != 1) {
			t.Errorf("Tags() after archive has %s=%d, want tools gone and garden 1", tc.Tag, tc.Count)
		}
	}
	st, err := s.Stats(ctxOf(t), alice)
	if err != nil || st.Memories != 2 {
		t.Errorf("Stats().Memories=%d, %v; want 2", st.Memories, err)
	}
	if err := s.Touch(ctxOf(t), alice, []string{gone.Hash}, at); err != nil {
		t.Errorf("Touch(archived)=%v, want nil (ignored)", err)
	}
	// Archiving again changes nothing; bob cannot archive alice's.
	if done, err := s.Archive(ctxOf(t), alice, []string{gone.Hash}, at, "again"); err != nil || len(done) != 0 {
		t.Errorf("Archive(archived again)=%v, %v; want none, nil", done, err)
	}
	if done, err := s.Archive(ctxOf(t), bob, []string{kept.Hash}, at, "theft"); err != nil || len(done) != 0 {
		t.Errorf("Archive(bob, alice's)=%v, %v; want none, nil", done, err)
	}
	for _, c := range []struct {
		name   string
		owner  string
		at     time.Time
		reason string
	}{{"no owner", "", at, "r"}, {"no time", alice, time.Time{}, "r"}, {"no reason", alice, at, ""}} {
		_, err := s.Archive(ctxOf(t), c.owner, []string{kept.Hash}, c.at, c.reason)
		wantCode(t, "Archive("+c.name+")", err, memory.EInvalid)
	}
	mustGet(t, s, alice, kept.Hash)
}

func testRestoreExact(t *testing.T, s GraphBackend) {
	kept, gone, _ := archiveFixture(t, s)
	q := embed(gone.Content)
	mustVector(t, s, memory.Filter{Owner: alice}, fakeID, q, 5)
	if _, err := s.Archive(ctxOf(t), alice, []string{gone.Hash}, Epoch.Add(24*time.Hour), "low relevance"); err != nil {
		t.Fatal(err)
	}
	mustVector(t, s, memory.Filter{Owner: alice}, fakeID, q, 5)
	ms, err := s.Restore(ctxOf(t), alice, []string{gone.Hash})
	if err != nil || len(ms) != 1 {
		t.Fatalf("Restore(gone)=%d memories, %v; want 1, nil", len(ms), err)
	}
	checkMemory(t, "Restore()", ms[0], gone)
	checkMemory(t, "Get(restored)", mustGet(t, s, alice, gone.Hash), gone)
	hits := mustVector(t, s, memory.Filter{Owner: alice}, fakeID, q, 1)
	if len(hits) != 1 || hits[0].Memory.Hash != gone.Hash {
		t.Errorf("VectorSearch() after restore=%v, want the restored memory first", HitHashes(hits))
	}
	if hits := mustKeyword(t, s, memory.Filter{Owner: alice}, []string{"tools"}, 5); len(hits) != 1 || hits[0].Memory.Hash != gone.Hash {
		t.Errorf("KeywordSearch(tools) after restore=%v, want the restored memory", HitHashes(hits))
	}
	if list, n, err := s.Archived(ctxOf(t), alice, memory.Page{}); err != nil || n != 0 || len(list) != 0 {
		t.Errorf("Archived() after restore=%d (total %d), %v; want empty", len(list), n, err)
	}
	mustGet(t, s, alice, kept.Hash)
}

func testRestoreErrors(t *testing.T, s GraphBackend) {
	kept, gone, other := archiveFixture(t, s)
	at := Epoch.Add(24 * time.Hour)
	if _, err := s.Archive(ctxOf(t), alice, []string{gone.Hash, other.Hash}, at, "test"); err != nil {
		t.Fatal(err)
	}
	// All or none: an unknown hash restores nothing.
	_, err := s.Restore(ctxOf(t), alice, []string{gone.Hash, kept.Hash})
	wantCode(t, "Restore(archived, live)", err, memory.ENotFound)
	_, err = s.Get(ctxOf(t), alice, gone.Hash)
	wantCode(t, "Get(gone) after failed restore", err, memory.ENotFound)
	_, err = s.Restore(ctxOf(t), bob, []string{gone.Hash})
	wantCode(t, "Restore(bob, alice's)", err, memory.ENotFound)
	// The same content stored again meanwhile blocks the restore.
	mustInsert(t, s, NewMemory(alice, other.Content))
	_, err = s.Restore(ctxOf(t), alice, []string{other.Hash})
	wantCode(t, "Restore(stored again)", err, memory.EConflict)
	if _, n, err := s.Archived(ctxOf(t), alice, memory.Page{}); err != nil || n != 2 {
		t.Errorf("Archived() after failed restores=%d, %v; want 2", n, err)
	}
	if ms, err := s.Restore(ctxOf(t), alice, []string{gone.Hash}); err != nil || len(ms) != 1 {
		t.Errorf("Restore(gone)=%d, %v; want 1, nil", len(ms), err)
	}
}

func testArchiveList(t *testing.T, s GraphBackend) {
	var ms []*memory.Memory
	for i := range 5 {
		m := NewMemory(alice, "archived memory number "+string(rune('a'+i)), WithTags("t"))
		ms = append(ms, m)
	}
	mustInsert(t, s, ms...)
	mustInsert(t, s, NewMemory(bob, "bob's archived memory"))
	for i, m := range ms {
		if _, err := s.Archive(ctxOf(t), alice, []string{m.Hash}, Epoch.Add(time.Duration(i)*time.Hour), "reason "+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Archive(ctxOf(t), bob, []string{memory.ContentHash("bob's archived memory")}, Epoch, "bob"); err != nil {
		t.Fatal(err)
	}
	list, n, err := s.Archived(ctxOf(t), alice, memory.Page{Offset: 1, Limit: 2})
	if err != nil || n != 5 || len(list) != 2 {
		t.Fatalf("Archived(offset 1, limit 2)=%d of %d, %v; want 2 of 5", len(list), n, err)
	}
	for i, want := range []*memory.Memory{ms[3], ms[2]} {
		got := list[i]
		if got.Hash != want.Hash || got.Reason != "reason "+string(rune('a'+3-i)) || !got.ArchivedAt.Equal(Epoch.Add(time.Duration(3-i)*time.Hour)) ||
			got.Content != want.Content || !slices.Equal(got.Tags, want.Tags) || got.Owner != alice {
			t.Errorf("Archived()[%d]=%s %q at %v (%q), want %s archived at %v, newest archived first", i, got.Hash, got.Reason, got.ArchivedAt, got.Content, want.Hash, Epoch.Add(time.Duration(3-i)*time.Hour))
		}
	}
	if _, n, _ := s.Archived(ctxOf(t), bob, memory.Page{}); n != 1 {
		t.Errorf("Archived(bob) total=%d, want 1", n)
	}
}
