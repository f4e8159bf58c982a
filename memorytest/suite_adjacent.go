package memorytest

// The Store contract of Adjacent: the memories stored just before and after
// others.

import (
	"slices"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
)

func testAdjacent(t *testing.T, s memory.Store) {
	at := func(sec int) Option { return At(Epoch.Add(time.Duration(sec) * time.Second)) }
	a := NewMemory(alice, "first turn", at(0))
	b := NewMemory(alice, "second turn", at(1), WithTags("x"))
	// c and d share a creation time: insertion order breaks the tie.
	c := NewMemory(alice, "third turn", at(2))
	d := NewMemory(alice, "fourth turn", at(2), WithTags("x"))
	e := NewMemory(alice, "fifth turn", at(3))
	late := NewMemory(alice, "a day later", at(86400))
	gone := NewMemory(alice, "deleted turn", at(1))
	other := NewMemory(bob, "bob's turn", at(2))
	mustInsert(t, s, a, b, c)
	mustInsert(t, s, d, e, late, gone, other)
	if _, err := s.Delete(t.Context(), memory.Filter{Owner: alice, Hashes: []string{gone.Hash}}, Epoch, false); err != nil {
		t.Fatalf("Delete()=%v, want nil", err)
	}
	f := memory.Filter{Owner: alice}
	tests := []struct {
		name          string
		f             memory.Filter
		hash          string
		n             int
		window        time.Duration
		before, after []*memory.Memory
	}{
		{"middle", f, c.Hash, 2, time.Hour, []*memory.Memory{b, a}, []*memory.Memory{d, e}},
		{"n=1", f, c.Hash, 1, time.Hour, []*memory.Memory{b}, []*memory.Memory{d}},
		{"tie after", f, d.Hash, 1, time.Hour, []*memory.Memory{c}, []*memory.Memory{e}},
		{"first", f, a.Hash, 2, time.Hour, nil, []*memory.Memory{b, c}},
		{"window", f, e.Hash, 3, time.Hour, []*memory.Memory{d, c, b}, nil},
		{"window closes the gap", f, late.Hash, 2, time.Hour, nil, nil},
		{"unbounded window", f, late.Hash, 2, 0, []*memory.Memory{e, d}, nil},
		{"filter applies to the neighbours", memory.Filter{Owner: alice, Tags: []string{"x"}}, c.Hash, 2, time.Hour, []*memory.Memory{b}, []*memory.Memory{d}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Adjacent(t.Context(), tt.f, []string{tt.hash, "unknown"}, tt.n, tt.window)
			if err != nil {
				t.Fatalf("Adjacent()=%v, want nil error", err)
			}
			if len(got) != 1 {
				t.Fatalf("Adjacent() found %d memories, want 1 (unknown hashes are absent)", len(got))
			}
			adj, ok := got[tt.hash]
			if !ok {
				t.Fatalf("Adjacent() has no entry for the memory")
			}
			if g, w := Hashes(adj.Before...), Hashes(tt.before...); !slices.Equal(g, w) {
				t.Errorf("Adjacent().Before=%.8q, want %.8q", g, w)
			}
			if g, w := Hashes(adj.After...), Hashes(tt.after...); !slices.Equal(g, w) {
				t.Errorf("Adjacent().After=%.8q, want %.8q", g, w)
			}
			for _, m := range append(adj.Before, adj.After...) {
				if m.Owner != alice || m.Content == "" || m.Tags == nil {
					t.Errorf("Adjacent() returned %+v, want a whole memory of %s", m, alice)
				}
			}
		})
	}
	t.Run("several and deleted", func(t *testing.T) {
		got, err := s.Adjacent(t.Context(), f, []string{a.Hash, e.Hash, gone.Hash, other.Hash}, 1, time.Hour)
		if err != nil {
			t.Fatalf("Adjacent()=%v, want nil error", err)
		}
		if len(got) != 2 || len(got[a.Hash].After) != 1 || len(got[e.Hash].Before) != 1 {
			t.Errorf("Adjacent(a, e, deleted, bob's)=%v, want entries for a and e only", got)
		}
	})
	for _, bad := range []struct {
		n      int
		window time.Duration
	}{{0, time.Hour}, {1, -time.Second}} {
		if _, err := s.Adjacent(t.Context(), f, []string{a.Hash}, bad.n, bad.window); memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("Adjacent(n=%d, window=%s)=%v, want EInvalid", bad.n, bad.window, err)
		}
	}
	if _, err := s.Adjacent(t.Context(), memory.Filter{}, []string{a.Hash}, 1, 0); memory.ErrorCode(err) != memory.EInvalid {
		t.Errorf("Adjacent(no owner)=%v, want EInvalid", err)
	}
}
