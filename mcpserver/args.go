package mcpserver

import (
	"encoding/json"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	memory "github.com/mcp-memory-go/memory"
)

// Tags is a tag list argument. Like upstream it accepts an array of strings,
// a comma-separated string, or a string holding a JSON array.
type Tags []string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Tags) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*t = list
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return memory.Errorf(memory.EInvalid, "tags must be an array of strings or a comma-separated string")
	}
	if s = strings.TrimSpace(s); strings.HasPrefix(s, "[") {
		if err := json.Unmarshal([]byte(s), &list); err == nil {
			*t = list
			return nil
		}
	}
	*t = memory.SplitTagList(s)
	return nil
}

// Int is an integer argument of a v8 tool. Those tools are not listed, so
// generic clients cannot see their schemas and send numbers as strings
// ("5"); like upstream (pydantic), they are accepted.
type Int int

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error {
	var v int
	if err := json.Unmarshal(b, &v); err == nil {
		*n = Int(v)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if v, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			*n = Int(v)
			return nil
		}
	}
	return memory.Errorf(memory.EInvalid, "want a whole number, got %s", b)
}

// Bool is a boolean argument of a v8 tool; "true" and "false" strings are
// accepted for the same reason as Int.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (v *Bool) UnmarshalJSON(b []byte) error {
	var x bool
	if err := json.Unmarshal(b, &x); err == nil {
		*v = Bool(x)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if x, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
			*v = Bool(x)
			return nil
		}
	}
	return memory.Errorf(memory.EInvalid, "want true or false, got %s", b)
}

// Rating is a quality rating: upstream sends the strings "-1", "0" and
// "1"; numbers are accepted too.
type Rating int

// UnmarshalJSON implements json.Unmarshaler.
func (r *Rating) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return memory.Errorf(memory.EInvalid, "rating must be -1, 0 or 1")
		}
		if n, err = strconv.Atoi(strings.TrimSpace(s)); err != nil {
			return memory.Errorf(memory.EInvalid, "rating must be -1, 0 or 1, got %q", s)
		}
	}
	*r = Rating(n)
	return nil
}

// withEnum returns a copy of the object schema s whose property prop
// only takes the given values.
func withEnum(s *jsonschema.Schema, prop string, values ...string) *jsonschema.Schema {
	c := *s
	c.Properties = maps.Clone(s.Properties)
	p := *c.Properties[prop]
	p.Enum = make([]any, len(values))
	for i, v := range values {
		p.Enum[i] = v
	}
	c.Properties[prop] = &p
	return &c
}

// tagsFrom reads a tag list nested in an object argument (metadata.tags,
// updates.tags), in any form a Tags argument accepts.
func tagsFrom(field string, v any) ([]string, error) {
	b, err := json.Marshal(v)
	var t Tags
	if err == nil {
		err = t.UnmarshalJSON(b)
	}
	if err != nil {
		return nil, memory.Errorf(memory.EInvalid, "%s must be an array of strings or a comma-separated string", field)
	}
	return t, nil
}

var tagsSchema = &jsonschema.Schema{
	Types:       []string{"array", "string", "null"},
	Items:       &jsonschema.Schema{Type: "string"},
	Description: "tags: an array of strings or a comma-separated string",
}

// inputSchema derives a tool's input schema from its argument struct, with
// the flexible Tags type described as upstream accepts it.
func inputSchema[T any]() *jsonschema.Schema {
	return schemaFor[T](&jsonschema.ForOptions{
		TypeSchemas: map[reflect.Type]*jsonschema.Schema{
			reflect.TypeFor[Tags](): tagsSchema,
			reflect.TypeFor[Int]():  {Types: []string{"integer", "string"}},
			reflect.TypeFor[Bool](): {Types: []string{"boolean", "string"}},
			reflect.TypeFor[Rating](): {Types: []string{"string", "integer"}, Enum: []any{"-1", "0", "1", -1, 0, 1},
				Description: "-1 (wrong or useless), 0 (neutral) or 1 (useful), as a string or a number"},
		},
	})
}

// dayAfter returns the start of the day after date s, for inclusive end
// dates of the v8 timeframe tools.
func dayAfter(name, s string) (time.Time, error) {
	t, err := memory.ParseDate(name, s)
	if err != nil || t.IsZero() {
		return t, err
	}
	if len(strings.TrimSpace(s)) == len("2006-01-02") {
		return t.AddDate(0, 0, 1), nil
	}
	return t, nil
}

func ptr[T any](v T) *T { return &v }
