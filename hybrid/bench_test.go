package hybrid_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/cloudflare"
	"github.com/mcp-memory-go/memory/cloudflare/cfemu"
	"github.com/mcp-memory-go/memory/hybrid"
	"github.com/mcp-memory-go/memory/memorytest"
)

// BenchmarkPush pushes 1,000 queued memories (with 64-d vectors) to the
// emulated account in batches of 100, with no latency and with 50 ms per
// call (a distant Cloudflare region): memories per second reached.
func BenchmarkPush(b *testing.B) {
	for _, latency := range []time.Duration{0, 50 * time.Millisecond} {
		b.Run(fmt.Sprintf("latency=%s", latency), func(b *testing.B) {
			const n = 1000
			total := 0
			for b.Loop() {
				b.StopTimer()
				emu := cfemu.New(cfemu.Options{Latency: latency})
				if err := emu.AddD1(cfemu.TestDatabase); err != nil {
					b.Fatal(err)
				}
				emu.AddIndex(cfemu.TestIndex, 64, "cosine")
				a := &account{emu: emu, cfg: cloudflare.Config{
					APIToken: emu.Token(), AccountID: emu.Account(), D1Database: cfemu.TestDatabase,
					VectorizeIndex: cfemu.TestIndex, IndexModel: fake.Model().Name, BaseURL: emu.URL, RequestsPerSecond: -1,
				}}
				h := a.node(b, filepath.Join(b.TempDir(), "m.db"), func(h *hybrid.Store) { h.Disabled = true })
				ms := make([]*memory.Memory, n)
				for i := range ms {
					ms[i] = memorytest.NewMemory("alice", fmt.Sprintf("benchmark memory number %d about things", i), memorytest.WithEmbedding(fake))
				}
				if err := h.Insert(b.Context(), ms); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				r := mustSync(b, h)
				b.StopTimer()
				if r.Pushed != n {
					b.Fatalf("pushed %d, want %d", r.Pushed, n)
				}
				total += n
				h.Close()
				emu.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "memories/s")
		})
	}
}
