package cfemu

// Workers AI text embeddings: POST /ai/run/{model} with {"text": …}. The
// vectors are a deterministic stand-in for the real models (hashed words
// and character trigrams), with the real models' dimensions and batch
// limit.

import (
	"encoding/json"
	"hash/fnv"
	"math"
	"net/http"
	"strings"
	"unicode"
)

// aiModels are the embedding models the emulator serves, with their
// dimensions.
var aiModels = map[string]int{
	"@cf/baai/bge-small-en-v1.5": 384,
	"@cf/baai/bge-base-en-v1.5":  768,
	"@cf/baai/bge-large-en-v1.5": 1024,
	"@cf/baai/bge-m3":            1024,
}

// aiMaxBatch is the most texts one request embeds; aiMaxTokens the part of
// a text the model reads (words stand in for tokens here).
const (
	aiMaxBatch  = 100
	aiMaxTokens = 512
)

// serveAI answers POST /ai/run/{model}.
func (s *Server) serveAI(r *http.Request, sub string) response {
	model, _ := strings.CutPrefix(sub, "/ai/run/")
	model = strings.ReplaceAll(model, "%40", "@")
	dims, ok := aiModels[model]
	if !ok {
		// 5007 is the code Workers AI answers for an unknown model.
		return response{err: errorf(http.StatusBadRequest, 5007, "No such model %s or task", model)}
	}
	if r.Method != http.MethodPost {
		return response{err: errorf(http.StatusMethodNotAllowed, 10000, "Method not allowed")}
	}
	body, e := readBody(r, 10<<20)
	if e != nil {
		return response{err: e}
	}
	var req struct {
		Text    json.RawMessage `json:"text"`
		Pooling string          `json:"pooling"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return response{err: errorf(http.StatusBadRequest, 5006, "Error: required properties at '/' are 'text'")}
	}
	var texts []string
	if err := json.Unmarshal(req.Text, &texts); err != nil {
		var one string
		if err := json.Unmarshal(req.Text, &one); err != nil {
			return response{err: errorf(http.StatusBadRequest, 5006, "Error: required properties at '/' are 'text'")}
		}
		texts = []string{one}
	}
	if len(texts) == 0 || len(texts) > aiMaxBatch {
		return response{err: errorf(http.StatusBadRequest, 5006, "Error: /text must NOT have more than %d items", aiMaxBatch)}
	}
	if req.Pooling == "" {
		req.Pooling = "mean"
	}
	data := make([][]float32, len(texts))
	for i, t := range texts {
		data[i] = standIn(dims, req.Pooling, t)
	}
	return response{result: map[string]any{"shape": []int{len(texts), dims}, "data": data, "pooling": req.Pooling}}
}

// standIn is the emulator's deterministic embedding: each of the first
// aiMaxTokens lower-cased words adds ±1 at two hashed components and
// ±0.5 for each of its character trigrams, then the sum is normalised. CLS
// pooling hashes differently, as the real models' two poolings are not
// comparable either.
func standIn(dims int, pooling, text string) []float32 {
	v := make([]float64, dims)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) > aiMaxTokens {
		words = words[:aiMaxTokens]
	}
	add := func(feature string, w float64) {
		h := fnv.New64a()
		h.Write([]byte(pooling))
		h.Write([]byte{0})
		h.Write([]byte(feature))
		x := h.Sum64()
		for k := 0; k < 2; k++ {
			i := int(x % uint64(dims))
			sign := 1.0
			if (x>>32)&1 == 1 {
				sign = -1
			}
			v[i] += sign * w
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	for _, w := range words {
		add("w:"+w, 1)
		r := []rune("^" + w + "$")
		for i := 0; i+3 <= len(r); i++ {
			add("t:"+string(r[i:i+3]), 0.5)
		}
	}
	var ss float64
	for _, x := range v {
		ss += x * x
	}
	out := make([]float32, dims)
	if ss == 0 {
		return out
	}
	inv := 1 / math.Sqrt(ss)
	for i, x := range v {
		out[i] = float32(x * inv)
	}
	return out
}
