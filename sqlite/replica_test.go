package sqlite_test

import (
	"testing"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
)

func TestReplicaContract(t *testing.T) {
	memorytest.RunReplicaTests(t, func(t *testing.T) memory.Replica { return MustOpenStore(t) })
}
