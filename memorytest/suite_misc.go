package memorytest

// Contract tests of Tags, Stats, Check and concurrent use.

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
)

func testTags(t *testing.T, s memory.Store) {
	mustInsert(t, s,
		NewMemory(alice, "tagged one", WithTags("a", "b")),
		NewMemory(alice, "tagged two", WithTags("b")),
		NewMemory(alice, "tagged three", WithTags("b", "c", "gone")),
		NewMemory(alice, "tagged four", WithTags("c"), SupersededBy(memory.ContentHash("x"))),
		NewMemory(bob, "bob tagged", WithTags("b", "bob")),
	)
	if _, err := s.Delete(ctxOf(t), memory.Filter{Owner: alice, Tags: []string{"gone"}}, Epoch, false); err != nil {
		t.Fatal(err)
	}
	tags, err := s.Tags(ctxOf(t), alice)
	if err != nil {
		t.Fatalf("Tags()=%v", err)
	}
	got := map[string]int64{}
	for i, tc := range tags {
		got[tc.Tag] = tc.Count
		if i > 0 && tc.Count > tags[i-1].Count {
			t.Errorf("Tags()=%v, want most used first", tags)
		}
	}
	want := map[string]int64{"b": 2, "a": 1, "c": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Tags()=%v, want %v", got, want)
	}
}

func testStats(t *testing.T, s memory.Store) {
	a := NewFakeEmbedder(32)
	mustInsert(t, s,
		NewMemory(alice, "stats one", WithTags("x", "y"), WithEmbedding(a), At(Epoch)),
		NewMemory(alice, "stats two", WithType("decision"), WithTags("y"), At(Epoch.Add(time.Hour))),
		NewMemory(alice, "stats three", SupersededBy(memory.ContentHash("x")), At(Epoch.Add(2*time.Hour))),
		NewMemory(alice, "stats four", WithTags("gone"), At(Epoch.Add(3*time.Hour))),
		NewMemory(bob, "stats bob", WithTags("z"), At(Epoch.Add(-time.Hour))),
	)
	if _, err := s.Delete(ctxOf(t), memory.Filter{Owner: alice, Tags: []string{"gone"}}, Epoch, false); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(ctxOf(t), alice)
	if err != nil {
		t.Fatalf("Stats()=%v", err)
	}
	want := memory.StoreStats{
		Memories: 3, Tombstones: 1, Superseded: 1, UniqueTags: 2,
		Types:  map[string]int64{"note": 2, "decision": 1},
		Models: map[string]int64{a.Model().Name: 1, "": 2},
		Oldest: Epoch, Newest: Epoch.Add(2 * time.Hour),
	}
	checkStats(t, "Stats(alice)", st, want)

	st, err = s.Stats(ctxOf(t), "")
	if err != nil {
		t.Fatalf("Stats(all)=%v", err)
	}
	want = memory.StoreStats{
		Memories: 4, Tombstones: 1, Superseded: 1, UniqueTags: 3,
		Types:  map[string]int64{"note": 3, "decision": 1},
		Models: map[string]int64{a.Model().Name: 1, "": 3},
		Oldest: Epoch.Add(-time.Hour), Newest: Epoch.Add(2 * time.Hour),
	}
	checkStats(t, "Stats(all)", st, want)

	st, err = s.Stats(ctxOf(t), "nobody")
	if err != nil || st.Memories != 0 || !st.Oldest.IsZero() || st.Types == nil || st.Models == nil {
		t.Errorf("Stats(nobody)=%+v, %v, want zero counts and empty maps", st, err)
	}
}

// checkStats compares everything but SizeBytes, which must be >= 0.
func checkStats(t *testing.T, call string, got, want memory.StoreStats) {
	t.Helper()
	if got.SizeBytes < 0 {
		t.Errorf("%s.SizeBytes=%d, want >= 0", call, got.SizeBytes)
	}
	got.SizeBytes = 0
	if !got.Oldest.Equal(want.Oldest) || !got.Newest.Equal(want.Newest) {
		t.Errorf("%s oldest, newest=%v, %v, want %v, %v", call, got.Oldest, got.Newest, want.Oldest, want.Newest)
	}
	got.Oldest, got.Newest, want.Oldest, want.Newest = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("%s=%+v, want %+v", call, got, want)
	}
}

func testCheck(t *testing.T, s memory.Store) {
	mustInsert(t, s, NewMemory(alice, "healthy"))
	if err := s.Check(ctxOf(t)); err != nil {
		t.Errorf("Check()=%v, want nil", err)
	}
}

func testConcurrent(t *testing.T, s memory.Store) {
	const writers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers*each)
	f := memory.Filter{Owner: alice}
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				m := NewMemory(alice, fmt.Sprintf("concurrent memory %d %d", w, i), WithTags(fmt.Sprint("w", w)), WithEmbedding(fake))
				if err := s.Insert(ctxOf(t), []*memory.Memory{m}); err != nil {
					errs <- err
				}
			}
		})
		wg.Go(func() {
			for range each {
				if _, err := s.VectorSearch(ctxOf(t), f, fakeID, embed("concurrent memory"), 5); err != nil {
					errs <- err
				}
				if _, err := s.KeywordSearch(ctxOf(t), f, []string{"concurrent"}, 5); err != nil {
					errs <- err
				}
				if err := s.Touch(ctxOf(t), alice, []string{memory.ContentHash(fmt.Sprintf("concurrent memory %d 0", w))}, Epoch); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent call=%v, want nil", err)
	}
	if _, total := mustFind(t, s, f, memory.Page{}); total != writers*each {
		t.Errorf("Find() total=%d, want %d", total, writers*each)
	}
	if hits := mustVector(t, s, f, fakeID, embed("concurrent memory"), 1000); len(hits) != writers*each {
		t.Errorf("VectorSearch()=%d hits, want %d", len(hits), writers*each)
	}
}
