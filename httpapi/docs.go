package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
)

// docsCSS is the page's only style; the Content-Security-Policy allows it
// by its hash, and nothing else (no script, no external resource).
const docsCSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
code,.path{font-family:ui-monospace,monospace}h2{margin-top:2.5rem;border-bottom:1px solid #ddd}
section{margin:1.5rem 0;padding:.75rem 1rem;border:1px solid #e3e3e3;border-radius:6px}
.m{display:inline-block;min-width:4.5em;font-weight:700;font-family:ui-monospace,monospace}
.GET{color:#0a6}.POST{color:#06c}.PUT{color:#b60}.DELETE{color:#c22}
.scope{float:right;font-size:.85em;padding:0 .5em;border-radius:4px;background:#eef}.public{background:#efe}
table{border-collapse:collapse;margin:.5rem 0;width:100%}td,th{text-align:left;padding:.2rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
th{font-weight:600}.req{color:#c22}`

var docsCSP = "default-src 'none'; style-src 'sha256-" + cssHash() + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func cssHash() string {
	h := sha256.Sum256([]byte(docsCSS))
	return base64.StdEncoding.EncodeToString(h[:])
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>MCP Memory Service REST API</title><style>` + docsCSS + `</style></head><body>
<h1>MCP Memory Service REST API <small>{{.Version}}</small></h1>
<p>Send an API key as <code>Authorization: Bearer &lt;key&gt;</code> or <code>X-API-Key: &lt;key&gt;</code>.
Each operation names the scope it needs; <code>read</code> &lt; <code>write</code> &lt; <code>admin</code>, each including the ones before it.
Request bodies are JSON (<code>Content-Type: application/json</code>); unknown fields are ignored. Errors are
<code>{"error", "error_description", "detail"}</code>. The same API as an OpenAPI 3.1 document: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
<nav><ul>{{range .Groups}}<li><a href="#{{.Tag}}">{{.Tag}}</a></li>{{end}}</ul></nav>
{{range .Groups}}<h2 id="{{.Tag}}">{{.Tag}}</h2>
{{range .Ops}}<section id="{{.ID}}">
<div><span class="m {{.Method}}">{{.Method}}</span> <span class="path">{{.Path}}</span>
{{if .Scope}}<span class="scope">scope: {{.Scope}}</span>{{else}}<span class="scope public">public</span>{{end}}</div>
<p>{{.Summary}}</p>
{{if .Params}}<table><tr><th>parameter</th><th>in</th><th>type</th><th>default</th><th>description</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{.In}}</td><td>{{.Type}}{{if .EnumText}}: {{.EnumText}}{{end}}</td><td>{{with .Default}}{{.}}{{end}}</td><td>{{.Description}}</td></tr>
{{end}}</table>{{end}}
{{if .Body}}<table><tr><th>body field</th><th>type</th><th>description</th></tr>
{{range .Body}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>
{{end}}</table>{{end}}
{{if .Response}}<table><tr><th>response field</th><th>type</th><th>description</th></tr>
{{range .Response}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{.Description}}</td></tr>
{{end}}</table>{{else if .ResponseType}}<p>Answers <code>{{.ResponseType}}</code>.</p>{{end}}
</section>
{{end}}{{end}}</body></html>
`))

// docField is one field of a request or response body.
type docField struct {
	Name, Type, Description string
	Required                bool
}

// docParam is a parameter as the page shows it.
type docParam struct {
	Param
	EnumText string
}

type docOp struct {
	ID, Method, Path, Scope, Summary string
	Params                           []docParam
	Body, Response                   []docField
	ResponseType                     string
}

type docGroup struct {
	Tag string
	Ops []docOp
}

// serveDocs answers GET /api/docs with a page generated from Routes.
func (a *API) serveDocs(w http.ResponseWriter, r *http.Request) error {
	var groups []docGroup
	for _, rt := range a.Routes() {
		tag := "other"
		if len(rt.Tags) > 0 {
			tag = rt.Tags[0]
		}
		if len(groups) == 0 || groups[len(groups)-1].Tag != tag {
			groups = append(groups, docGroup{Tag: tag})
		}
		op := docOp{ID: operationID(rt), Method: rt.Method, Path: rt.Path, Scope: rt.Scope, Summary: rt.Summary,
			Body: fieldsOf(rt.Body), Response: fieldsOf(rt.Response), ResponseType: rt.ContentType}
		if rt.Response != nil && op.Response == nil {
			op.ResponseType = "application/json: " + typeText(mustSchema(rt.Response))
		}
		for _, p := range rt.Params {
			op.Params = append(op.Params, docParam{Param: p, EnumText: strings.Join(p.Enum, ", ")})
		}
		g := &groups[len(groups)-1]
		g.Ops = append(g.Ops, op)
	}
	var buf bytes.Buffer
	if err := docsTemplate.Execute(&buf, map[string]any{"Version": a.version(), "Groups": groups}); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(buf.Bytes())
	return nil
}

// fieldsOf lists the top-level fields of an object type, in declaration
// order; nil for no type or a non-object.
func fieldsOf(t reflect.Type) []docField {
	if t == nil {
		return nil
	}
	s := mustSchema(t)
	if len(s.Properties) == 0 {
		return nil
	}
	names := s.PropertyOrder
	if len(names) == 0 {
		for n := range s.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	var out []docField
	for _, n := range names {
		p := s.Properties[n]
		if p == nil {
			continue
		}
		out = append(out, docField{Name: n, Type: typeText(p), Description: p.Description, Required: slices.Contains(s.Required, n)})
	}
	return out
}

// mustSchema is schemaOf for types known to work (the tests build the
// schema of every route's types); on failure it returns an empty schema.
func mustSchema(t reflect.Type) *jsonschema.Schema {
	s, err := schemaOf(t)
	if err != nil {
		return &jsonschema.Schema{}
	}
	return s
}

// typeText describes a schema's type in a few words.
func typeText(s *jsonschema.Schema) string {
	types := s.Types
	if s.Type != "" {
		types = []string{s.Type}
	}
	var parts []string
	for _, t := range types {
		switch t {
		case "null":
			continue
		case "array":
			if s.Items != nil {
				t = "array of " + typeText(s.Items)
			}
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return "any"
	}
	return strings.Join(parts, " or ")
}
