package bridge_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/bridge"
	"github.com/mcp-memory-go/memory/mcpserver"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// daemon serves the MCP server over streamable HTTP on addr ("" = any free
// loopback port) and returns its address and a stop function. It records
// the Authorization header of the last request.
func daemon(t *testing.T, svc *memory.Service, addr string, lastAuth *string) (string, func()) {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := mcpserver.New(svc, mcpserver.Options{Version: "test"})
	h := mcpserver.HTTPHandler(srv, nil)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if lastAuth != nil {
			*lastAuth = r.Header.Get("Authorization")
		}
		h.ServeHTTP(w, r)
	})}
	go hs.Serve(ln)
	return ln.Addr().String(), func() { hs.Close() }
}

func newService(t *testing.T) *memory.Service {
	t.Helper()
	st := sqlite.New(filepath.Join(t.TempDir(), "m.db"))
	if err := st.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return memory.NewService(st, memorytest.NewFakeEmbedder(32))
}

// connect runs a bridge to url and returns a client session on its stdio
// side (through in-memory transports).
func connect(t *testing.T, opts bridge.Options) *mcp.ClientSession {
	t.Helper()
	ctx := context.Background()
	b, srv, err := bridge.Connect(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	st, ct := mcp.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "client", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close(); ss.Wait(); b.Close() })
	return cs
}

func TestBridgeForwardsToolsResourcesAndPrompts(t *testing.T) {
	svc := newService(t)
	var lastAuth string
	addr, stop := daemon(t, svc, "", &lastAuth)
	defer stop()
	cs := connect(t, bridge.Options{URL: "http://" + addr + "/mcp", APIKey: "secret-key-for-test"})
	ctx := context.Background()

	if cs.InitializeResult().Capabilities.Tools == nil || cs.InitializeResult().Capabilities.Resources == nil {
		t.Fatalf("bridge does not advertise the daemon's capabilities: %+v", cs.InitializeResult().Capabilities)
	}
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.Tools) != 15 {
		t.Errorf("tools/list through the bridge: %d tools, want the daemon's 15", len(tools.Tools))
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "memory_store", Arguments: map[string]any{"content": "the bridge stores into the daemon", "tags": []string{"bridge"}}})
	if err != nil || res.IsError {
		t.Fatalf("store through the bridge: %v %+v", err, res)
	}
	if lastAuth != "Bearer secret-key-for-test" {
		t.Errorf("daemon saw Authorization %q", lastAuth)
	}
	// The memory is in the daemon's store, visible to the daemon directly.
	found, err := svc.Search(ctx, memory.SearchRequest{Query: "bridge stores", Mode: memory.ModeKeyword})
	if err != nil || found.Count != 1 {
		t.Fatalf("daemon store after a bridged store: %v %+v", err, found)
	}
	// Hidden legacy names still work through the bridge.
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "retrieve_memory", Arguments: map[string]any{"query": "bridge"}})
	if err != nil || res.IsError {
		t.Fatalf("legacy tool through the bridge: %v %+v", err, res)
	}
	// Tool errors come back as tool errors, not transport failures.
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "memory_store", Arguments: map[string]any{"content": ""}})
	if err != nil || !res.IsError {
		t.Fatalf("bad input through the bridge: err %v, result %+v", err, res)
	}
	rs, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "memory://stats"})
	if err != nil || len(rs.Contents) == 0 || !strings.Contains(rs.Contents[0].Text, "total_memories") {
		t.Fatalf("resource through the bridge: %v %+v", err, rs)
	}
	ps, err := cs.ListPrompts(ctx, nil)
	if err != nil || len(ps.Prompts) == 0 {
		t.Fatalf("prompts through the bridge: %v %+v", err, ps)
	}
}

func TestBridgeReconnectsAfterDaemonRestart(t *testing.T) {
	for _, version := range []string{"", "2025-11-25"} { // stateless and session-based
		t.Run("version="+version, func(t *testing.T) { testReconnect(t, version) })
	}
}

func testReconnect(t *testing.T, version string) {
	svc := newService(t)
	addr, stop := daemon(t, svc, "", nil)
	cs := connect(t, bridge.Options{URL: "http://" + addr + "/mcp", ProtocolVersion: version, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	ctx := context.Background()
	if _, err := cs.ListTools(ctx, nil); err != nil {
		t.Fatal(err)
	}
	stop() // the daemon restarts: its sessions are gone
	_, stop = daemon(t, svc, addr, nil)
	defer stop()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "memory_store", Arguments: map[string]any{"content": "stored after the daemon restarted"}})
	if err != nil || res.IsError {
		t.Fatalf("call after a daemon restart: %v %+v", err, res)
	}
}

// flaky fails the next request with io.EOF once armed, as a keep-alive
// connection the daemon closed does when the client reuses it.
type flaky struct {
	armed atomic.Bool
}

func (f *flaky) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.armed.CompareAndSwap(true, false) {
		return nil, io.EOF
	}
	return http.DefaultTransport.RoundTrip(r)
}

// A request that dies on a stale connection is not the daemon's answer: the
// bridge reconnects and retries it instead of failing the client's call.
func TestBridgeRetriesARequestLostOnAStaleConnection(t *testing.T) {
	for _, version := range []string{"", "2025-11-25"} {
		t.Run("version="+version, func(t *testing.T) {
			svc := newService(t)
			addr, stop := daemon(t, svc, "", nil)
			defer stop()
			tr := &flaky{}
			cs := connect(t, bridge.Options{URL: "http://" + addr + "/mcp", ProtocolVersion: version, HTTPClient: &http.Client{Transport: tr}})
			tr.armed.Store(true)
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "memory_store", Arguments: map[string]any{"content": "stored despite a stale connection"}})
			if err != nil || res.IsError {
				t.Fatalf("call over a stale connection: %v %+v", err, res)
			}
			if tr.armed.Load() {
				t.Fatal("the injected failure was never hit")
			}
			found, err := svc.Search(context.Background(), memory.SearchRequest{Query: "stale connection", Mode: memory.ModeKeyword})
			if err != nil || found.Count != 1 {
				t.Fatalf("stored once: %v %+v", err, found)
			}
		})
	}
}

func TestBridgeFailsFastWithoutDaemon(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, _, err := bridge.Connect(context.Background(), bridge.Options{URL: "http://" + addr + "/mcp"})
	if err == nil || !strings.Contains(err.Error(), "connecting to the memory daemon") {
		t.Fatalf("Connect to nothing: %v", err)
	}
}
