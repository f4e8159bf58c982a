package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/httperror"
)

// requireJSON refuses a request body that is not declared as JSON (415).
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return httperror.New(http.StatusUnsupportedMediaType, httperror.EUnsupportedMedia,
			"the request body must be JSON with Content-Type: application/json")
	}
	return nil
}

// tooLarge is the error for a body over the limit (413).
func tooLarge(limit int64) error {
	return httperror.New(http.StatusRequestEntityTooLarge, memory.ETooLarge, "the request body is larger than %d bytes", limit)
}

// decodeBody reads exactly one JSON value from r's body into v. Unknown
// fields are ignored, as upstream does. Errors are EInvalid (400) with a
// description of what is wrong, or 413 when the body exceeds the limit set
// by MaxBytesReader.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			if e := decodeError(err); httperror.Status(e) == http.StatusRequestEntityTooLarge {
				return e
			}
		}
		return memory.Errorf(memory.EInvalid, "the request body must hold one JSON value and nothing after it")
	}
	return nil
}

// decodeError describes a JSON decoding error for the client.
func decodeError(err error) error {
	var (
		maxErr    *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		domainErr *memory.Error
	)
	switch {
	case errors.As(err, &maxErr):
		return tooLarge(maxErr.Limit)
	case errors.Is(err, io.EOF):
		return memory.Errorf(memory.EInvalid, "the request body is empty: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return memory.Errorf(memory.EInvalid, "malformed JSON: the body ends too early")
	case errors.As(err, &syntaxErr):
		return memory.Errorf(memory.EInvalid, "malformed JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error())
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return memory.Errorf(memory.EInvalid, "the request body must be a JSON object, not %s", typeErr.Value)
		}
		return memory.Errorf(memory.EInvalid, "field %s must be %s, not %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &domainErr):
		return domainErr
	}
	return memory.Errorf(memory.EInvalid, "malformed JSON body")
}

// jsonKind names a Go kind in JSON terms.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return "of another type"
}

// Tags is a list of tags in a request body. Besides a JSON array of strings
// it accepts a comma-separated string, as upstream's tools do. Absent or
// null leaves it nil; [] or "" makes it empty but non-nil (which clears the
// tags of PUT /api/memories/{content_hash}).
type Tags []string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Tags) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return memory.Errorf(memory.EInvalid, "tags must be an array of strings or a comma-separated string")
		}
		*t = append(Tags{}, memory.SplitTagList(s)...)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return memory.Errorf(memory.EInvalid, "tags must be an array of strings or a comma-separated string")
	}
	*t = append(Tags{}, list...)
	return nil
}
