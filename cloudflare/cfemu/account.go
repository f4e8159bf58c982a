package cfemu

import (
	"testing"
	"time"

	"github.com/mcp-memory-go/memory/cloudflare"
)

// Names of the resources NewAccount creates.
const (
	TestDatabase = "11111111-2222-3333-4444-555555555555"
	TestIndex    = "memories"
	TestBucket   = "memories"
)

// NewAccount starts an emulator holding one D1 database, one cosine
// Vectorize index of dims dimensions for vectors of model, and one R2
// bucket, and returns it with a cloudflare.Config that reaches it (no
// pacing, short retry delays). The emulator stops when the test ends.
func NewAccount(t testing.TB, dims int, model string) (*Server, cloudflare.Config) {
	t.Helper()
	return NewAccountWith(t, Options{}, dims, model)
}

// NewAccountWith is NewAccount with emulator options (rate limit,
// latency).
func NewAccountWith(t testing.TB, opts Options, dims int, model string) (*Server, cloudflare.Config) {
	t.Helper()
	emu := New(opts)
	t.Cleanup(emu.Close)
	if err := emu.AddD1(TestDatabase); err != nil {
		t.Fatal(err)
	}
	emu.AddIndex(TestIndex, dims, "cosine")
	emu.AddBucket(TestBucket)
	return emu, cloudflare.Config{
		APIToken: emu.Token(), AccountID: emu.Account(), D1Database: TestDatabase,
		VectorizeIndex: TestIndex, IndexModel: model, R2Bucket: TestBucket, BaseURL: emu.URL,
		RequestsPerSecond: -1, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond,
	}
}
