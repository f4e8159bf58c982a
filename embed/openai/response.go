package openai

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// response is the part of a /v1/embeddings response that is used.
type response struct {
	Data []struct {
		Index     *int            `json:"index"`
		Embedding json.RawMessage `json:"embedding"`
	} `json:"data"`
	Model string `json:"model"`
	Usage struct {
		PromptTokens int64 `json:"prompt_tokens"`
	} `json:"usage"`
	// Error is set by proxies that report failures with status 200.
	Error json.RawMessage `json:"error"`
}

// decoded is a validated response: n vectors of one length, in input order,
// not yet normalised.
type decoded struct {
	vectors      [][]float32
	model        string
	promptTokens int64
}

// decodeResponse parses body and checks that it holds exactly n finite,
// non-empty vectors of one length with indices 0..n-1 (or none at all).
// Errors wrap ErrInvalidResponse or ErrDimensionMismatch; redact is applied
// to any part of the body they quote.
func decodeResponse(body []byte, n int, redact func(string) string) (*decoded, error) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		if off, ok := nonFiniteLiteral(body, err); ok {
			return nil, fmt.Errorf("%w: non-finite value (NaN or Infinity) at byte %d", ErrInvalidResponse, off)
		}
		return nil, fmt.Errorf("%w: not JSON: %w (body: %s)", ErrInvalidResponse, err, redact(truncate(string(body), 200)))
	}
	if len(r.Data) == 0 && len(r.Error) > 0 && string(r.Error) != "null" {
		return nil, fmt.Errorf("%w: server error: %s", ErrInvalidResponse, redact(errorMessage(body)))
	}
	if len(r.Data) != n {
		return nil, fmt.Errorf("%w: got %d embeddings for %d inputs", ErrInvalidResponse, len(r.Data), n)
	}
	withIndex := 0
	for _, d := range r.Data {
		if d.Index != nil {
			withIndex++
		}
	}
	if withIndex != 0 && withIndex != n {
		return nil, fmt.Errorf("%w: %d of %d embeddings have no index", ErrInvalidResponse, n-withIndex, n)
	}

	vecs := make([][]float32, n)
	dim, dimFrom := 0, 0
	for i, d := range r.Data {
		pos := i
		if d.Index != nil {
			pos = *d.Index
			if pos < 0 || pos >= n {
				return nil, fmt.Errorf("%w: data[%d] has index %d, want 0 to %d", ErrInvalidResponse, i, pos, n-1)
			}
			if vecs[pos] != nil {
				return nil, fmt.Errorf("%w: index %d appears twice", ErrInvalidResponse, pos)
			}
		}
		v, err := parseVector(d.Embedding)
		if err != nil {
			return nil, fmt.Errorf("%w: embedding %d: %w", ErrInvalidResponse, pos, err)
		}
		if len(v) == 0 {
			return nil, fmt.Errorf("%w: embedding %d is empty", ErrInvalidResponse, pos)
		}
		if dim == 0 {
			dim, dimFrom = len(v), pos
		} else if len(v) != dim {
			return nil, fmt.Errorf("%w: response mixes %d-dimensional (embedding %d) and %d-dimensional (embedding %d) vectors",
				ErrDimensionMismatch, dim, dimFrom, len(v), pos)
		}
		vecs[pos] = v
	}
	return &decoded{vectors: vecs, model: r.Model, promptTokens: r.Usage.PromptTokens}, nil
}

// errNonFinite is returned by parseVector for NaN, ±Inf or a number too
// large for float32.
var errNonFinite = errors.New("non-finite value (NaN, Inf or out of float32 range)")

// parseVector reads a JSON array of numbers or a base64 string of
// little-endian float32 values. null and [] give an empty vector. raw is
// known to be valid JSON.
func parseVector(raw json.RawMessage) ([]float32, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil, nil
	case raw[0] == '"':
		return parseBase64(raw)
	case raw[0] != '[':
		return nil, fmt.Errorf("want an array of numbers or a base64 string, got %s", truncate(string(raw), 40))
	}
	inner := bytes.TrimSpace(raw[1 : len(raw)-1])
	if len(inner) == 0 {
		return nil, nil
	}
	v := make([]float32, 0, bytes.Count(inner, []byte{','})+1)
	for len(inner) > 0 {
		tok := inner
		if i := bytes.IndexByte(inner, ','); i >= 0 {
			tok, inner = inner[:i], inner[i+1:]
		} else {
			inner = nil
		}
		tok = bytes.TrimSpace(tok)
		f, err := strconv.ParseFloat(string(tok), 32)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, fmt.Errorf("element %d: %w", len(v), errNonFinite)
			}
			return nil, fmt.Errorf("element %d: %s is not a number", len(v), truncate(string(tok), 40))
		}
		v = append(v, float32(f))
	}
	return v, nil
}

// parseBase64 decodes a JSON string holding base64 little-endian float32s.
func parseBase64(raw json.RawMessage) ([]float32, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("base64: %w", err)
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("base64 payload of %d bytes is not a whole number of float32s", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		f := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return nil, fmt.Errorf("element %d: %w", i, errNonFinite)
		}
		v[i] = f
	}
	return v, nil
}

// nonFiniteLiteral reports whether a JSON syntax error is a bare NaN,
// Infinity or -Infinity, as written by Python's json module, and where.
func nonFiniteLiteral(body []byte, err error) (int64, bool) {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return 0, false
	}
	// The offset points just past the offending character.
	for _, back := range []int64{1, 2} {
		i := se.Offset - back
		if i < 0 || i >= int64(len(body)) {
			continue
		}
		rest := body[i:]
		if bytes.HasPrefix(rest, []byte("NaN")) || bytes.HasPrefix(rest, []byte("Infinity")) ||
			bytes.HasPrefix(rest, []byte("-Infinity")) {
			return i, true
		}
	}
	return 0, false
}

// normalize scales v to unit L2 norm in place; an all-zero v is left alone.
func normalize(v []float32) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return
	}
	inv := 1 / math.Sqrt(sum)
	for i, x := range v {
		v[i] = float32(float64(x) * inv)
	}
}
