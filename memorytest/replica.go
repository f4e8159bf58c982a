package memorytest

// RunReplicaTests: the memory.Replica contract that hybrid sync relies on.

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
)

// RunReplicaTests runs the memory.Replica contract suite: revisions
// stamped by writes, Put keeping the newest version (with the vector
// rules), Changes listing every change once in order, and Versions. open
// must return a fresh, empty, open replica for each subtest.
func RunReplicaTests(t *testing.T, open func(t *testing.T) memory.Replica) {
	tests := []struct {
		name string
		fn   func(t *testing.T, r memory.Replica)
	}{
		{"Revisions", testRevisions},
		{"PutNewest", testPutNewest},
		{"PutTies", testPutTies},
		{"PutTombstones", testPutTombstones},
		{"PutVectors", testPutVectors},
		{"PutInvalid", testPutInvalid},
		{"Changes", testChanges},
		{"Versions", testVersions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// Copy returns a copy of m as another replica would send it: revision
// rev, tags and metadata cloned.
func Copy(m *memory.Memory, rev int64) *memory.Memory {
	c := *m
	c.Revision = rev
	c.Tags = slices.Clone(m.Tags)
	c.Metadata = map[string]any{}
	for k, v := range m.Metadata {
		c.Metadata[k] = v
	}
	return &c
}

func mustPut(t testing.TB, r memory.Replica, ms ...*memory.Memory) int {
	t.Helper()
	n, err := r.Put(t.Context(), ms)
	if err != nil {
		t.Fatalf("Put()=%v", err)
	}
	return n
}

// state reads a memory, live or tombstone, through Changes.
func state(t testing.TB, r memory.Replica, owner, hash string) *memory.Memory {
	t.Helper()
	var found *memory.Memory
	cursor := ""
	for {
		ms, next, err := r.Changes(t.Context(), cursor, 100)
		if err != nil {
			t.Fatalf("Changes()=%v", err)
		}
		for _, m := range ms {
			if m.Owner == owner && m.Hash == hash {
				found = m
			}
		}
		if len(ms) == 0 {
			return found
		}
		cursor = next
	}
}

func testRevisions(t *testing.T, r memory.Replica) {
	ctx := ctxOf(t)
	m := NewMemory(alice, "revision one", WithEmbedding(fake))
	mustInsert(t, r, m)
	got := mustGet(t, r, alice, m.Hash)
	if got.Revision <= 0 {
		t.Fatalf("Revision after Insert=%d, want > 0", got.Revision)
	}
	rev := got.Revision
	if err := r.Touch(ctx, alice, []string{m.Hash}, Epoch.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := r.SetEmbeddings(ctx, []memory.EmbeddingUpdate{{Owner: alice, Hash: m.Hash, Model: fakeID, Vector: embed("other")}}); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, r, alice, m.Hash); got.Revision != rev {
		t.Errorf("Revision after Touch and SetEmbeddings=%d, want unchanged %d", got.Revision, rev)
	}
	u := mustGet(t, r, alice, m.Hash)
	u.Tags = []string{"changed"}
	if err := r.Update(ctx, u); err != nil {
		t.Fatal(err)
	}
	got = mustGet(t, r, alice, m.Hash)
	if got.Revision <= rev {
		t.Errorf("Revision after Update=%d, want > %d", got.Revision, rev)
	}
	rev = got.Revision
	if _, err := r.Delete(ctx, memory.Filter{Owner: alice, Hashes: []string{m.Hash}}, Epoch.Add(2*time.Hour), false); err != nil {
		t.Fatal(err)
	}
	if got := state(t, r, alice, m.Hash); got == nil || got.DeletedAt.IsZero() || got.Revision <= rev {
		t.Errorf("tombstone=%+v, want deleted with a revision above %d", got, rev)
	}
}

func testPutNewest(t *testing.T, r memory.Replica) {
	base := NewMemory(alice, "put newest", WithTags("a"), WithMetadata(map[string]any{"v": 1.0}))
	if n := mustPut(t, r, Copy(base, 100)); n != 1 {
		t.Errorf("Put(new)=%d, want 1", n)
	}
	got := mustGet(t, r, alice, base.Hash)
	want := Copy(base, 100)
	checkMemory(t, "Get(after Put)", got, want)
	if got.Revision != 100 {
		t.Errorf("Revision=%d, want the copy's 100", got.Revision)
	}
	older := Copy(base, 50)
	older.Tags = []string{"old"}
	if n := mustPut(t, r, older); n != 0 {
		t.Errorf("Put(older)=%d, want 0", n)
	}
	if got := mustGet(t, r, alice, base.Hash); !slices.Equal(got.Tags, []string{"a"}) {
		t.Errorf("Tags after an older Put=%v, want [a]", got.Tags)
	}
	newer := Copy(base, 200)
	newer.Tags, newer.Type = []string{"new", "b"}, "decision"
	newer.Metadata = map[string]any{"v": 2.0}
	newer.UpdatedAt = Epoch.Add(time.Hour)
	if n := mustPut(t, r, newer); n != 1 {
		t.Errorf("Put(newer)=%d, want 1", n)
	}
	checkMemory(t, "Get(after newer Put)", mustGet(t, r, alice, base.Hash), newer)
	if n := mustPut(t, r, Copy(newer, 200)); n != 0 {
		t.Errorf("Put(same again)=%d, want 0 (idempotent)", n)
	}
	if hits := HitHashes(mustKeyword(t, r, memory.Filter{Owner: alice, Tags: []string{"new"}}, []string{"newest"}, 5)); !slices.Equal(hits, []string{base.Hash}) {
		t.Errorf("KeywordSearch after Put=%v, want the memory", hits)
	}
}

func testPutTies(t *testing.T, r memory.Replica) {
	// Two versions with the same revision: whichever order they arrive
	// in, the one with the larger digest stays.
	base := NewMemory(alice, "tie breaking")
	a, b := Copy(base, 500), Copy(base, 500)
	a.Tags, b.Tags = []string{"x"}, []string{"y"}
	win := a
	if memory.Digest(b) > memory.Digest(a) {
		win = b
	}
	mustPut(t, r, a)
	mustPut(t, r, b)
	checkMemory(t, "Get(a then b)", mustGet(t, r, alice, base.Hash), win)
	other := NewMemory(bob, "tie breaking")
	c, d := Copy(other, 500), Copy(other, 500)
	c.Tags, d.Tags = []string{"x"}, []string{"y"}
	mustPut(t, r, d)
	mustPut(t, r, c)
	wantTags := win.Tags
	if got := mustGet(t, r, bob, other.Hash); !slices.Equal(got.Tags, wantTags) {
		t.Errorf("Tags(b then a)=%v, want %v (same winner in either order)", got.Tags, wantTags)
	}
}

func testPutTombstones(t *testing.T, r memory.Replica) {
	ctx := ctxOf(t)
	m := NewMemory(alice, "tombstone travels", WithTags("t"), WithEmbedding(fake))
	mustPut(t, r, Copy(m, 100))
	dead := Copy(m, 200)
	dead.DeletedAt = Epoch.Add(time.Hour)
	if n := mustPut(t, r, dead); n != 1 {
		t.Errorf("Put(tombstone)=%d, want 1", n)
	}
	_, err := r.Get(ctx, alice, m.Hash)
	wantCode(t, "Get(after tombstone)", err, memory.ENotFound)
	if hits := mustVector(t, r, memory.Filter{Owner: alice}, fakeID, embed("tombstone travels"), 5); len(hits) != 0 {
		t.Errorf("VectorSearch after tombstone=%d hits, want 0", len(hits))
	}
	if tags, _ := r.Tags(ctx, alice); len(tags) != 0 {
		t.Errorf("Tags after tombstone=%v, want none", tags)
	}
	// An older live copy does not revive it; a newer one does.
	mustPut(t, r, Copy(m, 150))
	if _, err := r.Get(ctx, alice, m.Hash); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("Get(after older live copy)=%v, want still deleted", err)
	}
	mustPut(t, r, Copy(m, 300))
	if got := mustGet(t, r, alice, m.Hash); got.Revision != 300 {
		t.Errorf("Revision after revival=%d, want 300", got.Revision)
	}
	// A tombstone of a memory never seen is kept, so it can travel on.
	ghost := Copy(NewMemory(alice, "never seen alive"), 100)
	ghost.DeletedAt = Epoch
	mustPut(t, r, ghost)
	if got := state(t, r, alice, ghost.Hash); got == nil || got.DeletedAt.IsZero() {
		t.Errorf("Changes() after a tombstone Put=%v, want the tombstone", got)
	}
	if st, _ := r.Stats(ctx, alice); st.Tombstones != 1 || st.Memories != 1 {
		t.Errorf("Stats()=%+v, want 1 memory and 1 tombstone", st)
	}
}

func testPutVectors(t *testing.T, r memory.Replica) {
	withVec := NewMemory(alice, "vector kept", WithEmbedding(fake))
	mustPut(t, r, Copy(withVec, 100))
	bare := Copy(withVec, 200)
	bare.Embedding, bare.EmbeddingModel = nil, ""
	bare.Tags = []string{"newer"}
	mustPut(t, r, bare)
	got := mustGet(t, r, alice, withVec.Hash)
	if got.EmbeddingModel != fakeID || !slices.Equal(got.Embedding, withVec.Embedding) || !slices.Equal(got.Tags, []string{"newer"}) {
		t.Errorf("after a newer copy without vector: model %q, %d dims, tags %v; want the vector kept and the tags taken", got.EmbeddingModel, len(got.Embedding), got.Tags)
	}
	// The same version with a vector fills in a missing one.
	noVec := NewMemory(alice, "vector filled in")
	mustPut(t, r, Copy(noVec, 100))
	filled := Copy(noVec, 100)
	WithEmbedding(fake)(filled)
	mustPut(t, r, filled)
	if got := mustGet(t, r, alice, noVec.Hash); got.EmbeddingModel != fakeID || len(got.Embedding) != 64 {
		t.Errorf("after the same copy with a vector: model %q, %d dims; want it filled in", got.EmbeddingModel, len(got.Embedding))
	}
	if hits := mustVector(t, r, memory.Filter{Owner: alice}, fakeID, embed("vector filled in"), 1); len(hits) != 1 || hits[0].Memory.Hash != noVec.Hash {
		t.Errorf("VectorSearch after a filled vector=%v, want it", HitHashes(hits))
	}
}

func testPutInvalid(t *testing.T, r memory.Replica) {
	ctx := ctxOf(t)
	_, err := r.Put(ctx, []*memory.Memory{NewMemory(alice, "no revision")})
	wantCode(t, "Put(no revision)", err, memory.EInvalid)
	noContent := Copy(NewMemory(alice, "x"), 10)
	noContent.Content = ""
	_, err = r.Put(ctx, []*memory.Memory{noContent})
	wantCode(t, "Put(no content)", err, memory.EInvalid)
	mustPut(t, r, Copy(NewMemory(alice, "dims", WithEmbedding(fake)), 10))
	short := Copy(NewMemory(alice, "dims short", WithVector(fakeID, make([]float32, 63))), 10)
	_, err = r.Put(ctx, []*memory.Memory{short})
	wantCode(t, "Put(wrong dimension)", err, memory.EInvalid)
	if _, err := r.Get(ctx, alice, short.Hash); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("Get(refused copy)=%v, want ENotFound", err)
	}
}

func testChanges(t *testing.T, r memory.Replica) {
	ctx := ctxOf(t)
	var ms []*memory.Memory
	for i := range 7 {
		ms = append(ms, NewMemory(alice, fmt.Sprintf("change %d", i)))
	}
	mustInsert(t, r, ms[:4]...)
	mustInsert(t, r, ms[4:]...)
	u := mustGet(t, r, alice, ms[0].Hash)
	u.Tags = []string{"later"}
	if err := r.Update(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Delete(ctx, memory.Filter{Owner: alice, Hashes: []string{ms[1].Hash}}, Epoch, false); err != nil {
		t.Fatal(err)
	}
	// Pages of 3: every memory once, in the order of its last change.
	var order []string
	seen := map[string]bool{}
	cursor := ""
	for range 10 {
		page, next, err := r.Changes(ctx, cursor, 3)
		if err != nil {
			t.Fatalf("Changes()=%v", err)
		}
		if len(page) > 3 {
			t.Fatalf("Changes(limit 3)=%d memories", len(page))
		}
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			if seen[m.Hash] {
				t.Errorf("Changes() listed %q twice", m.Content)
			}
			seen[m.Hash] = true
			order = append(order, m.Hash)
		}
		cursor = next
	}
	if len(order) != 7 {
		t.Fatalf("Changes() listed %d memories, want 7", len(order))
	}
	if order[5] != ms[0].Hash || order[6] != ms[1].Hash {
		t.Errorf("Changes() ends with %.8s, %.8s; want the updated then the deleted memory", order[5], order[6])
	}
	page, next, err := r.Changes(ctx, cursor, 3)
	if err != nil || len(page) != 0 {
		t.Errorf("Changes(caught up)=%d, %v; want none", len(page), err)
	}
	mustInsert(t, r, NewMemory(alice, "change after"))
	if page, _, _ := r.Changes(ctx, next, 3); len(page) != 1 {
		t.Errorf("Changes(after a new write)=%d, want 1", len(page))
	}
	// Access statistics are not changes.
	if err := r.Touch(ctx, alice, []string{ms[2].Hash}, Epoch.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, last, _ := r.Changes(ctx, next, 10)
	if page, _, _ := r.Changes(ctx, last, 10); len(page) != 0 {
		t.Errorf("Changes(after Touch)=%d, want 0", len(page))
	}
	_, _, err = r.Changes(ctx, "not a cursor", 3)
	wantCode(t, "Changes(bad cursor)", err, memory.EInvalid)
}

func testVersions(t *testing.T, r memory.Replica) {
	ctx := ctxOf(t)
	a := NewMemory(alice, "version a")
	b := NewMemory(bob, "version b")
	mustPut(t, r, Copy(a, 10), Copy(b, 20))
	if _, err := r.Delete(ctx, memory.Filter{Owner: bob, Hashes: []string{b.Hash}}, Epoch, false); err != nil {
		t.Fatal(err)
	}
	vs, err := r.Versions(ctx, []memory.Key{{Owner: alice, Hash: a.Hash}, {Owner: bob, Hash: b.Hash}, {Owner: alice, Hash: "unknown"}, {Owner: bob, Hash: a.Hash}})
	if err != nil {
		t.Fatalf("Versions()=%v", err)
	}
	if len(vs) != 2 {
		t.Fatalf("Versions()=%v, want 2 entries", vs)
	}
	if v := vs[memory.Key{Owner: alice, Hash: a.Hash}]; v != memory.VersionOf(Copy(a, 10)) {
		t.Errorf("Versions(a)=%v, want %v", v, memory.VersionOf(Copy(a, 10)))
	}
	if v := vs[memory.Key{Owner: bob, Hash: b.Hash}]; v.Revision <= 20 {
		t.Errorf("Versions(deleted b)=%v, want a revision above 20", v)
	}
}
