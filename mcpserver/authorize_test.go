package mcpserver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/mcpserver"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/sqlite"
	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestAuthorizeInsideTheServer checks the second line of scope checks, in
// the MCP server itself, without the daemon's HTTP check in front: the
// bearer token names a scope and an owner, and every tool call and
// prompt needs its scope and acts as that owner.
func TestAuthorizeInsideTheServer(t *testing.T) {
	ctx := context.Background()
	st := sqlite.New(filepath.Join(t.TempDir(), "m.db"))
	if err := st.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := memory.NewService(st, memorytest.NewFakeEmbedder(32))
	srv := mcpserver.New(svc, mcpserver.Options{RequireAuth: true})
	// The token is the scope; every caller is alice.
	verify := func(_ context.Context, token string, _ *http.Request) (*sdkauth.TokenInfo, error) {
		if !auth.ValidScope(token) {
			return nil, sdkauth.ErrInvalidToken
		}
		return &sdkauth.TokenInfo{Scopes: auth.Implied(token), UserID: "alice"}, nil
	}
	h := sdkauth.RequireBearerToken(verify, &sdkauth.RequireBearerTokenOptions{AllowMissingExpiration: true})(
		mcpserver.HTTPHandler(srv, &mcp.StreamableHTTPOptions{}))
	hs := httptest.NewServer(h)
	defer hs.Close()
	connect := func(scope string) *mcp.ClientSession {
		t.Helper()
		hc := &http.Client{Transport: bearer(scope)}
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx,
			&mcp.StreamableClientTransport{Endpoint: hs.URL, HTTPClient: hc}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cs.Close() })
		return cs
	}
	read, write := connect(auth.ScopeRead), connect(auth.ScopeWrite)

	refused := func(err error) bool {
		return err != nil && strings.Contains(err.Error(), "insufficient_scope")
	}
	if _, err := read.CallTool(ctx, &mcp.CallToolParams{Name: "memory_store", Arguments: map[string]any{"content": "read scope write"}}); !refused(err) {
		t.Errorf("memory_store with read scope: %v, want insufficient_scope", err)
	}
	if _, err := read.GetPrompt(ctx, &mcp.GetPromptParams{Name: "learning_session", Arguments: map[string]string{"topic": "t", "key_points": "read scope write"}}); !refused(err) {
		t.Errorf("learning_session with read scope: %v, want insufficient_scope", err)
	}
	if _, err := read.GetPrompt(ctx, &mcp.GetPromptParams{Name: "knowledge_export", Arguments: map[string]string{"format": "text"}}); err != nil {
		t.Errorf("knowledge_export with read scope: %v", err)
	}
	if res, err := read.CallTool(ctx, &mcp.CallToolParams{Name: "memory_search", Arguments: map[string]any{"query": "x"}}); err != nil || res.IsError {
		t.Errorf("memory_search with read scope: %v %+v", err, res)
	}
	if res, err := write.CallTool(ctx, &mcp.CallToolParams{Name: "memory_store", Arguments: map[string]any{"content": "alice's own note"}}); err != nil || res.IsError {
		t.Fatalf("memory_store with write scope: %v %+v", err, res)
	}
	if _, err := write.GetPrompt(ctx, &mcp.GetPromptParams{Name: "learning_session", Arguments: map[string]string{"topic": "t", "key_points": "write scope"}}); err != nil {
		t.Errorf("learning_session with write scope: %v", err)
	}
	if found, _ := svc.Search(ctx, memory.SearchRequest{Query: "read scope write", Mode: memory.ModeExact}); found.Count != 0 {
		t.Error("a read scope stored a memory")
	}
	// What the write scope stored belongs to the token's user.
	if _, err := st.Get(ctx, "alice", memory.ContentHash("alice's own note")); err != nil {
		t.Errorf("the memory is not alice's: %v", err)
	}
	for name, want := range map[string]string{"learning_session": auth.ScopeWrite, "memory_review": auth.ScopeRead,
		"knowledge_export": auth.ScopeRead, "no_such_prompt": auth.ScopeWrite} {
		if got := mcpserver.PromptScope(name); got != want {
			t.Errorf("PromptScope(%s)=%s, want %s", name, got, want)
		}
	}
}

type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}
