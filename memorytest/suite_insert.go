package memorytest

// Contract tests of Insert and Get: round trip, validation, conflicts,
// tombstones and owner isolation.

import (
	"strings"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
)

func testInsertGet(t *testing.T, s memory.Store) {
	full := NewMemory(alice, "  The quick brown fox jumps  ",
		WithTags("zeta", "Alpha", "mid"),
		WithType("decision"),
		WithMetadata(map[string]any{
			"source": "test",
			"n":      1.5,
			"nested": map[string]any{"list": []any{"x", 2.0, true, nil}, "empty": map[string]any{}},
		}),
		Accessed(Epoch.Add(2*time.Hour), 3),
		WithQuality(0.75),
		SupersededBy(memory.ContentHash("a newer fox")),
		WithEmbedding(fake),
	)
	// Times in another zone, finer than a millisecond: stored as UTC ms.
	full.CreatedAt = Epoch.Add(123456789 * time.Nanosecond).In(time.FixedZone("UTC+1", 3600))
	full.UpdatedAt = Epoch.Add(time.Hour + 987*time.Microsecond)
	bare := NewMemory(alice, "bare memory")
	mustInsert(t, s, full, bare)

	got := mustGet(t, s, alice, full.Hash)
	if got.Content != "The quick brown fox jumps" {
		t.Errorf("Get().Content=%q, want trimmed content", got.Content)
	}
	checkMemory(t, "Get(full)", got, full)
	if want := []string{"zeta", "alpha", "mid"}; strings.Join(got.Tags, ",") != strings.Join(want, ",") {
		t.Errorf("Get().Tags=%v, want %v (insertion order)", got.Tags, want)
	}
	if got.CreatedAt.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("Get().CreatedAt=%v, want millisecond precision", got.CreatedAt)
	}

	got = mustGet(t, s, alice, bare.Hash)
	checkMemory(t, "Get(bare)", got, bare)
	if got.Tags == nil || got.Metadata == nil || got.Embedding != nil || !got.LastAccessedAt.IsZero() {
		t.Errorf("Get(bare)=%+v, want non-nil empty Tags and Metadata, no vector, no access", got)
	}

	for _, c := range []struct{ owner, hash string }{
		{alice, memory.ContentHash("never stored")},
		{bob, full.Hash},
	} {
		_, err := s.Get(ctxOf(t), c.owner, c.hash)
		wantCode(t, "Get("+c.owner+")", err, memory.ENotFound)
	}
}

func testInsertRequired(t *testing.T, s memory.Store) {
	for _, c := range []struct {
		name   string
		change func(*memory.Memory)
	}{
		{"owner", func(m *memory.Memory) { m.Owner = "" }},
		{"hash", func(m *memory.Memory) { m.Hash = "" }},
		{"content", func(m *memory.Memory) { m.Content = "" }},
		{"type", func(m *memory.Memory) { m.Type = "" }},
		{"created_at", func(m *memory.Memory) { m.CreatedAt = time.Time{} }},
		{"updated_at", func(m *memory.Memory) { m.UpdatedAt = time.Time{} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ok := NewMemory(alice, "valid companion "+c.name)
			bad := NewMemory(alice, "missing "+c.name)
			c.change(bad)
			err := s.Insert(ctxOf(t), []*memory.Memory{ok, bad})
			wantCode(t, "Insert(no "+c.name+")", err, memory.EInvalid)
			if _, n := mustFind(t, s, memory.Filter{Owner: alice}, memory.Page{}); n != 0 {
				t.Errorf("Find() total=%d after a refused batch, want 0", n)
			}
		})
	}
}

func testInsertConflict(t *testing.T, s memory.Store) {
	a := NewMemory(alice, "first memory")
	mustInsert(t, s, a)

	b := NewMemory(alice, "second memory", WithEmbedding(fake))
	dup := NewMemory(alice, "  FIRST memory ") // same hash: case and spaces
	if dup.Hash != a.Hash {
		t.Fatalf("ContentHash differs for case variants")
	}
	err := s.Insert(ctxOf(t), []*memory.Memory{b, dup})
	wantCode(t, "Insert(duplicate)", err, memory.EConflict)
	if err != nil && !strings.Contains(err.Error(), a.Hash) {
		t.Errorf("Insert(duplicate)=%v, want the hash %s named", err, a.Hash)
	}
	if _, err := s.Get(ctxOf(t), alice, b.Hash); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("Get(b)=%v after a refused batch, want ENotFound", err)
	}
	if hits := mustVector(t, s, memory.Filter{Owner: alice}, fakeID, embed(b.Content), 10); len(hits) != 0 {
		t.Errorf("VectorSearch()=%d hits after a refused batch, want 0", len(hits))
	}
	if got := mustGet(t, s, alice, a.Hash); got.Content != a.Content {
		t.Errorf("Get(a).Content=%q, want %q unchanged", got.Content, a.Content)
	}

	c := NewMemory(alice, "twice in one batch")
	err = s.Insert(ctxOf(t), []*memory.Memory{c, NewMemory(alice, "twice in one batch")})
	wantCode(t, "Insert(twice in batch)", err, memory.EConflict)
	if _, n := mustFind(t, s, memory.Filter{Owner: alice}, memory.Page{}); n != 1 {
		t.Errorf("Find() total=%d, want 1", n)
	}

	// The same content belongs to each owner separately.
	mustInsert(t, s, NewMemory(bob, "first memory"))
	if got := mustGet(t, s, bob, a.Hash); got.Owner != bob {
		t.Errorf("Get(bob).Owner=%q, want %q", got.Owner, bob)
	}
}

func testTombstoneReplaced(t *testing.T, s memory.Store) {
	old := NewMemory(alice, "phoenix memory rises", WithTags("old"), WithType("note"), WithEmbedding(fake))
	mustInsert(t, s, old)
	q := embed(old.Content)
	mustVector(t, s, memory.Filter{Owner: alice}, fakeID, q, 5) // load any cache
	del, err := s.Delete(ctxOf(t), memory.Filter{Owner: alice, Hashes: []string{old.Hash}}, Epoch.Add(time.Hour), false)
	if err != nil || len(del) != 1 {
		t.Fatalf("Delete()=%v, %v, want 1 hash", del, err)
	}
	if _, err := s.Get(ctxOf(t), alice, old.Hash); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("Get(tombstone)=%v, want ENotFound", err)
	}

	again := NewMemory(alice, "Phoenix memory rises", WithTags("new"), WithType("decision"),
		At(Epoch.Add(2*time.Hour)), WithEmbedding(fake))
	mustInsert(t, s, again)
	checkMemory(t, "Get(re-inserted)", mustGet(t, s, alice, old.Hash), again)

	if got, n := mustFind(t, s, memory.Filter{Owner: alice}, memory.Page{}); n != 1 || len(got) != 1 {
		t.Errorf("Find()=%d memories, total %d, want 1", len(got), n)
	}
	if hits := mustKeyword(t, s, memory.Filter{Owner: alice}, []string{"phoenix"}, 10); len(hits) != 1 {
		t.Errorf("KeywordSearch()=%d hits, want 1", len(hits))
	}
	if hits := mustVector(t, s, memory.Filter{Owner: alice}, fakeID, q, 10); len(hits) != 1 || hits[0].Memory.Type != "decision" {
		t.Errorf("VectorSearch()=%v, want the re-inserted memory once", HitHashes(hits))
	}
	if got, _ := mustFind(t, s, memory.Filter{Owner: alice, Tags: []string{"old"}}, memory.Page{}); len(got) != 0 {
		t.Errorf("Find(tag old)=%d, want 0: the tombstone's tags went with it", len(got))
	}
	st, err := s.Stats(ctxOf(t), alice)
	if err != nil || st.Memories != 1 || st.Tombstones != 0 {
		t.Errorf("Stats()=%+v, %v, want 1 memory and no tombstone", st, err)
	}
	// A live duplicate is still refused.
	wantCode(t, "Insert(live duplicate)", s.Insert(ctxOf(t), []*memory.Memory{NewMemory(alice, "phoenix memory rises")}), memory.EConflict)
}

func testOwnerIsolation(t *testing.T, s memory.Store) {
	a1 := NewMemory(alice, "apple orchard secrets", WithTags("fruit", "alice-only"), WithEmbedding(fake))
	a2 := NewMemory(alice, "apple pie recipe", WithTags("fruit"), WithEmbedding(fake))
	b1 := NewMemory(bob, "apple orchard secrets", WithTags("fruit", "bob-only"), WithEmbedding(fake))
	mustInsert(t, s, a1, a2, b1)
	ctx := ctxOf(t)
	bobF := memory.Filter{Owner: bob}

	if _, err := s.Get(ctx, bob, a2.Hash); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("Get(bob, a2)=%v, want ENotFound", err)
	}
	if got, n := mustFind(t, s, bobF, memory.Page{}); n != 1 || len(got) != 1 || got[0] != b1.Hash {
		t.Errorf("Find(bob)=%v (total %d), want only b1", got, n)
	}
	if got, _ := mustFind(t, s, memory.Filter{Owner: bob, Hashes: []string{a2.Hash}}, memory.Page{}); len(got) != 0 {
		t.Errorf("Find(bob, a2's hash)=%v, want none", got)
	}
	for _, hits := range [][]memory.Hit{
		mustKeyword(t, s, bobF, []string{"apple", "pie"}, 10),
		mustVector(t, s, bobF, fakeID, embed("apple pie recipe"), 10),
		mustVector(t, s, memory.Filter{Owner: bob, Tags: []string{"fruit"}}, fakeID, embed("apple pie recipe"), 10),
	} {
		for _, h := range hits {
			if h.Memory.Owner != bob {
				t.Errorf("search(bob) returned %s's memory %.8s", h.Memory.Owner, h.Memory.Hash)
			}
		}
		if len(hits) != 1 {
			t.Errorf("search(bob)=%d hits, want 1", len(hits))
		}
	}

	del, err := s.Delete(ctx, memory.Filter{Owner: bob, Hashes: []string{a2.Hash}}, Epoch, false)
	if err != nil || len(del) != 0 {
		t.Errorf("Delete(bob, a2)=%v, %v, want nothing deleted", del, err)
	}
	del, err = s.Delete(ctx, memory.Filter{Owner: bob, Hashes: []string{b1.Hash}}, Epoch, false)
	if err != nil || len(del) != 1 {
		t.Errorf("Delete(bob, b1)=%v, %v, want b1 deleted", del, err)
	}
	mustGet(t, s, alice, a1.Hash) // same hash, other owner: still there
	mustGet(t, s, alice, a2.Hash)

	tags, err := s.Tags(ctx, bob)
	if err != nil || len(tags) != 0 {
		t.Errorf("Tags(bob)=%v, %v, want none (b1 deleted)", tags, err)
	}
	st, err := s.Stats(ctx, bob)
	if err != nil || st.Memories != 0 || st.Tombstones != 1 {
		t.Errorf("Stats(bob)=%+v, %v, want 0 memories and 1 tombstone", st, err)
	}

	changed := *a2
	changed.Owner = bob
	changed.Type = "decision"
	wantCode(t, "Update(bob, a2)", s.Update(ctx, &changed), memory.ENotFound)
	if err := s.Touch(ctx, bob, []string{a2.Hash}, Epoch.Add(time.Hour)); err != nil {
		t.Errorf("Touch(bob)=%v, want nil", err)
	}
	err = s.SetEmbeddings(ctx, []memory.EmbeddingUpdate{{Owner: bob, Hash: a2.Hash, Model: fakeID, Vector: embed("other text")}})
	if err != nil {
		t.Errorf("SetEmbeddings(bob)=%v, want nil", err)
	}
	checkMemory(t, "Get(alice, a2) after bob's changes", mustGet(t, s, alice, a2.Hash), a2)
}
