package postgres_test

import (
	"testing"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate/consolidatetest"
	"github.com/mcp-memory-go/memory/memorytest"
)

func TestGraph(t *testing.T) {
	testDSN(t)
	memorytest.RunGraphTests(t, func(t *testing.T) memorytest.GraphBackend { return MustOpenStore(t) })
}

func TestConsolidationState(t *testing.T) {
	testDSN(t)
	consolidatetest.RunStateTests(t, func(t *testing.T) consolidatetest.Backend { return MustOpenStore(t) })
}

func TestReplica(t *testing.T) {
	testDSN(t)
	memorytest.RunReplicaTests(t, func(t *testing.T) memory.Replica { return MustOpenStore(t) })
}

// Memories stored before the schema had revisions read as revised at
// their update time, so that they sync (a copy needs a revision) and a
// later change of either side wins.
func TestReplicaRowsBeforeRevisions(t *testing.T) {
	schema := NewSchema(t)
	s := MustOpenSchema(t, schema)
	m := memorytest.NewMemory("alice", "stored before revisions")
	if err := s.Insert(t.Context(), []*memory.Memory{m}); err != nil {
		t.Fatal(err)
	}
	execSQL(t, "SET search_path = "+schema+", public; UPDATE memories SET revision = 0")
	want := m.UpdatedAt.UnixMilli()
	vs, err := s.Versions(t.Context(), []memory.Key{memory.KeyOf(m)})
	if err != nil || vs[memory.KeyOf(m)].Revision != want {
		t.Fatalf("Versions()=%v, %v; want revision %d (the update time)", vs, err, want)
	}
	newer := memorytest.Copy(m, want+1)
	newer.Tags = []string{"synced"}
	if n, err := s.Put(t.Context(), []*memory.Memory{newer}); err != nil || n != 1 {
		t.Fatalf("Put(newer copy)=%d, %v; want 1", n, err)
	}
	u, err := s.Get(t.Context(), "alice", m.Hash)
	if err != nil || u.Revision != want+1 {
		t.Fatalf("Get()=%+v, %v; want the copy's revision %d", u, err, want+1)
	}
}
