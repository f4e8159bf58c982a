package mcpserver

// Per-request authorization for MCP over HTTP: the transport puts the
// caller's scopes and owner into the request's TokenInfo; this middleware
// makes every tool call need the same scope as its REST counterpart (read
// for read-only tools, write for the rest; upstream let read tokens write,
// CVE-2026-49291), makes a prompt that stores a memory (learning_session)
// need write too, and scopes every handler to the caller's memories.

import (
	"context"
	"slices"
	"strings"
	"sync"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// CodeForbidden is the JSON-RPC error code of a call the caller's scopes do
// not allow (the HTTP transport answers such calls with 403 before they get
// here; this is the second line).
const CodeForbidden = -32003

// toolScopes and promptScopes map every registered tool and prompt to the
// scope it needs; all servers register the same ones.
var toolScopes, promptScopes sync.Map

// ToolScope returns the scope a call of the named tool needs: auth.ScopeRead
// for read-only tools, auth.ScopeWrite for every other tool, including
// unknown names (so nothing new is ever readable by mistake).
func ToolScope(name string) string {
	if s, ok := toolScopes.Load(name); ok {
		return s.(string)
	}
	return auth.ScopeWrite
}

// PromptScope returns the scope a prompts/get of the named prompt needs:
// auth.ScopeRead for prompts that only read memories, auth.ScopeWrite for
// those that store one (learning_session) and for unknown names.
func PromptScope(name string) string {
	if s, ok := promptScopes.Load(name); ok {
		return s.(string)
	}
	return auth.ScopeWrite
}

// setToolScope overrides the scope a tool needs (reading the server's
// files needs admin).
func setToolScope(name, scope string) { toolScopes.Store(name, scope) }

func recordToolScope(name string, ann mcp.ToolAnnotations) {
	scope := auth.ScopeWrite
	if ann.ReadOnlyHint {
		scope = auth.ScopeRead
	}
	toolScopes.Store(name, scope)
}

// authorize enforces TokenInfo scopes and sets the owner. Requests without
// TokenInfo are refused unless the server runs without authentication
// (stdio), where the local owner has every scope.
func authorize(required bool) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			var ti *sdkauth.TokenInfo
			if extra := req.GetExtra(); extra != nil {
				ti = extra.TokenInfo
			}
			ctx = memory.WithProvenance(ctx, provenance(req, ti))
			if ti == nil {
				if required {
					return nil, &jsonrpc.Error{Code: CodeForbidden, Message: "unauthorized: this server needs credentials"}
				}
				return next(ctx, method, req)
			}
			need := auth.ScopeRead
			switch p := req.GetParams().(type) {
			case *mcp.CallToolParamsRaw:
				if method == "tools/call" {
					need = ToolScope(p.Name)
				}
			case *mcp.GetPromptParams:
				if method == "prompts/get" {
					need = PromptScope(p.Name)
				}
			}
			if !hasScope(ti.Scopes, need) {
				return nil, &jsonrpc.Error{Code: CodeForbidden, Message: "insufficient_scope: this call needs the " + need + " scope"}
			}
			if ti.UserID != "" {
				ctx = memory.WithOwner(ctx, ti.UserID)
			}
			return next(ctx, method, req)
		}
	}
}

// provenance describes an MCP request for the memories it stores: the
// client program as it named itself at initialize, and the credential
// the daemon authenticated (stdio has none: "local").
func provenance(req mcp.Request, ti *sdkauth.TokenInfo) memory.Provenance {
	p := memory.Provenance{Via: "mcp", Credential: "local"}
	if ss, ok := req.GetSession().(*mcp.ServerSession); ok && ss != nil {
		if ip := ss.InitializeParams(); ip != nil && ip.ClientInfo != nil {
			p.Client = strings.TrimSpace(ip.ClientInfo.Name + " " + ip.ClientInfo.Version)
		}
	}
	if ti != nil {
		p.Credential, _ = ti.Extra["credential"].(string)
	}
	return p
}

func hasScope(scopes []string, need string) bool { return slices.Contains(scopes, need) }
