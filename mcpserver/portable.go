package mcpserver

import (
	"reflect"
	"slices"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"
)

// schemas memoizes derived schemas by Go type and kind (input or output),
// which v10 tools and their v8 aliases share. Servers send the schemas of
// toolschemas.json; deriving happens when that file is generated and
// checked (TestToolSchemasUpToDate), or for a tool not in it yet.
var schemas sync.Map // schemaKey → *jsonschema.Schema

type schemaKey struct {
	t     reflect.Type
	input bool
}

// schemaFor derives the JSON Schema of T (an input schema with opts, an
// output schema without) and makes it portable (see portable). Callers
// must not change the result: it is shared.
func schemaFor[T any](opts *jsonschema.ForOptions) *jsonschema.Schema {
	key := schemaKey{reflect.TypeFor[T](), opts != nil}
	if s, ok := schemas.Load(key); ok {
		return s.(*jsonschema.Schema)
	}
	s, err := jsonschema.For[T](opts)
	if err != nil {
		panic("mcpserver: schema of " + reflect.TypeFor[T]().String() + ": " + err.Error())
	}
	if opts == nil {
		shallow(s, outputDepth)
	}
	portable(s)
	actual, _ := schemas.LoadOrStore(key, s)
	return actual.(*jsonschema.Schema)
}

// outputDepth is how many levels of objects an output schema spells out.
// Deeper objects (the phases of a consolidation report, the parts of a
// quality record) are described as plain objects: every client reads the
// schemas of every tool at each start, most never look inside a report,
// and spelling them out made tools/list 55 KB and the server's start
// three times slower (resolving the schemas).
const outputDepth = 2

// shallow replaces the properties of objects nested deeper than depth
// levels below s by a plain object schema (keeping its description).
func shallow(s *jsonschema.Schema, depth int) {
	if s == nil {
		return
	}
	object := s.Type == "object" || slices.Contains(s.Types, "object") || s.Properties != nil
	if object && depth == 0 {
		s.Properties, s.Required, s.AdditionalProperties, s.PropertyOrder = nil, nil, nil, nil
		return
	}
	next := depth
	if object {
		next = depth - 1
	}
	for _, p := range s.Properties {
		shallow(p, next)
	}
	shallow(s.Items, depth)
	shallow(s.AdditionalProperties, next)
	for _, b := range s.AnyOf {
		shallow(b, depth)
	}
}

// portable rewrites every multi-type schema ("type": ["null", "array"], as
// Go's nil slices and the flexible argument types produce) into anyOf
// branches of one type each, carrying the keywords of their type. The two
// say the same, but clients that map tool schemas onto single-type dialects
// (Gemini's OpenAPI subset, for one) reject or mangle type arrays.
func portable(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	for _, p := range s.Properties {
		portable(p)
	}
	portable(s.Items)
	portable(s.AdditionalProperties)
	for _, b := range s.AnyOf {
		portable(b)
	}
	if len(s.Types) < 2 {
		if len(s.Types) == 1 {
			s.Type, s.Types = s.Types[0], nil
		}
		return
	}
	for _, t := range s.Types {
		b := &jsonschema.Schema{Type: t}
		switch t {
		case "array":
			b.Items, b.MinItems, b.MaxItems, b.UniqueItems = s.Items, s.MinItems, s.MaxItems, s.UniqueItems
		case "object":
			b.Properties, b.Required, b.AdditionalProperties = s.Properties, s.Required, s.AdditionalProperties
		case "string":
			b.MinLength, b.MaxLength, b.Pattern, b.Format = s.MinLength, s.MaxLength, s.Pattern, s.Format
		case "integer", "number":
			b.Minimum, b.Maximum = s.Minimum, s.Maximum
		}
		s.AnyOf = append(s.AnyOf, b)
	}
	s.Types, s.Items, s.MinItems, s.MaxItems, s.UniqueItems = nil, nil, nil, nil, false
	s.Properties, s.Required, s.AdditionalProperties = nil, nil, nil
	s.MinLength, s.MaxLength, s.Pattern, s.Format = nil, nil, "", ""
	s.Minimum, s.Maximum = nil, nil
}
