package mcpserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

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
// protocol version in a request's _meta. A POST of a request other than
// initialize without a session (upstream's hooks call tools/call on /mcp
// that way) is served statelessly too, in plain JSON unless the client
// accepts an event stream. Opts configure every handler.
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
	o.JSONResponse = true
	statelessJSON := mcp.NewStreamableHTTPHandler(get, &o)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch route(r) {
		case routeModern:
			stateless.ServeHTTP(w, r)
		case routeSessionless:
			if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
				// The SDK wants both types accepted; a plain JSON client
				// gets plain JSON.
				r.Header.Set("Accept", "application/json, text/event-stream")
				statelessJSON.ServeHTTP(w, r)
				return
			}
			stateless.ServeHTTP(w, r)
		default:
			stateful.ServeHTTP(w, r)
		}
	})
}

const (
	routeSession = iota
	routeModern
	routeSessionless
)

// route decides which handler serves r.
func route(r *http.Request) int {
	if v := r.Header.Get("Mcp-Protocol-Version"); v != "" && v >= modernVersion {
		return routeModern
	}
	if r.Method != http.MethodPost || r.Body == nil {
		return routeSession
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return routeSession
	}
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params struct {
			Meta map[string]any `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil {
		return routeSession // batches and garbage: the session handler answers
	}
	// No header: a modern request still carries its version in _meta (the
	// stateless handler then explains that the header is required).
	if v, _ := msg.Params.Meta[mcp.MetaKeyProtocolVersion].(string); v >= modernVersion {
		return routeModern
	}
	if r.Header.Get("Mcp-Session-Id") == "" && len(msg.ID) > 0 && msg.Method != "" && msg.Method != "initialize" {
		return routeSessionless
	}
	return routeSession
}
