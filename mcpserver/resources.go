package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const jsonMIME = "application/json"

func (h *handlers) registerResources(s *mcp.Server) {
	s.AddResource(&mcp.Resource{URI: "memory://stats", Name: "stats", Title: "Memory statistics", MIMEType: jsonMIME,
		Description: "counts of memories, tags, types and embedding models"}, h.resource(func(ctx context.Context, _ string) (any, error) {
		return h.svc.Stats(ctx)
	}))
	s.AddResource(&mcp.Resource{URI: "memory://tags", Name: "tags", Title: "Tags", MIMEType: jsonMIME,
		Description: "every tag with the number of memories carrying it"}, h.resource(func(ctx context.Context, _ string) (any, error) {
		tags, err := h.svc.Tags(ctx)
		return map[string]any{"tags": tags, "count": len(tags)}, err
	}))
	s.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: "memory://recent/{n}", Name: "recent", Title: "Recent memories", MIMEType: jsonMIME,
		Description: "the n most recent memories (1..100)"}, h.resource(func(ctx context.Context, arg string) (any, error) {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 || n > 100 {
			return nil, memory.Errorf(memory.EInvalid, "memory://recent/{n} needs n between 1 and 100, got %q", arg)
		}
		return h.svc.List(ctx, memory.ListRequest{PageSize: n})
	}))
	s.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: "memory://tag/{tag}", Name: "tag", Title: "Memories by tag", MIMEType: jsonMIME,
		Description: "the most recent 100 memories carrying the tag"}, h.resource(func(ctx context.Context, arg string) (any, error) {
		return h.svc.List(ctx, memory.ListRequest{PageSize: 100, Tags: []string{arg}})
	}))
	s.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: "memory://search/{query}", Name: "search", Title: "Search", MIMEType: jsonMIME,
		Description: "the 10 best matches of a hybrid search"}, h.resource(func(ctx context.Context, arg string) (any, error) {
		return h.svc.Search(ctx, memory.SearchRequest{Query: arg})
	}))
}

// resource adapts a function of the URI's last path segment to a resource
// handler answering JSON.
func (h *handlers) resource(get func(ctx context.Context, arg string) (any, error)) mcp.ResourceHandler {
	return func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		uri := req.Params.URI
		arg := ""
		if i := strings.Index(strings.TrimPrefix(uri, "memory://"), "/"); i >= 0 {
			raw := strings.TrimPrefix(uri, "memory://")[i+1:]
			var err error
			if arg, err = url.PathUnescape(raw); err != nil {
				return nil, fmt.Errorf("resource %s: bad escape in %q", uri, raw)
			}
		}
		v, err := get(ctx, arg)
		if err != nil {
			return nil, h.toolError(err)
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, h.toolError(err)
		}
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: jsonMIME, Text: string(b)}}}, nil
	}
}

func (h *handlers) registerPrompts(s *mcp.Server) {
	addPrompt(s, auth.ScopeRead, &mcp.Prompt{Name: "memory_review", Title: "Review memories of a period",
		Description: "Recall what was stored in a period (optionally about a focus area) and review it.",
		Arguments: []*mcp.PromptArgument{
			{Name: "time_period", Description: "e.g. last week, yesterday, in March", Required: true},
			{Name: "focus_area", Description: "optional topic to focus on"}}}, h.promptReview)
	addPrompt(s, auth.ScopeRead, &mcp.Prompt{Name: "memory_analysis", Title: "Analyse memories",
		Description: "Summarise which tags and types dominate the memories (optionally of some tags or a time range).",
		Arguments: []*mcp.PromptArgument{
			{Name: "tags", Description: "comma-separated tags to restrict to"},
			{Name: "time_range", Description: "e.g. last month"}}}, h.promptAnalysis)
	addPrompt(s, auth.ScopeRead, &mcp.Prompt{Name: "knowledge_export", Title: "Export knowledge",
		Description: "Render memories as JSON, Markdown or text.",
		Arguments: []*mcp.PromptArgument{
			{Name: "format", Description: "json, markdown or text", Required: true},
			{Name: "filter", Description: "comma-separated tags, or a search query"}}}, h.promptExport)
	addPrompt(s, auth.ScopeRead, &mcp.Prompt{Name: "memory_cleanup", Title: "Clean up memories",
		Description: "List memories not used for a while so they can be reviewed, updated or deleted.",
		Arguments: []*mcp.PromptArgument{
			{Name: "older_than", Description: "days without access, default 90"},
			{Name: "similarity_threshold", Description: "unused; kept for upstream compatibility"}}}, h.promptCleanup)
	addPrompt(s, auth.ScopeWrite, &mcp.Prompt{Name: "learning_session", Title: "Record a learning session",
		Description: "Store the key points of what was learned about a topic as a learning memory.",
		Arguments: []*mcp.PromptArgument{
			{Name: "topic", Required: true},
			{Name: "key_points", Description: "comma-separated", Required: true},
			{Name: "questions", Description: "comma-separated open questions"}}}, h.promptLearning)
}

// addPrompt registers a prompt with the scope a prompts/get of it needs
// over HTTP: read, or write for a prompt that stores a memory.
func addPrompt(s *mcp.Server, scope string, p *mcp.Prompt, h mcp.PromptHandler) {
	promptScopes.Store(p.Name, scope)
	s.AddPrompt(p, h)
}

// promptText is a prompt answer with one user message.
func promptText(desc, text string) *mcp.GetPromptResult {
	return &mcp.GetPromptResult{Description: desc, Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}}}
}

func (h *handlers) promptReview(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	a := req.Params.Arguments
	res, err := h.svc.Search(ctx, memory.SearchRequest{Query: a["focus_area"], TimeExpr: a["time_period"], Limit: 20})
	if err != nil {
		return nil, h.toolError(err)
	}
	text, _ := formatSearch(res, false, 0)
	return promptText("memories of "+a["time_period"], fmt.Sprintf(
		"Review these memories from %s%s. Summarise the main themes, decisions and open items, and point out anything outdated or contradictory.\n\n%s",
		a["time_period"], about(a["focus_area"]), text)), nil
}

func (h *handlers) promptAnalysis(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	a := req.Params.Arguments
	var ms []*memory.Memory
	if a["tags"] == "" && a["time_range"] == "" {
		res, err := h.svc.List(ctx, memory.ListRequest{PageSize: 100})
		if err != nil {
			return nil, h.toolError(err)
		}
		ms = res.Memories
	} else {
		res, err := h.svc.Search(ctx, memory.SearchRequest{Tags: memory.SplitTagList(a["tags"]), TimeExpr: a["time_range"], Limit: 100})
		if err != nil {
			return nil, h.toolError(err)
		}
		for _, r := range res.Results {
			ms = append(ms, r.Memory)
		}
	}
	tags, types := map[string]int{}, map[string]int{}
	for _, r := range ms {
		types[r.Type]++
		for _, t := range r.Tags {
			tags[t]++
		}
	}
	return promptText("memory analysis", fmt.Sprintf(
		"Analyse these %d memories: what they are mostly about, gaps, and how tagging could improve.\n\nTop tags: %s\nTypes: %s",
		len(ms), topCounts(tags, 15), topCounts(types, 15))), nil
}

func (h *handlers) promptExport(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	a := req.Params.Arguments
	format := strings.ToLower(a["format"])
	if format != "json" && format != "markdown" && format != "text" {
		return nil, fmt.Errorf("format must be json, markdown or text, got %q", a["format"])
	}
	var ms []*memory.Memory
	switch f := a["filter"]; {
	case strings.Contains(f, ","):
		res, err := h.svc.List(ctx, memory.ListRequest{PageSize: 100, Tags: memory.SplitTagList(f)})
		if err != nil {
			return nil, h.toolError(err)
		}
		ms = res.Memories
	case f != "":
		res, err := h.svc.Search(ctx, memory.SearchRequest{Query: f, Limit: 100})
		if err != nil {
			return nil, h.toolError(err)
		}
		for _, r := range res.Results {
			ms = append(ms, r.Memory)
		}
	default:
		res, err := h.svc.List(ctx, memory.ListRequest{PageSize: 100})
		if err != nil {
			return nil, h.toolError(err)
		}
		ms = res.Memories
	}
	var b strings.Builder
	switch format {
	case "json":
		out, _ := json.MarshalIndent(ms, "", "  ")
		b.Write(out)
	case "markdown":
		b.WriteString("# Exported memories\n")
		for _, m := range ms {
			fmt.Fprintf(&b, "\n## %s (%s)\n\n%s\n\n_Tags: %s_\n", m.CreatedAt.Format("2006-01-02"), m.Type, m.Content, strings.Join(m.Tags, ", "))
		}
	default:
		for _, m := range ms {
			fmt.Fprintf(&b, "[%s] %s\n", m.CreatedAt.Format("2006-01-02"), m.Content)
		}
	}
	return promptText(fmt.Sprintf("%d memories as %s", len(ms), format), b.String()), nil
}

func (h *handlers) promptCleanup(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	days := 90
	if s := req.Params.Arguments["older_than"]; s != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), " days"))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("older_than must be a number of days, got %q", s)
		}
		days = n
	}
	res, err := h.svc.List(ctx, memory.ListRequest{PageSize: 100, StaleDays: days})
	if err != nil {
		return nil, h.toolError(err)
	}
	return promptText("stale memories", fmt.Sprintf(
		"These memories have not been used for %d days. For each, decide whether to keep it, update it (memory_update) or delete it (memory_delete), and say why.\n\n%s",
		days, formatList(res))), nil
}

func (h *handlers) promptLearning(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	a := req.Params.Arguments
	topic := strings.TrimSpace(a["topic"])
	points := memory.SplitTagList(a["key_points"])
	if topic == "" || len(points) == 0 {
		return nil, fmt.Errorf("topic and key_points are required")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Learning: %s\n\n## Key points\n", topic)
	for _, p := range points {
		fmt.Fprintf(&b, "- %s\n", strings.TrimSpace(p))
	}
	if qs := memory.SplitTagList(a["questions"]); len(qs) > 0 {
		b.WriteString("\n## Open questions\n")
		for _, q := range qs {
			fmt.Fprintf(&b, "- %s\n", strings.TrimSpace(q))
		}
	}
	slug := strings.Join(memory.Words(topic), "-")
	res, err := h.svc.Store(ctx, memory.StoreRequest{Content: b.String(), Type: "learning", Tags: []string{"learning", slug}})
	if err != nil {
		return nil, h.toolError(err)
	}
	return promptText("learning note stored", fmt.Sprintf(
		"I stored this learning note about %s (hash %s). Help me deepen it: explain the key points, answer the open questions, and suggest what to learn next.\n\n%s",
		topic, res.Memories[0].Hash, b.String())), nil
}

func about(focus string) string {
	if focus == "" {
		return ""
	}
	return " about " + focus
}

// topCounts renders the n largest counts as "name (count), …".
func topCounts(m map[string]int, n int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var parts []string
	for _, k := range keys[:min(n, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s (%d)", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
