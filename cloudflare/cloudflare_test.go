package cloudflare_test

import (
	"testing"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/cloudflare"
	"github.com/mcp-memory-go/memory/cloudflare/cfemu"
	"github.com/mcp-memory-go/memory/memorytest"
)

// env is an emulated account with one database, index and bucket.
type env struct {
	emu *cfemu.Server
	cfg cloudflare.Config
}

const (
	testDB     = cfemu.TestDatabase
	testIndex  = cfemu.TestIndex
	testBucket = cfemu.TestBucket
)

// newEnv starts an emulator with a 64-dimensional cosine index (the fake
// embedder's) and returns a configuration pointing at it.
func newEnv(t testing.TB) *env {
	t.Helper()
	emu, cfg := cfemu.NewAccount(t, 64, memorytest.NewFakeEmbedder(64).Model().Name)
	return &env{emu: emu, cfg: cfg}
}

// open opens a store on the environment.
func (e *env) open(t testing.TB, edit ...func(*cloudflare.Config)) *cloudflare.Store {
	t.Helper()
	cfg := e.cfg
	for _, f := range edit {
		f(&cfg)
	}
	s := cloudflare.New(cfg)
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open()=%v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreContract(t *testing.T) {
	memorytest.RunStoreTests(t, func(t *testing.T) memory.Store { return newEnv(t).open(t) })
}

// Through Vectorize for every search, however few the candidates.
func TestStoreContractVectorize(t *testing.T) {
	memorytest.RunStoreTests(t, func(t *testing.T) memory.Store {
		return newEnv(t).open(t, func(c *cloudflare.Config) { c.ExactCandidates = -1 })
	})
}

func TestReplicaContract(t *testing.T) {
	memorytest.RunReplicaTests(t, func(t *testing.T) memory.Replica { return newEnv(t).open(t) })
}
