package mcpserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// modernVersion is the first MCP revision without sessions (2026-07-28):
// no initialize handshake, the version in every request.
const modernVersion = "2026-07-28"

// HTTPHandler serves srv over streamable HTTP to clients of every protocol
// revision the SDK speaks. The SDK serves 2026-07-28 (stateless) only in
// stateless mode and the 2024–2025 revisions (sessions, GET streams,
// server-to-client requests) only in stateful mode, so requests are routed
// by the revision they declare: the MCP-Protocol-Version header, or the
// protocol version in a request's _meta. Opts configure both handlers
// (Stateless is set per handler).
func HTTPHandler(srv *mcp.Server, opts *mcp.StreamableHTTPOptions) http.Handler {
	var o mcp.StreamableHTTPOptions
	if opts != nil {
		o = *opts
	}
	get := func(*http.Request) *mcp.Server { return srv }
	o.Stateless = false
	stateful := mcp.NewStreamableHTTPHandler(get, &o)
	o.Stateless = true
	stateless := mcp.NewStreamableHTTPHandler(get, &o)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if modern(r) {
			stateless.ServeHTTP(w, r)
		} else {
			stateful.ServeHTTP(w, r)
		}
	})
}

// modern reports whether r follows the 2026-07-28 revision or later.
func modern(r *http.Request) bool {
	if v := r.Header.Get("Mcp-Protocol-Version"); v != "" {
		return v >= modernVersion
	}
	if r.Method != http.MethodPost || r.Body == nil {
		return false
	}
	// No header: a modern request still carries its version in _meta (the
	// stateless handler then explains that the header is required).
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false
	}
	var msg struct {
		Params struct {
			Meta map[string]any `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil {
		return false
	}
	v, _ := msg.Params.Meta[mcp.MetaKeyProtocolVersion].(string)
	return v >= modernVersion
}
