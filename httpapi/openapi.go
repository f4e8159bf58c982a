package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/mcp-memory-go/memory/httperror"
)

// schemaOptions describe the request types whose JSON differs from their
// Go type.
var schemaOptions = &jsonschema.ForOptions{TypeSchemas: map[reflect.Type]*jsonschema.Schema{
	reflect.TypeFor[Tags](): {
		Types:       []string{"array", "string"},
		Items:       &jsonschema.Schema{Type: "string"},
		Description: "an array of strings or a comma-separated string",
	},
}}

// schemaOf returns the JSON schema of t. Objects are left open
// (additionalProperties unset): the API ignores unknown request fields and
// may add response fields.
func schemaOf(t reflect.Type) (*jsonschema.Schema, error) {
	s, err := jsonschema.ForType(t, schemaOptions)
	if err != nil {
		return nil, err
	}
	openSchema(s)
	return s, nil
}

// openSchema removes additionalProperties: false throughout s.
func openSchema(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if ap := s.AdditionalProperties; ap != nil && ap.Not != nil && reflect.ValueOf(*ap.Not).IsZero() {
		s.AdditionalProperties = nil
	}
	openSchema(s.AdditionalProperties)
	openSchema(s.Items)
	for _, p := range s.Properties {
		openSchema(p)
	}
}

// schemaName is the components/schemas name of t, or "" to inline it.
func schemaName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return ""
	}
	return t.Name()
}

// OpenAPI returns the OpenAPI 3.1 document of the API, generated from
// Routes: every operation with its parameters, request and response
// schemas, required scope and security (Authorization: Bearer or
// X-API-Key).
func (a *API) OpenAPI() map[string]any {
	schemas := map[string]any{}
	named := func(t reflect.Type, name string) any {
		s, err := schemaOf(t)
		if err != nil {
			a.logger().Error("openapi schema", "type", t.String(), "err", err)
			return map[string]any{}
		}
		if name == "" {
			return s
		}
		schemas[name] = s
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	ref := func(t reflect.Type) any { return named(t, schemaName(t)) }
	errRef := named(reflect.TypeFor[httperror.Body](), "Error")
	errResp := func(desc string) any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": errRef}}}
	}

	paths := map[string]map[string]any{}
	for _, rt := range a.Routes() {
		op := map[string]any{"operationId": operationID(rt), "summary": rt.Summary, "tags": rt.Tags}
		var params []any
		for _, p := range rt.Params {
			params = append(params, map[string]any{"name": p.Name, "in": p.In, "required": p.Required || p.In == "path",
				"description": p.Description, "schema": paramSchema(p)})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Body != nil {
			op["requestBody"] = map[string]any{"required": true,
				"content": map[string]any{"application/json": map[string]any{"schema": ref(rt.Body)}}}
		}
		if rt.Form != nil {
			op["requestBody"] = map[string]any{"required": true,
				"content": map[string]any{"multipart/form-data": map[string]any{"schema": formSchema(rt.Form)}}}
		}
		ok := map[string]any{"description": "success"}
		switch {
		case rt.Response != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": ref(rt.Response)}}
		case rt.ContentType != "":
			ok["content"] = map[string]any{rt.ContentType: map[string]any{"schema": map[string]any{"type": "string"}}}
		}
		status := "200"
		if rt.Status != 0 {
			status = strconv.Itoa(rt.Status)
		}
		responses := map[string]any{status: ok, "500": errResp("internal error (details only in the server log)")}
		if rt.Body != nil || rt.Form != nil || len(rt.Params) > 0 {
			responses["400"] = errResp("invalid request")
		}
		if rt.Form != nil {
			responses["413"] = errResp("request body too large")
			responses["415"] = errResp("Content-Type is not multipart/form-data")
		}
		if rt.Body != nil {
			responses["413"] = errResp("request body too large")
			responses["415"] = errResp("Content-Type is not application/json")
		}
		if strings.Contains(rt.Path, "{") {
			responses["404"] = errResp("no such memory")
		}
		if rt.Scope == "" {
			op["security"] = []any{}
		} else {
			op["security"] = []any{map[string]any{"bearerAuth": []string{rt.Scope}}, map[string]any{"apiKeyAuth": []string{rt.Scope}}}
			op["x-required-scope"] = rt.Scope
			responses["401"] = errResp("authentication required")
			responses["403"] = errResp("the " + rt.Scope + " scope is required")
		}
		op["responses"] = responses
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}

	var tags []any
	seen := map[string]bool{}
	for _, rt := range a.Routes() {
		for _, t := range rt.Tags {
			if !seen[t] {
				seen[t] = true
				tags = append(tags, map[string]any{"name": t})
			}
		}
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "MCP Memory Service REST API",
			"version": a.version(),
			"description": "Persistent semantic memory: store, search (hybrid keyword and semantic, filtered by tags, type and time), " +
				"manage and watch memories. Send an API key as Authorization: Bearer <key> or X-API-Key: <key>; " +
				"each operation names the scope it needs (read < write < admin).",
		},
		"tags":  tags,
		"paths": paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearerAuth": map[string]any{"type": "http", "scheme": "bearer", "description": "API key as a bearer token"},
				"apiKeyAuth": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
			},
		},
	}
}

// paramSchema is the JSON schema of a parameter.
func paramSchema(p Param) map[string]any {
	s := map[string]any{"type": p.Type}
	if p.Default != nil {
		s["default"] = p.Default
	}
	if len(p.Enum) > 0 {
		s["enum"] = p.Enum
	}
	if p.Minimum != nil {
		s["minimum"] = *p.Minimum
	}
	if p.Maximum != nil {
		s["maximum"] = *p.Maximum
	}
	return s
}

// operationID derives a unique id from method and path:
// "GET /api/memories/{content_hash}" → "get_memories_by_content_hash".
func operationID(rt Route) string {
	parts := []string{strings.ToLower(rt.Method)}
	for _, seg := range strings.Split(strings.TrimPrefix(rt.Path, "/api/"), "/") {
		if strings.HasPrefix(seg, "{") {
			seg = "by_" + strings.Trim(seg, "{}")
		}
		parts = append(parts, strings.NewReplacer("-", "_", ".", "_").Replace(seg))
	}
	return strings.Join(parts, "_")
}

// serveOpenAPI answers GET /api/openapi.json.
func (a *API) serveOpenAPI(w http.ResponseWriter, r *http.Request) error {
	b, err := json.MarshalIndent(a.OpenAPI(), "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// formSchema describes a multipart body.
func formSchema(fields []FormField) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range fields {
		var sc map[string]any
		switch f.Type {
		case "file":
			sc = map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}
		default:
			sc = map[string]any{"type": f.Type}
		}
		if f.Array {
			sc = map[string]any{"type": "array", "items": sc}
		}
		sc["description"] = f.Description
		props[f.Name] = sc
		if f.Required {
			required = append(required, f.Name)
		}
	}
	out := map[string]any{"type": "object", "properties": props}
	if required != nil {
		out["required"] = required
	}
	return out
}
