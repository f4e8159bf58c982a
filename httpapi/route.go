package httpapi

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/httperror"
)

// Route is one operation of the API: the single description from which the
// handler, its checks, the OpenAPI document and the HTML reference are all
// built.
type Route struct {
	// Method and Path form the http.ServeMux pattern ("GET /api/memories").
	Method, Path string
	// Scope is the auth scope the caller needs (auth.ScopeRead, …); ""
	// makes the route public.
	Scope string
	// Summary is one line for the reference; Tags group operations.
	Summary string
	Tags    []string
	// Params are the path and query parameters, validated (type, range,
	// enumeration) before the handler runs; defaults are filled in.
	Params []Param
	// Body is the type of the JSON request body; nil means none.
	Body reflect.Type
	// Response is the type of the JSON response; nil for non-JSON answers,
	// whose media type is then ContentType.
	Response    reflect.Type
	ContentType string
	// Form describes a multipart/form-data request body (uploads), which
	// the handler reads itself.
	Form []FormField
	// Status is the success status; 0 means 200.
	Status int

	serve func(w http.ResponseWriter, r *http.Request) error
}

// Param is a path or query parameter.
type Param struct {
	Name string
	// In is "path" or "query".
	In string
	// Type is "string", "integer", "number" or "boolean".
	Type        string
	Description string
	Required    bool
	// Default is used when a query parameter is absent.
	Default any
	// Enum lists the accepted values of a string parameter.
	Enum []string
	// Minimum and Maximum bound an integer or number parameter.
	Minimum, Maximum *float64
}

// FormField is a field of a multipart/form-data body.
type FormField struct {
	Name string
	// Type is "file", "string" or "integer".
	Type        string
	Array       bool
	Required    bool
	Description string
}

// jsonOp builds a route without a request body answering JSON.
func jsonOp[Resp any](method, path, scope, summary string, h func(*http.Request) (Resp, error)) Route {
	return Route{
		Method: method, Path: path, Scope: scope, Summary: summary,
		Response: reflect.TypeFor[Resp](),
		serve: func(w http.ResponseWriter, r *http.Request) error {
			resp, err := h(r)
			if err != nil {
				return err
			}
			httperror.WriteJSON(w, http.StatusOK, resp)
			return nil
		},
	}
}

// bodyOp builds a route with a JSON request body answering JSON. The body
// is decoded completely before h runs, so bad input changes nothing.
func bodyOp[Req, Resp any](method, path, scope, summary string, h func(*http.Request, *Req) (Resp, error)) Route {
	return bodyOpHeaders(method, path, scope, summary, func(_ http.Header, r *http.Request, req *Req) (Resp, error) { return h(r, req) })
}

// bodyOpHeaders is bodyOp for handlers that set response headers (cookies).
func bodyOpHeaders[Req, Resp any](method, path, scope, summary string, h func(http.Header, *http.Request, *Req) (Resp, error)) Route {
	return Route{
		Method: method, Path: path, Scope: scope, Summary: summary,
		Body:     reflect.TypeFor[Req](),
		Response: reflect.TypeFor[Resp](),
		serve: func(w http.ResponseWriter, r *http.Request) error {
			var req Req
			if err := decodeBody(r, &req); err != nil {
				return err
			}
			resp, err := h(w.Header(), r, &req)
			if err != nil {
				return err
			}
			httperror.WriteJSON(w, http.StatusOK, resp)
			return nil
		},
	}
}

// raw builds a route whose handler writes its own answer of the given media
// type; it returns an error only before writing anything.
func raw(method, path, scope, summary, contentType string, h func(http.ResponseWriter, *http.Request) error) Route {
	return Route{Method: method, Path: path, Scope: scope, Summary: summary, ContentType: contentType, serve: h}
}

// rawJSON builds a route whose handler writes its own JSON answer of type
// Resp (to choose the status itself).
func rawJSON[Resp any](method, path, scope, summary string, h func(http.ResponseWriter, *http.Request) error) Route {
	rt := raw(method, path, scope, summary, "application/json", h)
	rt.Response = reflect.TypeFor[Resp]()
	return rt
}

// with returns the route with parameters added.
func (rt Route) with(ps ...Param) Route {
	rt.Params = append(append([]Param(nil), rt.Params...), ps...)
	return rt
}

// tagged sets the tags of routes.
func tagged(tag string, rs ...Route) []Route {
	for i := range rs {
		rs[i].Tags = []string{tag}
	}
	return rs
}

// Parameter builders.

func pathHash() Param {
	return Param{Name: "content_hash", In: "path", Type: "string", Required: true, Description: "content hash of the memory"}
}

func intQuery(name, desc string, def, lo, hi int) Param {
	l, h := float64(lo), float64(hi)
	return Param{Name: name, In: "query", Type: "integer", Description: desc, Default: def, Minimum: &l, Maximum: &h}
}

func enumQuery(name, desc, def string, values ...string) Param {
	return Param{Name: name, In: "query", Type: "string", Description: desc, Default: def, Enum: values}
}

func strQuery(name, desc string) Param {
	return Param{Name: name, In: "query", Type: "string", Description: desc}
}

// paramsKey carries the validated parameters in the request context.
type paramsKey struct{}

// params are the validated path and query parameters of a request, with
// defaults filled in: int for integers, float64 for numbers, bool for
// booleans, string otherwise.
type params map[string]any

// paramsOf returns the request's validated parameters.
func paramsOf(r *http.Request) params {
	p, _ := r.Context().Value(paramsKey{}).(params)
	return p
}

func (p params) str(name string) string { s, _ := p[name].(string); return s }
func (p params) int(name string) int    { n, _ := p[name].(int); return n }
func (p params) bool(name string) bool  { b, _ := p[name].(bool); return b }

// parseParams validates the declared parameters of r.
func parseParams(decl []Param, r *http.Request) (params, error) {
	out := params{}
	q := r.URL.Query()
	for _, d := range decl {
		var v string
		if d.In == "path" {
			v = strings.TrimSpace(r.PathValue(d.Name))
		} else {
			v = strings.TrimSpace(q.Get(d.Name))
		}
		if v == "" {
			if d.Required {
				return nil, memory.Errorf(memory.EInvalid, "parameter %s is required", d.Name)
			}
			if d.Default != nil {
				out[d.Name] = d.Default
			}
			continue
		}
		val, err := parseParam(d, v)
		if err != nil {
			return nil, err
		}
		out[d.Name] = val
	}
	return out, nil
}

func parseParam(d Param, v string) (any, error) {
	switch d.Type {
	case "integer":
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, memory.Errorf(memory.EInvalid, "parameter %s must be an integer", d.Name)
		}
		if d.Minimum != nil && float64(n) < *d.Minimum {
			return nil, memory.Errorf(memory.EInvalid, "parameter %s must be at least %g, got %d", d.Name, *d.Minimum, n)
		}
		if d.Maximum != nil && float64(n) > *d.Maximum {
			return nil, memory.Errorf(memory.EInvalid, "parameter %s must be at most %g, got %d", d.Name, *d.Maximum, n)
		}
		return n, nil
	case "number":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, memory.Errorf(memory.EInvalid, "parameter %s must be a number", d.Name)
		}
		return f, nil
	case "boolean":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, memory.Errorf(memory.EInvalid, "parameter %s must be true or false", d.Name)
		}
		return b, nil
	}
	if len(d.Enum) > 0 {
		v = strings.ToLower(v)
		if !slices.Contains(d.Enum, v) {
			return nil, memory.Errorf(memory.EInvalid, "parameter %s must be one of %s", d.Name, strings.Join(d.Enum, ", "))
		}
	}
	return v, nil
}
