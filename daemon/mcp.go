package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/httperror"
	"github.com/mcp-memory-go/memory/mcpserver"
	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpHandler serves MCP over streamable HTTP (every protocol version the
// SDK speaks) with the same server as stdio. Every request needs a
// principal; a tools/call of a tool that changes memories needs the write
// scope, checked here before the request reaches the SDK (403 with
// WWW-Authenticate: insufficient_scope, as REST answers) and again inside
// the MCP server.
func (d *Daemon) mcpHandler() http.Handler {
	opts := d.cfg.MCP
	opts.RequireAuth = true
	if opts.Version == "" {
		opts.Version = d.cfg.Version
	}
	if opts.Logger == nil {
		opts.Logger = d.cfg.Logger
	}
	srv := mcpserver.New(d.svc, opts)
	sdk := mcpserver.HTTPHandler(srv, &mcp.StreamableHTTPOptions{
		Logger:         d.cfg.Logger,
		SessionTimeout: time.Hour,
		// The Host check of package guard runs first and knows the
		// configured host names; the SDK's own check would refuse them.
		DisableLocalhostProtection: len(d.cfg.AllowedHosts) > 0,
		MaxRequestBodyBytes:        d.cfg.MaxBodyBytes,
	})
	// The SDK takes the caller's identity from a bearer-token middleware;
	// this verifier hands it the principal authenticate already found.
	verify := func(ctx context.Context, _ string, r *http.Request) (*sdkauth.TokenInfo, error) {
		p := auth.FromContext(r.Context())
		if p == nil {
			return nil, sdkauth.ErrInvalidToken
		}
		return &sdkauth.TokenInfo{Scopes: p.Scopes(), UserID: p.Owner, Extra: map[string]any{"principal": p.ID(), "credential": p.Credential()}}, nil
	}
	withToken := sdkauth.RequireBearerToken(verify, &sdkauth.RequireBearerTokenOptions{AllowMissingExpiration: true})(sdk)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.FromContext(r.Context())
		if err := auth.Check(p, auth.ScopeRead); err != nil {
			httperror.Write(w, r, d.cfg.Logger, err)
			return
		}
		if r.Method == http.MethodPost {
			req, need, err := d.mcpScope(r)
			if err == nil {
				err = auth.Check(p, need)
			}
			if err != nil {
				httperror.Write(w, r, d.cfg.Logger, err)
				return
			}
			r = req
		}
		// The SDK sees a placeholder instead of the real secret, which so
		// never reaches request metadata handed to tool handlers.
		r = r.Clone(r.Context())
		r.Header.Del("X-API-Key")
		r.Header.Set("Authorization", "Bearer principal")
		withToken.ServeHTTP(w, r)
	})
}

// mcpScope reads a POST body (already size-limited) and returns r, which
// keeps what was read for the MCP handler, and the scope its messages
// need: the highest any tool call or prompt of the body needs (see
// mcpserver.ToolScope and PromptScope), read otherwise. A body that is not
// JSON-RPC is left for the SDK to refuse.
func (d *Daemon) mcpScope(r *http.Request) (*http.Request, string, error) {
	r, p, err := mcpserver.PeekRequest(r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return r, "", httperror.New(http.StatusRequestEntityTooLarge, memory.ETooLarge, "request body is over the limit of %d bytes", mbe.Limit)
		}
		return r, "", httperror.New(http.StatusBadRequest, memory.EInvalid, "reading the request body failed")
	}
	need := auth.ScopeRead
	raise := func(s string) {
		if slices.Index(auth.Scopes(), s) > slices.Index(auth.Scopes(), need) {
			need = s
		}
	}
	for _, t := range p.Tools {
		raise(mcpserver.ToolScope(t))
	}
	for _, n := range p.Prompts {
		raise(mcpserver.PromptScope(n))
	}
	return r, need, nil
}

// toolList answers GET /mcp/tools (upstream's hooks) with the tools/list
// result, asked of the MCP handler as a sessionless request.
func (d *Daemon) toolList(mcpH http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := httptest.NewRequestWithContext(r.Context(), http.MethodPost, "/mcp",
			strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Host = r.Host
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		mcpH.ServeHTTP(rec, req)
		var resp struct {
			Result json.RawMessage `json:"result"`
		}
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &resp) != nil || len(resp.Result) == 0 {
			httperror.Write(w, r, d.cfg.Logger, fmt.Errorf("tools/list through the MCP handler: HTTP %d: %.200s", rec.Code, rec.Body.String()))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(resp.Result)
	})
}
