// Package bridge turns a stdio MCP server into a thin proxy for a running
// memory daemon (`memory server --connect URL`): every client launches its
// own stdio process, but all of them share the daemon's one store, one
// index and one embedding model. The stdio side answers the handshake
// itself with the daemon's capabilities and forwards every tool, resource,
// prompt and completion request over streamable HTTP.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Options configure a bridge.
type Options struct {
	// URL is the daemon's MCP endpoint, e.g. http://127.0.0.1:8000/mcp.
	URL string
	// APIKey is sent as "Authorization: Bearer <key>" when set.
	APIKey string
	// Name and Version identify the bridge to the daemon and to the client.
	Name, Version string
	Logger        *slog.Logger
	// HTTPClient is used for requests; nil means a client with sane
	// timeouts.
	HTTPClient *http.Client
	// ProtocolVersion pins the MCP revision spoken to the daemon; "" lets
	// the SDK negotiate the newest both sides know.
	ProtocolVersion string
}

// Bridge forwards MCP requests to a daemon, reconnecting once when the
// daemon has restarted.
type Bridge struct {
	opts   Options
	client *mcp.Client

	mu      sync.Mutex
	session *mcp.ClientSession
}

// Connect opens a session with the daemon and returns the bridge and an MCP
// server to run on stdio. It fails fast, with the reason, when the daemon
// cannot be reached or refuses the credentials.
func Connect(ctx context.Context, opts Options) (*Bridge, *mcp.Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Name == "" {
		opts.Name = "memory"
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 5 * time.Minute}
	}
	if opts.APIKey != "" {
		base := opts.HTTPClient.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		c := *opts.HTTPClient
		c.Transport = bearer{key: opts.APIKey, base: base}
		opts.HTTPClient = &c
	}
	b := &Bridge{opts: opts, client: mcp.NewClient(&mcp.Implementation{Name: opts.Name + "-bridge", Version: opts.Version}, nil)}
	cs, err := b.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	b.session = cs
	init := cs.InitializeResult()
	caps := &mcp.ServerCapabilities{}
	if init.Capabilities != nil {
		c := *init.Capabilities
		c.Logging = nil // log records of the daemon are not forwarded
		caps = &c
	}
	name, version := opts.Name, opts.Version
	if init.ServerInfo != nil {
		name, version = init.ServerInfo.Name, init.ServerInfo.Version
	}
	srv := mcp.NewServer(&mcp.Implementation{Name: name, Version: version}, &mcp.ServerOptions{
		Instructions: init.Instructions,
		Capabilities: caps,
		Logger:       opts.Logger,
	})
	srv.AddReceivingMiddleware(b.forward)
	return b, srv, nil
}

func (b *Bridge) connect(ctx context.Context) (*mcp.ClientSession, error) {
	cs, err := b.client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint: b.opts.URL, HTTPClient: b.opts.HTTPClient, DisableStandaloneSSE: true,
	}, &mcp.ClientSessionOptions{ProtocolVersion: b.opts.ProtocolVersion})
	if err != nil {
		return nil, fmt.Errorf("connecting to the memory daemon at %s: %w", b.opts.URL, err)
	}
	return cs, nil
}

// Close ends the session with the daemon.
func (b *Bridge) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.session == nil {
		return nil
	}
	err := b.session.Close()
	b.session = nil
	return err
}

// forward sends the feature requests to the daemon; the handshake, ping and
// notifications stay local.
func (b *Bridge) forward(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		call := remoteCall(method, req.GetParams())
		if call == nil {
			return next(ctx, method, req)
		}
		cs := b.current()
		res, err := call(ctx, cs)
		if err == nil || !b.lost(ctx, err) {
			return res, err
		}
		b.opts.Logger.Warn("lost the memory daemon session; reconnecting", "err", err)
		if cs, err = b.reconnect(ctx, cs); err != nil {
			return nil, err
		}
		return call(ctx, cs)
	}
}

// remoteCall returns how to forward a request, or nil to handle it here.
func remoteCall(method string, params mcp.Params) func(context.Context, *mcp.ClientSession) (mcp.Result, error) {
	switch p := params.(type) {
	case *mcp.ListToolsParams:
		return func(ctx context.Context, cs *mcp.ClientSession) (mcp.Result, error) { return cs.ListTools(ctx, p) }
	case *mcp.CallToolParamsRaw:
		return func(ctx context.Context, cs *mcp.ClientSession) (mcp.Result, error) {
			return cs.CallTool(ctx, &mcp.CallToolParams{Meta: p.Meta, Name: p.Name, Arguments: p.Arguments})
		}
	case *mcp.ListPromptsParams:
		return func(ctx context.Context, cs *mcp.ClientSession) (mcp.Result, error) { return cs.ListPrompts(ctx, p) }
	case *mcp.GetPromptParams:
		return func(ctx context.Context, cs *mcp.ClientSession) (mcp.Result, error) { return cs.GetPrompt(ctx, p) }
	case *mcp.ListResourcesParams:
		return func(ctx context.Context, cs *mcp.ClientSession) (mcp.Result, error) { return cs.ListResources(ctx, p) }
	case *mcp.ListResourceTemplatesParams:
		return func(ctx context.Context, cs *mcp.ClientSession) (mcp.Result, error) {
			return cs.ListResourceTemplates(ctx, p)
		}
	case *mcp.ReadResourceParams:
		return func(ctx context.Context, cs *mcp.ClientSession) (mcp.Result, error) { return cs.ReadResource(ctx, p) }
	case *mcp.CompleteParams:
		return func(ctx context.Context, cs *mcp.ClientSession) (mcp.Result, error) { return cs.Complete(ctx, p) }
	}
	return nil
}

func (b *Bridge) current() *mcp.ClientSession {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.session
}

// lost reports whether err means the daemon was not reached or the session
// is gone (daemon restarted, idle connection closed) rather than an answer
// from the daemon. The SDK reports a request that never got an HTTP answer
// as a JSON-RPC error that wraps the *url.Error, so the network failure is
// looked for first; any other JSON-RPC error is the daemon's answer. Such a
// call is retried once on a new session; a store that did reach the daemon
// before its answer was lost comes back as a duplicate, never twice.
func (b *Bridge) lost(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return true
	}
	var je *jsonrpc.Error
	return !errors.As(err, &je)
}

// reconnect replaces a lost session, once per loss: concurrent callers that
// saw the same lost session share the new one.
func (b *Bridge) reconnect(ctx context.Context, lost *mcp.ClientSession) (*mcp.ClientSession, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.session != lost && b.session != nil {
		return b.session, nil
	}
	cs, err := b.connect(ctx)
	if err != nil {
		return nil, err
	}
	if lost != nil {
		lost.Close()
	}
	b.session = cs
	return cs, nil
}

// bearer adds the API key to every request.
type bearer struct {
	key  string
	base http.RoundTripper
}

func (t bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.key)
	return t.base.RoundTrip(r)
}
