// Package mcpserver exposes the memory service over the Model Context
// Protocol with the official go-sdk: upstream's v10 tools (memory_store,
// memory_search, …) with typed arguments, output schemas, structured content
// and a short text; the v8 tool names as aliases; resources and prompts. The
// same *mcp.Server serves stdio and streamable HTTP.
package mcpserver

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"
	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/ingest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Options configure the MCP server. The zero value is usable.
type Options struct {
	// Name and Version identify the server in the initialize answer.
	Name, Version string
	Logger        *slog.Logger
	// ListLegacyTools lists the v8 tool names in tools/list. They are
	// always callable; by default they are hidden, as upstream hides them,
	// to keep the tool list short for the model.
	ListLegacyTools bool
	// MaxResponseChars is the default cut-off of search answers (0: none).
	MaxResponseChars int
	// OnInitialized runs (in its own goroutine) once a client has completed
	// the handshake: the place to warm slow things up without delaying it.
	OnInitialized func(ctx context.Context)
	// OnToolsRegistered, if set, runs once every tool (v8 aliases
	// included) is registered; New registers them in the background.
	OnToolsRegistered func()
	// Ingest, if set, offers memory_ingest (and the v8 ingest_document and
	// ingest_directory), reading files through IngestRoots only.
	Ingest      *ingest.Manager
	IngestRoots *ingest.Roots
	// Consolidator, if set, offers memory_consolidate (and its v8 names)
	// and memory_quality's maintain actions.
	Consolidator *consolidate.Consolidator
	// RequireAuth refuses requests that carry no token information; set it
	// when serving HTTP with authentication. Scopes are enforced whenever a
	// request carries token information (see ToolScope).
	RequireAuth bool
}

type handlers struct {
	svc  *memory.Service
	opts Options
	log  *slog.Logger
}

// New returns an MCP server backed by svc.
func New(svc *memory.Service, opts Options) *mcp.Server {
	if opts.Name == "" {
		opts.Name = "memory"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	h := &handlers{svc: svc, opts: opts, log: opts.Logger}
	s := mcp.NewServer(&mcp.Implementation{Name: opts.Name, Title: "MCP Memory Service", Version: opts.Version}, &mcp.ServerOptions{
		Instructions: "Persistent memory: store what you learn with memory_store (with tags and a memory_type), " +
			"recall it with memory_search (hybrid keyword + semantic search, filters by tags, type and natural-language time), " +
			"browse with memory_list, fix with memory_update, remove with memory_delete.",
		Logger:            opts.Logger,
		CompletionHandler: h.complete,
		// Declared rather than derived from what is registered, because
		// the tools register in the background (see below); the lists
		// never change once they are complete.
		Capabilities: &mcp.ServerCapabilities{
			Logging: &mcp.LoggingCapabilities{},
			Tools:   &mcp.ToolCapabilities{}, Prompts: &mcp.PromptCapabilities{}, Resources: &mcp.ResourceCapabilities{},
		},
		// Resources are the caller's own memories: no shared cache may
		// keep them (2026-07-28 cacheScope); the lists are the same for
		// everyone.
		SetCacheable: func(_ context.Context, req mcp.Request, c *mcp.Cacheable) {
			if _, ok := req.(*mcp.ReadResourceRequest); ok {
				c.CacheScope, c.TTLMs = "private", 0
			}
		},
		InitializedHandler: func(ctx context.Context, _ *mcp.InitializedRequest) {
			if opts.OnInitialized != nil {
				go opts.OnInitialized(context.WithoutCancel(ctx))
			}
		},
	})
	h.registerResources(s)
	h.registerPrompts(s)
	// The tools are declared here, so that their scopes (ToolScope) hold
	// when New returns, and added to the SDK in the background: that reads
	// every schema and is most of the time a server takes to start.
	// initialize is answered at once, and tool requests wait until every
	// tool is there. The v8 aliases, hidden from tools/list, come last:
	// only a call of one of them waits for them.
	var current, aliases toolSet
	h.registerTools(&current)
	h.registerCuration(&current)
	h.registerConsolidate(&current)
	h.registerIngest(&current)
	h.registerLegacy(&aliases)
	tools, legacy := make(chan struct{}), make(chan struct{})
	go func() {
		current.addTo(s)
		close(tools)
		aliases.addTo(s)
		close(legacy)
		if opts.OnToolsRegistered != nil {
			opts.OnToolsRegistered()
		}
	}()
	if !opts.ListLegacyTools {
		s.AddReceivingMiddleware(hideLegacy)
	}
	s.AddReceivingMiddleware(authorize(opts.RequireAuth))
	s.AddReceivingMiddleware(waitForTools(tools, legacy, opts.ListLegacyTools))
	return s
}

// waitForTools holds tool requests until the tools they need are
// registered: tools/list until the v10 tools are (tools is closed), and
// the v8 aliases too when they are listed; tools/call until its tool is
// (legacy is closed for the aliases).
func waitForTools(tools, legacy <-chan struct{}, listLegacy bool) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			var wait <-chan struct{}
			switch method {
			case "tools/list":
				wait = tools
				if listLegacy {
					wait = legacy
				}
			case "tools/call":
				wait = tools
				if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok && legacyNames[p.Name] {
					wait = legacy
				}
			}
			if wait != nil {
				select {
				case <-wait:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			return next(ctx, method, req)
		}
	}
}

// toolSet is a server's tools as declared: each adds itself to a server.
// Declaring a tool is cheap and records its scope (see ToolScope) at once;
// adding it to the SDK reads its schemas, which New leaves to the
// background.
type toolSet []func(*mcp.Server)

// addTo adds the tools to s, two goroutines side by side.
func (ts toolSet) addTo(s *mcp.Server) {
	half := len(ts) / 2
	var wg sync.WaitGroup
	for _, part := range []toolSet{ts[:half], ts[half:]} {
		wg.Go(func() {
			for _, add := range part {
				add(s)
			}
		})
	}
	wg.Wait()
}

// addTool declares one typed tool with the input schema derived from In.
func addTool[In, Out any](s *toolSet, name, title, desc string, ann mcp.ToolAnnotations, h mcp.ToolHandlerFor[In, Out]) {
	addToolSchema(s, name, title, desc, ann, inputSchema[In], h)
}

// addToolSchema declares one typed tool whose input schema in derives;
// the output schema derives from Out. Both are sent as generated into
// toolschemas.json (see toolSchemasFor), so in runs only where that file
// is out of date, or for checking it.
func addToolSchema[In, Out any](s *toolSet, name, title, desc string, ann mcp.ToolAnnotations, in func() *jsonschema.Schema, h mcp.ToolHandlerFor[In, Out]) {
	ann.Title = title
	ann.OpenWorldHint = ptr(false)
	recordToolScope(name, ann)
	*s = append(*s, func(srv *mcp.Server) {
		ts := toolSchemasFor(name, in, func() *jsonschema.Schema { return schemaFor[Out](nil) })
		srv.AddTool(&mcp.Tool{Name: name, Title: title, Description: desc, Annotations: &ann,
			InputSchema: ts.in.json, OutputSchema: ts.out.json}, typedHandler(name, ts.in, ts.out, h))
	})
}

var (
	readOnly    = mcp.ToolAnnotations{ReadOnlyHint: true}
	additive    = mcp.ToolAnnotations{DestructiveHint: ptr(false)}
	destructive = mcp.ToolAnnotations{DestructiveHint: ptr(true)}
	idempotent  = mcp.ToolAnnotations{DestructiveHint: ptr(true), IdempotentHint: true}
)

func (h *handlers) registerTools(s *toolSet) {
	addTool(s, "memory_store", "Store Memory",
		"Store a memory: a fact, decision, preference or note worth recalling later. Tags and memory_type (note, decision, learning, error, task, reference, …) help find it. Exact duplicates and near-duplicates stored within 24 hours are refused unless conversation_id is given.",
		additive, h.store)
	addTool(s, "memory_store_session", "Store Session",
		"Store a conversation (a list of {role, content} turns) as session memories tagged session:<id>, split at turn boundaries when long.",
		additive, h.storeSession)
	addTool(s, "memory_search", "Search Memories",
		"Find memories by meaning and keywords (mode hybrid, the default), by meaning only (semantic), by BM25 keywords (keyword) or by exact substring (exact). Filter by tags (any/all), memory_type and time: time_expr such as \"yesterday\", \"last week\", \"in March\", or after/before dates. Filters apply before ranking, so they never hide matches.",
		readOnly, h.search)
	addTool(s, "memory_list", "List Memories",
		"Browse memories newest first, a page at a time, optionally filtered by tags, memory_type or staleness (stale_days: not accessed for N days).",
		readOnly, h.list)
	addTool(s, "memory_delete", "Delete Memories",
		"Delete memories by content_hash, or by tags, memory_type and time range combined (AND). At least one filter is required. Use dry_run to see what would be deleted first.",
		destructive, h.delete)
	addTool(s, "memory_update", "Update Memory",
		"Change a memory's tags (replaced), memory_type or metadata (merged) by content_hash. With versioned=true and updates.content, store a corrected version; the old one is kept but hidden from search.",
		destructive, h.update)
	addTool(s, "memory_cleanup", "Clean Up Duplicates",
		"Remove duplicate memories whose content differs only in case, white space or punctuation; the oldest copy is kept with the union of the tags.",
		idempotent, h.cleanup)
	addTool(s, "memory_health", "Memory Health",
		"Check the memory store: storage integrity, counts, whether semantic search is on (and why not), and memories needing re-embedding.",
		readOnly, h.health)
	addTool(s, "memory_stats", "Memory Statistics",
		"Counts of memories, tags, types and embedding models, and this session's search and store figures.",
		readOnly, h.stats)
}

// toolError turns a service error into a tool error whose message the model
// can act on. Internal details are logged here, once, and not sent.
func (h *handlers) toolError(err error) error {
	code := memory.ErrorCode(err)
	switch code {
	case memory.EInternal:
		h.log.Error("tool call", "err", err)
		return errors.New("internal error: the server could not complete the request (details are in the server log)")
	case memory.EUnavailable:
		h.log.Warn("tool call: unavailable", "err", err)
	}
	return errors.New(memory.ErrorMessage(err))
}

// textResult is a tool result whose text is the summary plus warnings.
func textResult(text string, warnings ...string) *mcp.CallToolResult {
	for _, w := range warnings {
		text += "\nWarning: " + w
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

// hideLegacy removes the v8 aliases from tools/list answers.
func hideLegacy(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		res, err := next(ctx, method, req)
		if method != "tools/list" || err != nil {
			return res, err
		}
		if lr, ok := res.(*mcp.ListToolsResult); ok {
			kept := lr.Tools[:0:0]
			for _, t := range lr.Tools {
				if !legacyNames[t.Name] {
					kept = append(kept, t)
				}
			}
			lr.Tools = kept
		}
		return res, nil
	}
}
