package mcpserver

import (
	"bytes"
	"context"
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
		r, rt := route(r)
		switch rt {
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

// Peek is what the body of an MCP POST asks for, read before the SDK sees
// it: for scope checks (Tools, Prompts) and for choosing the handler.
type Peek struct {
	// Tools names every tool a tools/call message of the body calls, and
	// Prompts every prompt a prompts/get message asks for (batches
	// included).
	Tools, Prompts []string
	// Method and HasID describe a single message; MetaVersion is the
	// protocol version in its _meta, if any.
	Method      string
	HasID       bool
	MetaVersion string
	// Single is false for batches and bodies that are not JSON-RPC.
	Single bool
}

type peekKey struct{}

// PeekRequest reads the body of a POST (it stays readable) and returns r
// carrying the Peek, so that HTTPHandler does not parse it again. Errors
// are those of reading the body (such as *http.MaxBytesError).
//
// Keys are matched exactly, as the SDK matches them: encoding/json's
// case-insensitive struct matching would let {"name":"memory_store",
// "Name":"memory_search"} pass a scope check as the read-only tool while
// the SDK calls the other.
func PeekRequest(r *http.Request) (*http.Request, Peek, error) {
	if p, ok := r.Context().Value(peekKey{}).(Peek); ok {
		return r, p, nil
	}
	var p Peek
	if r.Method != http.MethodPost || r.Body == nil {
		return r, p, nil
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return r, p, err
	}
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
		var msgs []json.RawMessage
		json.Unmarshal(t, &msgs)
		for _, raw := range msgs {
			m := object(raw)
			method, _ := str(m["method"])
			p.call(method, object(m["params"]))
		}
	} else if m := object(t); m != nil {
		p.Single = true
		p.Method, _ = str(m["method"])
		_, p.HasID = m["id"]
		params := object(m["params"])
		p.MetaVersion, _ = str(object(params["_meta"])[mcp.MetaKeyProtocolVersion])
		p.call(p.Method, params)
	}
	return r.WithContext(context.WithValue(r.Context(), peekKey{}, p)), p, nil
}

// call records the tool or prompt a message of method with params names.
func (p *Peek) call(method string, params map[string]json.RawMessage) {
	name, _ := str(params["name"])
	switch method {
	case "tools/call":
		p.Tools = append(p.Tools, name)
	case "prompts/get":
		p.Prompts = append(p.Prompts, name)
	}
}

// object decodes a JSON object with its keys as written; nil if b is not
// one.
func object(b []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

// str decodes a JSON string.
func str(b []byte) (string, bool) {
	var s string
	return s, json.Unmarshal(b, &s) == nil
}

// route decides which handler serves r.
func route(r *http.Request) (*http.Request, int) {
	if v := r.Header.Get("Mcp-Protocol-Version"); v != "" && v >= modernVersion {
		return r, routeModern
	}
	r, p, err := PeekRequest(r)
	if err != nil || !p.Single {
		return r, routeSession // batches and garbage: the session handler answers
	}
	// No header: a modern request still carries its version in _meta (the
	// stateless handler then explains that the header is required).
	if p.MetaVersion >= modernVersion {
		return r, routeModern
	}
	if r.Header.Get("Mcp-Session-Id") == "" && p.HasID && p.Method != "" && p.Method != "initialize" {
		return r, routeSessionless
	}
	return r, routeSession
}
