package mcpserver

//go:generate go test -run TestToolSchemasUpToDate -update .

// Typed tools registered through the SDK's raw Server.AddTool, with their
// schemas as generated into toolschemas.json and resolved on first use.
//
// mcp.AddTool derives, resolves and marshals every tool's schemas as it
// registers them: for our 53 tools that was ~12 ms of CPU, most of the time
// from process start to the first tools/list answer. Here the schemas are
// JSON generated from the Go types (TestToolSchemasUpToDate checks the
// file, and -update rewrites it), and each is parsed and resolved, for
// validating arguments and results, when its tool is first called. The
// handler does what mcp.AddTool's does, step for step: defaults and
// validation of the arguments, case-sensitive decoding, tool errors as
// results, and the result's structured content validated against the
// output schema, with its JSON as text when the handler gave no content.

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	segjson "github.com/segmentio/encoding/json"
)

// compiled is a schema as sent (its JSON) and as checked (parsed from
// that JSON and resolved once, on first use).
type compiled struct {
	json     json.RawMessage
	resolved func() (*jsonschema.Resolved, error)
}

func newCompiled(data json.RawMessage) *compiled {
	return &compiled{json: data, resolved: sync.OnceValues(func() (*jsonschema.Resolved, error) {
		var s jsonschema.Schema
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, err
		}
		return s.Resolve(&jsonschema.ResolveOptions{ValidateDefaults: true})
	})}
}

// toolSchemas are a tool's input and output schemas.
type toolSchemas struct{ in, out *compiled }

//go:embed toolschemas.json
var toolSchemasJSON []byte

// generated holds the schemas of toolschemas.json by tool name, parsed
// once per process; each tool's are shared by every server.
var generated = sync.OnceValue(func() map[string]toolSchemas {
	var raw map[string]struct{ In, Out json.RawMessage }
	if err := json.Unmarshal(toolSchemasJSON, &raw); err != nil {
		panic("mcpserver: toolschemas.json: " + err.Error())
	}
	out := make(map[string]toolSchemas, len(raw))
	for name, r := range raw {
		out[name] = toolSchemas{newCompiled(r.In), newCompiled(r.Out)}
	}
	return out
})

// derivers records how each registered tool's schemas derive from its Go
// types, for TestToolSchemasUpToDate and for tools missing from the file.
var derivers sync.Map // tool name → [2]func() *jsonschema.Schema

// toolSchemasFor returns the schemas of the tool name as generated, or,
// for a tool not in toolschemas.json yet (during development; the test
// fails then), derived from in and out now.
func toolSchemasFor(name string, in, out func() *jsonschema.Schema) toolSchemas {
	derivers.Store(name, [2]func() *jsonschema.Schema{in, out})
	if ts, ok := generated()[name]; ok {
		return ts
	}
	return toolSchemas{newCompiled(marshalSchema(in())), newCompiled(marshalSchema(out()))}
}

// marshalSchema returns the JSON of s.
func marshalSchema(s *jsonschema.Schema) json.RawMessage {
	data, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("mcpserver: marshalling a schema: %v", err))
	}
	return data
}

// typedHandler adapts h to a raw tool handler checking its arguments
// against in and its results against out.
func typedHandler[In, Out any](name string, in, out *compiled, h mcp.ToolHandlerFor[In, Out]) mcp.ToolHandler {
	// A pointer Out that is nil is sent as its element type's zero value,
	// not as null, as mcp.AddTool does.
	var elemZero any
	if rt := reflect.TypeFor[Out](); rt.Kind() == reflect.Pointer {
		elemZero = reflect.Zero(rt.Elem()).Interface()
	}
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		inRes, err := in.resolved()
		if err != nil {
			return nil, fmt.Errorf("tool %s: resolving the input schema: %w", name, err)
		}
		args, err := applySchema(req.Params.Arguments, inRes, false)
		if err != nil {
			return toolError(fmt.Errorf("validating \"arguments\": %v", err)), nil
		}
		var v In
		if args != nil {
			if err := decodeStrict(args, &v); err != nil {
				return toolError(err), nil
			}
		}
		res, o, err := h(ctx, req, v)
		if err != nil {
			if wire, ok := err.(*jsonrpc.Error); ok {
				return nil, wire
			}
			return toolError(err), nil
		}
		if res == nil {
			res = &mcp.CallToolResult{}
		}
		var outVal any = o
		if res.InputRequests != nil {
			outVal = nil
		} else if elemZero != nil && reflect.ValueOf(o).IsNil() {
			outVal = elemZero
		}
		if outVal == nil {
			return res, nil
		}
		data, err := json.Marshal(outVal)
		if err != nil {
			return nil, fmt.Errorf("marshaling output: %w", err)
		}
		outRes, err := out.resolved()
		if err != nil {
			return nil, fmt.Errorf("tool %s: resolving the output schema: %w", name, err)
		}
		if data, err = applySchema(data, outRes, true); err != nil {
			return nil, fmt.Errorf("validating tool output: %w", err)
		}
		res.StructuredContent = json.RawMessage(data)
		if res.Content == nil {
			res.Content = []mcp.Content{&mcp.TextContent{Text: string(data)}}
		} else if !isObject(data) {
			res.Content = append(res.Content, &mcp.TextContent{Text: string(data)})
		}
		return res, nil
	}
}

// toolError is the result of a tool call that failed: the error as text.
func toolError(err error) *mcp.CallToolResult {
	var res mcp.CallToolResult
	res.SetError(err)
	return &res
}

// applySchema applies the schema's defaults to data and validates it; for
// arguments, absent data is the empty object. It returns data, re-encoded
// when defaults applied.
func applySchema(data json.RawMessage, r *jsonschema.Resolved, output bool) (json.RawMessage, error) {
	var v any
	if !output {
		m := map[string]any{}
		if len(data) > 0 {
			if err := decodeStrict(data, &m); err != nil {
				return nil, fmt.Errorf("unmarshaling arguments: %w", err)
			}
		}
		v = m
	} else if len(data) > 0 {
		if err := decodeStrict(data, &v); err != nil {
			return nil, fmt.Errorf("unmarshaling output: %w", err)
		}
	}
	defaults := false
	if _, ok := v.(map[string]any); ok {
		if err := r.ApplyDefaults(&v); err != nil {
			return nil, fmt.Errorf("applying schema defaults:\n%w", err)
		}
		defaults = true
	} else if output && v == nil && r.Schema().Type == "object" {
		v = map[string]any{}
		if err := r.ApplyDefaults(&v); err != nil {
			return nil, fmt.Errorf("applying schema defaults:\n%w", err)
		}
		defaults = true
	}
	if err := r.Validate(&v); err != nil {
		return nil, err
	}
	if !defaults {
		return data, nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshalling with defaults: %v", err)
	}
	return out, nil
}

// decodeStrict decodes JSON matching struct fields by their exact names, as
// the SDK does: "Query" is not "query". (The message holding the data was
// decoded with a depth limit already.)
func decodeStrict(data []byte, v any) error {
	dec := segjson.NewDecoder(bytes.NewReader(data))
	dec.DontMatchCaseInsensitiveStructFields()
	return dec.Decode(v)
}

// isObject reports whether data is a JSON object.
func isObject(data []byte) bool {
	for _, b := range data {
		switch b {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return true
		default:
			return false
		}
	}
	return false
}
