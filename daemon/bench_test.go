package daemon_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/daemon"
	"github.com/mcp-memory-go/memory/embed/glove"
	"github.com/mcp-memory-go/memory/sqlite"
)

// BenchmarkHTTPSearch measures searches through the whole daemon (key
// check, middleware, REST or MCP, query embedding with the built-in model,
// hybrid search) over loopback HTTP from 10 concurrent clients on 10k
// synthetic memories; p50 and p99 are reported as metrics, and
// searches/s as the inverse of ns/op.
func BenchmarkHTTPSearch(b *testing.B) {
	ctx := context.Background()
	st := sqlite.New(filepath.Join(b.TempDir(), "bench.db"))
	if err := st.Open(ctx); err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc := memory.NewService(st, glove.New())
	svc.RecordAccess = false
	words, err := os.ReadFile("../testdata/benchwords.txt")
	if err != nil {
		b.Fatal(err)
	}
	vocab := strings.Fields(string(words))
	r := rand.New(rand.NewPCG(1, 1))
	z := rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))
	text := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = vocab[z.Uint64()]
		}
		return strings.Join(w, " ")
	}
	for i := 0; i < 10_000; i += 1000 {
		reqs := make([]memory.StoreRequest, 1000)
		for j := range reqs {
			reqs[j] = memory.StoreRequest{Content: fmt.Sprintf("%s %d", text(10+r.IntN(13)), i+j)}
		}
		if _, err := svc.StoreBatch(ctx, reqs); err != nil {
			b.Fatal(err)
		}
	}
	st.Preload(ctx)
	k, key, _ := auth.NewKey("bench", memory.LocalOwner, auth.ScopeRead, time.Now(), 0)
	st.CreateKey(ctx, k)
	d, err := daemon.New(ctx, svc, &auth.Authenticator{Keys: st}, daemon.Config{RateLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go d.Serve(sctx, ln)
	base := "http://" + ln.Addr().String()
	queries := make([]string, 200)
	for i := range queries {
		queries[i] = text(3)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	for _, api := range []string{"rest", "mcp"} {
		b.Run(api, func(b *testing.B) {
			var (
				mu   sync.Mutex
				lat  []time.Duration
				next int
			)
			b.SetParallelism(5) // 2 cores × 5 = 10 concurrent clients
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					mu.Lock()
					q := queries[next%len(queries)]
					next++
					mu.Unlock()
					var req *http.Request
					if api == "rest" {
						req, _ = http.NewRequest("POST", base+"/api/search", strings.NewReader(fmt.Sprintf(`{"query":%q,"n_results":10}`, q)))
					} else {
						req, _ = http.NewRequest("POST", base+"/mcp", bytes.NewReader(fmt.Appendf(nil,
							`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"memory_search","arguments":{"query":%q,"limit":10}}}`, q)))
					}
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+key)
					t0 := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("HTTP %d", resp.StatusCode)
						return
					}
					mu.Lock()
					lat = append(lat, time.Since(t0))
					mu.Unlock()
				}
			})
			b.StopTimer()
			slices.Sort(lat)
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			}
		})
	}
}
