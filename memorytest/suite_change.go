package memorytest

// Contract tests of listing order and of changes after insert: Find
// paging, Update, Delete, Touch, PendingEmbeddings and SetEmbeddings.

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
)

func testFindPaging(t *testing.T, s memory.Store) {
	// Ten memories; 3 and 4 share a creation time, inserted in that order.
	var ms []*memory.Memory
	for i := range 10 {
		at := Epoch.Add(time.Duration(i) * time.Minute)
		if i == 4 {
			at = Epoch.Add(3 * time.Minute)
		}
		tag := "odd"
		if i%2 == 0 {
			tag = "even"
		}
		ms = append(ms, NewMemory(alice, fmt.Sprintf("paged memory %d", i), At(at), WithTags(tag)))
	}
	// Insert out of time order to make sure order comes from CreatedAt.
	mustInsert(t, s, ms[5], ms[0], ms[3], ms[9])
	mustInsert(t, s, ms[4], ms[1], ms[8], ms[2], ms[7], ms[6])
	newest := Hashes(ms[9], ms[8], ms[7], ms[6], ms[5], ms[4], ms[3], ms[2], ms[1], ms[0])
	oldest := slices.Clone(newest)
	slices.Reverse(oldest)

	f := memory.Filter{Owner: alice}
	for _, c := range []struct {
		order memory.Order
		want  []string
	}{{"", newest}, {memory.NewestFirst, newest}, {memory.OldestFirst, oldest}} {
		got, total := mustFind(t, s, f, memory.Page{Order: c.order})
		if !slices.Equal(got, c.want) || total != 10 {
			t.Errorf("Find(order %q)=%v (total %d), want %v", c.order, got, total, c.want)
		}
		var paged []string
		for off := 0; off < 12; off += 3 {
			got, total := mustFind(t, s, f, memory.Page{Offset: off, Limit: 3, Order: c.order})
			if total != 10 {
				t.Errorf("Find(offset %d) total=%d, want 10", off, total)
			}
			paged = append(paged, got...)
		}
		if !slices.Equal(paged, c.want) {
			t.Errorf("Find(pages of 3, order %q)=%v, want %v", c.order, paged, c.want)
		}
	}
	got, total := mustFind(t, s, f, memory.Page{Offset: 20, Limit: 5})
	if len(got) != 0 || total != 10 {
		t.Errorf("Find(offset past the end)=%v (total %d), want none of 10", got, total)
	}
	got, total = mustFind(t, s, memory.Filter{Owner: alice, Tags: []string{"even"}}, memory.Page{Limit: 2})
	if !slices.Equal(got, Hashes(ms[8], ms[6])) || total != 5 {
		t.Errorf("Find(even, limit 2)=%v (total %d), want [8 6] of 5", got, total)
	}
}

func testUpdate(t *testing.T, s memory.Store) {
	m := NewMemory(alice, "mutable memory", WithTags("a", "b"), WithMetadata(map[string]any{"k": 1.0}), WithEmbedding(fake))
	other := NewMemory(alice, "bystander memory", WithTags("a"))
	mustInsert(t, s, m, other)
	q := embed(m.Content)
	mustVector(t, s, memory.Filter{Owner: alice}, fakeID, q, 5) // load any cache

	u := *m
	u.Tags = []string{"c", "a"}
	u.Type = "decision"
	u.Metadata = map[string]any{"k2": "v", "deep": map[string]any{"x": []any{1.0}}}
	u.CreatedAt = Epoch.Add(-time.Hour)
	u.UpdatedAt = Epoch.Add(time.Hour)
	u.Quality = 0.9
	u.SupersededBy = other.Hash
	u.AccessCount = 7
	u.LastAccessedAt = Epoch.Add(2 * time.Hour)
	u.Content = "content never changes"
	u.Embedding = embed("nor does the vector")
	if err := s.Update(ctxOf(t), &u); err != nil {
		t.Fatalf("Update()=%v, want nil", err)
	}
	want := u
	want.Content, want.Embedding = m.Content, m.Embedding
	checkMemory(t, "Get() after Update", mustGet(t, s, alice, m.Hash), &want)

	sup := memory.Filter{Owner: alice, IncludeSuperseded: true}
	for _, c := range []struct {
		f    memory.Filter
		want []string
	}{
		{memory.Filter{Owner: alice}, []string{other.Hash}}, // superseded now hidden
		{memory.Filter{Owner: alice, Tags: []string{"b"}, IncludeSuperseded: true}, nil},
		{memory.Filter{Owner: alice, Tags: []string{"c"}, IncludeSuperseded: true}, []string{m.Hash}},
		{memory.Filter{Owner: alice, Types: []string{"decision"}, IncludeSuperseded: true}, []string{m.Hash}},
		{memory.Filter{Owner: alice, Before: Epoch, IncludeSuperseded: true}, []string{m.Hash}},
	} {
		if got, _ := mustFind(t, s, c.f, memory.Page{}); !sameSet(got, c.want) {
			t.Errorf("Find(%+v)=%v, want %v", c.f, got, c.want)
		}
	}
	if got := HitHashes(mustVector(t, s, memory.Filter{Owner: alice}, fakeID, q, 5)); slices.Contains(got, m.Hash) {
		t.Errorf("VectorSearch() returned a superseded memory")
	}
	if got := HitHashes(mustVector(t, s, sup, fakeID, q, 5)); !slices.Contains(got, m.Hash) {
		t.Errorf("VectorSearch(superseded)=%v, want it", got)
	}
	if got := HitHashes(mustVector(t, s, memory.Filter{Owner: alice, Before: Epoch, IncludeSuperseded: true}, fakeID, q, 5)); !slices.Equal(got, []string{m.Hash}) {
		t.Errorf("VectorSearch(before, new CreatedAt)=%v, want it", got)
	}

	u.SupersededBy = ""
	if err := s.Update(ctxOf(t), &u); err != nil {
		t.Fatalf("Update(clear superseded)=%v", err)
	}
	if got := HitHashes(mustVector(t, s, memory.Filter{Owner: alice}, fakeID, q, 5)); !slices.Contains(got, m.Hash) {
		t.Errorf("VectorSearch() after un-superseding=%v, want it", got)
	}

	gone := NewMemory(alice, "never stored")
	wantCode(t, "Update(unknown)", s.Update(ctxOf(t), gone), memory.ENotFound)
	if _, err := s.Delete(ctxOf(t), memory.Filter{Owner: alice, Hashes: []string{other.Hash}}, Epoch, false); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "Update(tombstone)", s.Update(ctxOf(t), other), memory.ENotFound)
}

func testDelete(t *testing.T, s memory.Store) {
	a := NewMemory(alice, "doomed memory a", WithTags("x"), At(Epoch), WithEmbedding(fake))
	b := NewMemory(alice, "doomed memory b", WithTags("x"), At(Epoch.Add(time.Hour)), WithEmbedding(fake))
	c := NewMemory(alice, "doomed memory c", WithTags("x"), At(Epoch.Add(2*time.Hour)), WithEmbedding(fake))
	d := NewMemory(alice, "survivor memory d", At(Epoch.Add(3*time.Hour)), WithEmbedding(fake))
	sup := NewMemory(alice, "superseded memory", SupersededBy(d.Hash), WithEmbedding(fake))
	mustInsert(t, s, a, b, c, d, sup)
	ctx := ctxOf(t)
	q := embed("doomed memory")
	mustVector(t, s, memory.Filter{Owner: alice}, fakeID, q, 10) // load any cache

	for _, f := range []memory.Filter{{Owner: alice}, {Owner: alice, IncludeSuperseded: true}} {
		for _, dry := range []bool{true, false} {
			_, err := s.Delete(ctx, f, Epoch, dry)
			wantCode(t, fmt.Sprintf("Delete(%+v, dry %v)", f, dry), err, memory.EInvalid)
		}
	}
	want := Hashes(c, b, a)
	x := memory.Filter{Owner: alice, Tags: []string{"x"}}
	got, err := s.Delete(ctx, x, Epoch, true)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("Delete(dry run)=%v, %v, want %v", got, err, want)
	}
	if _, total := mustFind(t, s, memory.Filter{Owner: alice}, memory.Page{}); total != 4 {
		t.Errorf("Find() total=%d after a dry run, want 4", total)
	}
	got, err = s.Delete(ctx, x, Epoch.Add(24*time.Hour), false)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("Delete()=%v, %v, want %v", got, err, want)
	}
	for _, h := range want {
		if _, err := s.Get(ctx, alice, h); memory.ErrorCode(err) != memory.ENotFound {
			t.Errorf("Get(deleted)=%v, want ENotFound", err)
		}
	}
	if got, _ := mustFind(t, s, memory.Filter{Owner: alice}, memory.Page{}); !slices.Equal(got, []string{d.Hash}) {
		t.Errorf("Find()=%v, want only d", got)
	}
	if hits := mustKeyword(t, s, memory.Filter{Owner: alice}, []string{"doomed"}, 10); len(hits) != 0 {
		t.Errorf("KeywordSearch(doomed)=%d hits, want 0", len(hits))
	}
	for _, h := range HitHashes(mustVector(t, s, memory.Filter{Owner: alice, IncludeSuperseded: true}, fakeID, q, 10)) {
		if slices.Contains(want, h) {
			t.Errorf("VectorSearch() returned deleted %.8s", h)
		}
	}
	if got, err := s.Delete(ctx, x, Epoch, false); err != nil || len(got) != 0 {
		t.Errorf("Delete(again)=%v, %v, want nothing", got, err)
	}
	if st, err := s.Stats(ctx, alice); err != nil || st.Tombstones != 3 || st.Memories != 2 {
		t.Errorf("Stats()=%+v, %v, want 2 memories and 3 tombstones", st, err)
	}
	// A superseded memory is deleted only by a filter that includes it.
	hs := memory.Filter{Owner: alice, Hashes: []string{sup.Hash}}
	if got, err := s.Delete(ctx, hs, Epoch, false); err != nil || len(got) != 0 {
		t.Errorf("Delete(superseded hash)=%v, %v, want nothing", got, err)
	}
	hs.IncludeSuperseded = true
	if got, err := s.Delete(ctx, hs, Epoch, false); err != nil || !slices.Equal(got, []string{sup.Hash}) {
		t.Errorf("Delete(superseded hash, included)=%v, %v, want it", got, err)
	}
}

func testTouch(t *testing.T, s memory.Store) {
	m := NewMemory(alice, "touched memory", Accessed(Epoch, 2))
	fresh := NewMemory(alice, "untouched memory")
	mustInsert(t, s, m, fresh)
	ctx := ctxOf(t)
	t1, t2 := Epoch.Add(time.Hour), Epoch.Add(2*time.Hour+time.Millisecond)
	for _, at := range []time.Time{t1, t2} {
		if err := s.Touch(ctx, alice, []string{m.Hash, memory.ContentHash("unknown")}, at); err != nil {
			t.Fatalf("Touch()=%v, want nil", err)
		}
	}
	got := mustGet(t, s, alice, m.Hash)
	if got.AccessCount != 4 || !got.LastAccessedAt.Equal(t2) {
		t.Errorf("Get() after 2 touches=(%d, %v), want (4, %v)", got.AccessCount, got.LastAccessedAt, t2)
	}
	if got := mustGet(t, s, alice, fresh.Hash); got.AccessCount != 0 || !got.LastAccessedAt.IsZero() {
		t.Errorf("Get(untouched)=(%d, %v), want (0, zero)", got.AccessCount, got.LastAccessedAt)
	}
	if err := s.Touch(ctx, alice, nil, t2); err != nil {
		t.Errorf("Touch(no hashes)=%v, want nil", err)
	}
	stale, _ := mustFind(t, s, memory.Filter{Owner: alice, StaleBefore: t1}, memory.Page{})
	if !slices.Equal(stale, []string{fresh.Hash}) {
		t.Errorf("Find(stale before touch)=%v, want only the untouched one", stale)
	}
}

func testEmbeddings(t *testing.T, s memory.Store) {
	ctx := ctxOf(t)
	a, b := NewFakeEmbedder(32), NewFakeEmbedder(48)
	aID, bID := a.Model().Name, b.Model().Name
	m1 := NewMemory(alice, "vector by model a", WithEmbedding(a))
	m2 := NewMemory(alice, "no vector yet")
	m3 := NewMemory(alice, "vector by model b", WithEmbedding(b))
	m4 := NewMemory(bob, "bob has no vector")
	m5 := NewMemory(alice, "deleted without vector", WithTags("gone"))
	mustInsert(t, s, m1, m2, m3, m4, m5)
	if _, err := s.Delete(ctx, memory.Filter{Owner: alice, Tags: []string{"gone"}}, Epoch, false); err != nil {
		t.Fatal(err)
	}

	pending, err := s.PendingEmbeddings(ctx, aID, 10)
	if got := Hashes(pending...); err != nil || !sameSet(got, Hashes(m2, m3, m4)) {
		t.Errorf("PendingEmbeddings(a)=%d, %v, want m2, m3 and m4", len(got), err)
	}
	if pending, err := s.PendingEmbeddings(ctx, aID, 2); err != nil || len(pending) != 2 {
		t.Errorf("PendingEmbeddings(a, 2)=%d, %v, want 2", len(pending), err)
	}
	qa := FakeVector(32, "vector")
	if got := HitHashes(mustVector(t, s, memory.Filter{Owner: alice}, aID, qa, 10)); !slices.Equal(got, Hashes(m1)) {
		t.Errorf("VectorSearch(a)=%v, want only m1 (others have no vector of a)", got)
	}

	var us []memory.EmbeddingUpdate
	for _, m := range pending {
		us = append(us, memory.EmbeddingUpdate{Owner: m.Owner, Hash: m.Hash, Model: aID, Vector: FakeVector(32, m.Content)})
	}
	us = append(us, memory.EmbeddingUpdate{Owner: alice, Hash: memory.ContentHash("unknown"), Model: aID, Vector: qa})
	if err := s.SetEmbeddings(ctx, us); err != nil {
		t.Fatalf("SetEmbeddings()=%v, want nil", err)
	}
	if pending, err := s.PendingEmbeddings(ctx, aID, 10); err != nil || len(pending) != 0 {
		t.Errorf("PendingEmbeddings(a) after SetEmbeddings=%d, %v, want 0", len(pending), err)
	}
	if pending, err := s.PendingEmbeddings(ctx, bID, 10); err != nil || len(pending) != 4 {
		t.Errorf("PendingEmbeddings(b)=%d, %v, want 4 (all switched to a)", len(pending), err)
	}
	got := mustGet(t, s, alice, m3.Hash)
	if got.EmbeddingModel != aID || !slices.Equal(got.Embedding, FakeVector(32, m3.Content)) {
		t.Errorf("Get(m3)=(%s, %d floats), want the new vector of %s", got.EmbeddingModel, len(got.Embedding), aID)
	}
	if got := HitHashes(mustVector(t, s, memory.Filter{Owner: alice}, aID, qa, 10)); !sameSet(got, Hashes(m1, m2, m3)) {
		t.Errorf("VectorSearch(a)=%v, want m1, m2, m3", got)
	}
	if hits := mustVector(t, s, memory.Filter{Owner: alice}, bID, FakeVector(48, "vector"), 10); len(hits) != 0 {
		t.Errorf("VectorSearch(b)=%d hits, want 0 after the switch", len(hits))
	}
	_, err = s.VectorSearch(ctx, memory.Filter{Owner: alice}, aID, FakeVector(48, "vector"), 10)
	wantCode(t, "VectorSearch(wrong dimension)", err, memory.EInvalid)

	// A model without a vector: the model found nothing to embed. The
	// memory keeps its model, is not pending, and has no vector to find.
	empty := NewMemory(alice, "!!! ???")
	empty.EmbeddingModel = aID
	mustInsert(t, s, empty)
	if got := mustGet(t, s, alice, empty.Hash); got.EmbeddingModel != aID || got.Embedding != nil {
		t.Errorf("Get(model without vector)=(%q, %d floats), want (%q, none)", got.EmbeddingModel, len(got.Embedding), aID)
	}
	if pending, err := s.PendingEmbeddings(ctx, aID, 10); err != nil || len(pending) != 0 {
		t.Errorf("PendingEmbeddings(a) with a model but no vector=%d, %v, want 0", len(pending), err)
	}
	if err := s.SetEmbeddings(ctx, []memory.EmbeddingUpdate{{Owner: alice, Hash: m1.Hash, Model: bID}}); err != nil {
		t.Fatalf("SetEmbeddings(model, no vector)=%v, want nil", err)
	}
	if got := mustGet(t, s, alice, m1.Hash); got.EmbeddingModel != bID || got.Embedding != nil {
		t.Errorf("Get(m1) after SetEmbeddings(b, none)=(%q, %d floats), want (%q, none)", got.EmbeddingModel, len(got.Embedding), bID)
	}
	for _, h := range HitHashes(mustVector(t, s, memory.Filter{Owner: alice}, aID, qa, 10)) {
		if h == m1.Hash || h == empty.Hash {
			t.Errorf("VectorSearch(a) returned %s, which has no vector of a", h)
		}
	}
}
