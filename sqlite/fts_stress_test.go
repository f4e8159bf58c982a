package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
)

// TestFullTextIndexFollowsEveryWrite runs a seeded random mix of every kind
// of write (insert, revive a tombstone, update, delete, archive, restore,
// copies from another replica, live and deleted) and then checks that the
// full-text index holds exactly the live memories (writes come through two
// stores on one file, while two readers search): FTS5's integrity check
// passes and a keyword search for each memory's own word finds it if and
// only if it is live.
func TestFullTextIndexFollowsEveryWrite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := MustOpenStorePath(t, path)
	// A second store on the file stands for another process: writes go
	// through either.
	other := MustOpenStorePath(t, path)
	rng := rand.New(rand.NewPCG(7, 11))
	const n = 40
	word := func(i int) string { return fmt.Sprintf("zq%dword", i) }
	mem := func(i int, at time.Time) *memory.Memory {
		c := fmt.Sprintf("memory %d mentions %s", i, word(i))
		return &memory.Memory{Owner: "alice", Hash: memory.ContentHash(c), Content: c, Type: "note",
			Tags: []string{fmt.Sprintf("t%d", i%5)}, CreatedAt: at, UpdatedAt: at, Quality: 0.5}
	}
	// Readers search all along, on their own connections, as a daemon's
	// requests do while another writes.
	stop := make(chan struct{})
	readErr := make(chan error, 2)
	for r := range 2 {
		go func() {
			for k := 0; ; k++ {
				select {
				case <-stop:
					readErr <- nil
					return
				default:
				}
				terms := []string{"memory", "mentions", word((k + r) % n)}
				if _, err := s.KeywordSearch(ctx, memory.Filter{Owner: "alice"}, terms, 10); err != nil {
					readErr <- err
					return
				}
			}
		}()
	}
	live := map[int]bool{}
	archived := map[int]bool{}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for step := range 3000 {
		i := rng.IntN(n)
		at := t0.Add(time.Duration(step) * time.Second)
		s := s
		if rng.IntN(2) == 0 {
			s = other
		}
		m := mem(i, at)
		switch op := rng.IntN(7); {
		case op == 0 && !live[i] && !archived[i]:
			if err := s.Insert(ctx, []*memory.Memory{m}); err != nil {
				t.Fatalf("step %d insert %d: %v", step, i, err)
			}
			live[i] = true
		case op == 1 && live[i]:
			got, err := s.Get(ctx, "alice", m.Hash)
			if err != nil {
				t.Fatal(err)
			}
			got.Tags, got.UpdatedAt = append(got.Tags, "edited"), at
			if err := s.Update(ctx, got); err != nil {
				t.Fatalf("step %d update %d: %v", step, i, err)
			}
		case op == 2 && live[i]:
			if _, err := s.Delete(ctx, memory.Filter{Owner: "alice", Hashes: []string{m.Hash}}, at, false); err != nil {
				t.Fatalf("step %d delete %d: %v", step, i, err)
			}
			live[i] = false
		case op == 3 && live[i]:
			if _, err := s.Archive(ctx, "alice", []string{m.Hash}, at, "test"); err != nil {
				t.Fatalf("step %d archive %d: %v", step, i, err)
			}
			live[i], archived[i] = false, true
		case op == 4 && archived[i]:
			if _, err := s.Restore(ctx, "alice", []string{m.Hash}); err != nil {
				t.Fatalf("step %d restore %d: %v", step, i, err)
			}
			live[i], archived[i] = true, false
		case op == 5 && !archived[i]:
			// A copy from another replica, newer than anything here.
			m.Revision = time.Now().Add(time.Hour).UnixMilli() + int64(step)
			deleted := rng.IntN(2) == 0
			if deleted {
				m.DeletedAt = at
			}
			if _, err := s.Put(ctx, []*memory.Memory{m}); err != nil {
				t.Fatalf("step %d put %d: %v", step, i, err)
			}
			live[i] = !deleted
		case op == 6:
			if _, err := s.KeywordSearch(ctx, memory.Filter{Owner: "alice"}, []string{word(i)}, 5); err != nil {
				t.Fatalf("step %d search: %v", step, err)
			}
		}
	}
	close(stop)
	for range 2 {
		if err := <-readErr; err != nil {
			t.Fatalf("a concurrent keyword search: %v", err)
		}
	}
	if err := s.CheckFTS(ctx); err != nil {
		t.Fatalf("FTS5 integrity check: %v", err)
	}
	for i := range n {
		hits, err := s.KeywordSearch(ctx, memory.Filter{Owner: "alice"}, []string{word(i)}, 5)
		if err != nil {
			t.Fatal(err)
		}
		if found := len(hits) == 1; found != live[i] {
			t.Errorf("memory %d: found by keyword %v (%d hits), live %v", i, found, len(hits), live[i])
		}
	}
}
