package mcpserver

import (
	"context"
	"strings"

	memory "github.com/mcp-memory-go/memory"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxCompletions is the most values a completion answer carries (the MCP
// limit).
const maxCompletions = 100

// complete suggests argument values: the caller's tags for tag arguments
// (the memory://tag/{tag} template, the tags and filter prompt arguments),
// the memory types for type arguments, the formats of knowledge_export,
// and nothing for free text.
func (h *handlers) complete(ctx context.Context, req *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
	arg := req.Params.Argument
	var candidates []string
	switch arg.Name {
	case "tag", "tags", "filter":
		tags, err := h.svc.Tags(ctx)
		if err != nil {
			return nil, h.toolError(err)
		}
		for _, t := range tags {
			candidates = append(candidates, t.Tag)
		}
	case "memory_type", "type":
		candidates = memory.MemoryTypes()
	case "format":
		candidates = []string{"json", "markdown", "text"}
	}
	// A comma-separated list completes its last item.
	prefix, last := "", arg.Value
	if i := strings.LastIndex(arg.Value, ","); i >= 0 && (arg.Name == "tags" || arg.Name == "filter") {
		prefix, last = arg.Value[:i+1], strings.TrimSpace(arg.Value[i+1:])
	}
	last = strings.ToLower(last)
	values := []string{}
	total := 0
	for _, c := range candidates {
		if strings.HasPrefix(strings.ToLower(c), last) {
			total++
			if len(values) < maxCompletions {
				values = append(values, prefix+c)
			}
		}
	}
	return &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: values, Total: total, HasMore: total > len(values)}}, nil
}
