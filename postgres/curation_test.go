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
