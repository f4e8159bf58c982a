package mcpserver

import (
	"bytes"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"slices"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/mcp-memory-go/memory/ingest"
)

var update = flag.Bool("update", false, "rewrite toolschemas.json from the tools' Go types")

// TestToolSchemasUpToDate derives every tool's schemas from its Go types
// and compares them with toolschemas.json, which the server sends; with
// -update (go generate ./mcpserver) it rewrites the file.
func TestToolSchemasUpToDate(t *testing.T) {
	h := &handlers{opts: Options{Ingest: &ingest.Manager{}, Consolidator: &consolidate.Consolidator{}}, log: slog.New(slog.DiscardHandler)}
	s := mcp.NewServer(&mcp.Implementation{Name: "schemas"}, nil)
	var tools toolSet
	for _, register := range []func(*toolSet){h.registerTools, h.registerCuration, h.registerConsolidate, h.registerIngest, h.registerLegacy} {
		register(&tools)
	}
	tools.addTo(s)
	derived := map[string][2]json.RawMessage{}
	derivers.Range(func(k, v any) bool {
		d := v.([2]func() *jsonschema.Schema)
		derived[k.(string)] = [2]json.RawMessage{marshalSchema(d[0]()), marshalSchema(d[1]())}
		return true
	})
	if len(derived) < 50 {
		t.Fatalf("%d tools registered, want every tool (53 or more)", len(derived))
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range derived {
			if !yield(n) {
				return
			}
		}
	})
	for i, n := range names {
		sep := ","
		if i == len(names)-1 {
			sep = ""
		}
		name, _ := json.Marshal(n)
		b.WriteString(string(name) + `: {"in": ` + string(derived[n][0]) + `, "out": ` + string(derived[n][1]) + "}" + sep + "\n")
	}
	b.WriteString("}\n")
	if *update {
		if err := os.WriteFile("toolschemas.json", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(b.Bytes(), toolSchemasJSON) {
		t.Fatal("toolschemas.json differs from the schemas the tools' Go types derive: run go generate ./mcpserver")
	}
	// What the server parses from the file is what it sends.
	for n, ts := range generated() {
		if !bytes.Equal(ts.in.json, derived[n][0]) || !bytes.Equal(ts.out.json, derived[n][1]) {
			t.Errorf("tool %s: the parsed schemas differ from the file's", n)
		}
		if _, err := ts.in.resolved(); err != nil {
			t.Errorf("tool %s: input schema: %v", n, err)
		}
		if _, err := ts.out.resolved(); err != nil {
			t.Errorf("tool %s: output schema: %v", n, err)
		}
	}
}

// The scopes of every tool hold as soon as New returns, before the tools
// reach the SDK in the background: the daemon checks a request's scope
// before the SDK sees it.
func TestToolScopesKnownWhenNewReturns(t *testing.T) {
	toolScopes.Clear()
	New(nil, Options{Ingest: &ingest.Manager{}, Consolidator: &consolidate.Consolidator{}})
	for name, want := range map[string]string{
		"memory_search": auth.ScopeRead, "retrieve_memory": auth.ScopeRead, "memory_graph": auth.ScopeRead,
		"memory_store": auth.ScopeWrite, "memory_consolidate": auth.ScopeWrite, "ingest_document": auth.ScopeAdmin,
	} {
		if got := ToolScope(name); got != want {
			t.Errorf("ToolScope(%s) right after New=%s, want %s", name, got, want)
		}
	}
}
