package cfemu

// Vectorize v2: indexes, NDJSON insert and upsert, queries with metadata
// filters and exact scores, get and delete by id, metadata indexes, and
// mutations applied asynchronously (after SetVectorizeLag) as the real
// service applies them.

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Vectorize's documented limits.
const (
	vzMaxID         = 64
	vzMaxMetadata   = 10 << 10
	vzMaxTopK       = 100
	vzMaxTopKValues = 20
	vzMaxUpsert     = 5000
	vzMaxUpload     = 100 << 20
	vzMaxFilter     = 2048
	vzMaxMetaIdx    = 10
	vzIndexedString = 64
)

// index is an emulated Vectorize index.
type index struct {
	name, metric string
	dims         int
	created      time.Time
	vectors      map[string]*vector
	metaIdx      map[string]string // property → string, number or boolean
	queue        []mutation
	doneAt       time.Time // processedUpToDatetime
	doneID       string    // processedUpToMutation
}

// vector is a stored vector; indexed holds the values of the metadata
// properties that had an index when it was written, as Vectorize filters
// on those.
type vector struct {
	ID        string         `json:"id"`
	Values    []float32      `json:"values"`
	Metadata  map[string]any `json:"metadata,omitempty"`
	Namespace string         `json:"namespace,omitempty"`
	indexed   map[string]any
}

// mutation is a change waiting to be applied.
type mutation struct {
	id    string
	at    time.Time
	apply func(ix *index)
}

// AddIndex creates an index of dims dimensions with metric "cosine",
// "euclidean" or "dot-product".
func (s *Server) AddIndex(name string, dims int, metric string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.indexes[name] = &index{name: name, metric: metric, dims: dims, created: s.opts.Now(),
		vectors: map[string]*vector{}, metaIdx: map[string]string{}}
}

// SetVectorizeLag makes mutations wait d before they are applied (and
// visible to queries), as the real service applies them asynchronously.
func (s *Server) SetVectorizeLag(d time.Duration) {
	s.mu.Lock()
	s.lag = d
	s.mu.Unlock()
}

// IndexVectors returns the ids of the vectors an index holds now.
func (s *Server) IndexVectors(name string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.indexes[name]
	if ix == nil {
		return nil
	}
	s.process(ix)
	var ids []string
	for id := range ix.vectors {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// process applies the mutations whose lag has passed. s.mu is held.
func (s *Server) process(ix *index) {
	now := s.opts.Now()
	n := 0
	for _, m := range ix.queue {
		if m.at.Add(s.lag).After(now) {
			break
		}
		m.apply(ix)
		ix.doneAt, ix.doneID = m.at, m.id
		n++
	}
	ix.queue = ix.queue[n:]
}

// enqueue adds a mutation and returns its id. s.mu is held.
func (s *Server) enqueue(ix *index, apply func(ix *index)) string {
	var b [16]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:4]) + "-" + hex.EncodeToString(b[4:6]) + "-" + hex.EncodeToString(b[6:8]) + "-" +
		hex.EncodeToString(b[8:10]) + "-" + hex.EncodeToString(b[10:])
	ix.queue = append(ix.queue, mutation{id: id, at: s.opts.Now(), apply: apply})
	s.process(ix)
	return id
}

// serveVectorize routes /vectorize/v2/indexes/{name}[/op].
func (s *Server) serveVectorize(r *http.Request, sub string) response {
	rest, ok := strings.CutPrefix(sub, "/vectorize/v2/indexes/")
	if !ok {
		return response{err: errorf(http.StatusNotFound, 7003, "Could not route to %s", sub)}
	}
	name, op, _ := strings.Cut(rest, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.indexes[name]
	if ix == nil {
		// 40008 is the code the API answers for an unknown index.
		return response{err: errorf(http.StatusNotFound, 40008, "vectorize.index.not_found: index %q does not exist", name)}
	}
	s.process(ix)
	var body []byte
	if r.Method == http.MethodPost {
		var e *apiError
		if body, e = readBody(r, vzMaxUpload); e != nil {
			return response{err: e}
		}
	}
	switch {
	case r.Method == http.MethodGet && op == "":
		return response{result: map[string]any{"name": ix.name, "description": "",
			"config":     map[string]any{"dimensions": ix.dims, "metric": ix.metric},
			"created_on": ix.created.UTC().Format(time.RFC3339Nano), "modified_on": ix.created.UTC().Format(time.RFC3339Nano)}}
	case r.Method == http.MethodGet && op == "info":
		info := map[string]any{"dimensions": ix.dims, "vectorCount": len(ix.vectors), "processedUpToDatetime": nil, "processedUpToMutation": nil}
		if ix.doneID != "" {
			info["processedUpToDatetime"] = ix.doneAt.UTC().Format(time.RFC3339Nano)
			info["processedUpToMutation"] = ix.doneID
		}
		return response{result: info}
	case r.Method == http.MethodPost && (op == "upsert" || op == "insert"):
		return s.vzWrite(ix, r, body, op == "upsert")
	case r.Method == http.MethodPost && op == "query":
		return vzQuery(ix, body)
	case r.Method == http.MethodPost && op == "get_by_ids":
		ids, e := vzIDs(body)
		if e != nil {
			return response{err: e}
		}
		out := []*vector{}
		for _, id := range ids {
			if v := ix.vectors[id]; v != nil {
				out = append(out, v)
			}
		}
		return response{result: out}
	case r.Method == http.MethodPost && op == "delete_by_ids":
		ids, e := vzIDs(body)
		if e != nil {
			return response{err: e}
		}
		id := s.enqueue(ix, func(ix *index) {
			for _, id := range ids {
				delete(ix.vectors, id)
			}
		})
		return response{result: map[string]any{"mutationId": id}}
	case r.Method == http.MethodGet && op == "metadata_index/list":
		list := []map[string]string{}
		for p, t := range ix.metaIdx {
			list = append(list, map[string]string{"propertyName": p, "indexType": t})
		}
		sort.Slice(list, func(i, j int) bool { return list[i]["propertyName"] < list[j]["propertyName"] })
		return response{result: map[string]any{"metadataIndexes": list}}
	case r.Method == http.MethodPost && op == "metadata_index/create":
		var req struct{ PropertyName, IndexType string }
		if err := json.Unmarshal(body, &req); err != nil || req.PropertyName == "" {
			return response{err: errorf(http.StatusBadRequest, 40004, "propertyName and indexType are required")}
		}
		if req.IndexType != "string" && req.IndexType != "number" && req.IndexType != "boolean" {
			return response{err: errorf(http.StatusBadRequest, 40004, "indexType must be string, number or boolean")}
		}
		if _, ok := ix.metaIdx[req.PropertyName]; ok {
			return response{err: errorf(http.StatusConflict, 40015, "a metadata index on %q already exists", req.PropertyName)}
		}
		if len(ix.metaIdx) >= vzMaxMetaIdx {
			return response{err: errorf(http.StatusBadRequest, 40016, "an index has at most %d metadata indexes", vzMaxMetaIdx)}
		}
		ix.metaIdx[req.PropertyName] = req.IndexType
		return response{result: map[string]any{"mutationId": s.enqueue(ix, func(*index) {})}}
	}
	return response{err: errorf(http.StatusNotFound, 7003, "Could not route to %s", sub)}
}

// vzIDs reads {"ids": [...]}.
func vzIDs(body []byte) ([]string, *apiError) {
	var req struct {
		IDs []string `json:"ids"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, errorf(http.StatusBadRequest, 40004, "the body must be {\"ids\": [...]}: %v", err)
	}
	return req.IDs, nil
}

// vzWrite parses an NDJSON upload and queues the upsert or insert.
func (s *Server) vzWrite(ix *index, r *http.Request, body []byte, upsert bool) response {
	discard := r.URL.Query().Get("unparsable-behavior") == "discard"
	var vs []*vector
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), vzMaxUpload)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var v vector
		err := json.Unmarshal(text, &v)
		if err == nil {
			err = ix.checkVector(&v)
		}
		if err != nil {
			if discard {
				continue
			}
			return response{err: errorf(http.StatusBadRequest, 40005, "line %d: %v", line, err)}
		}
		vs = append(vs, &v)
	}
	if len(vs) > vzMaxUpsert {
		return response{err: errorf(http.StatusBadRequest, 40006, "%d vectors in one request; the limit is %d", len(vs), vzMaxUpsert)}
	}
	// Metadata is indexed as the metadata indexes stand when written.
	for _, v := range vs {
		v.indexed = map[string]any{}
		for p, t := range ix.metaIdx {
			if val, ok := lookup(v.Metadata, p); ok && typeOf(val) == t {
				if str, ok := val.(string); ok {
					val = truncate(str, vzIndexedString)
				}
				v.indexed[p] = val
			}
		}
	}
	id := s.enqueue(ix, func(ix *index) {
		for _, v := range vs {
			if _, ok := ix.vectors[v.ID]; ok && !upsert {
				continue // insert keeps an existing vector
			}
			ix.vectors[v.ID] = v
		}
	})
	return response{result: map[string]any{"mutationId": id}}
}

// checkVector validates an uploaded vector against the index.
func (ix *index) checkVector(v *vector) error {
	switch {
	case v.ID == "":
		return fmt.Errorf("a vector has no id")
	case len(v.ID) > vzMaxID:
		return fmt.Errorf("vector id %q is longer than %d bytes", v.ID[:16], vzMaxID)
	case len(v.Values) != ix.dims:
		return fmt.Errorf("vector %s has %d dimensions; the index has %d", v.ID, len(v.Values), ix.dims)
	}
	for _, x := range v.Values {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("vector %s has a value that is not finite", v.ID)
		}
	}
	if b, _ := json.Marshal(v.Metadata); len(b) > vzMaxMetadata {
		return fmt.Errorf("vector %s has %d bytes of metadata; the limit is %d", v.ID, len(b), vzMaxMetadata)
	}
	return nil
}

// vzQuery answers a query: exact scores over the vectors passing the
// filter, best first.
func vzQuery(ix *index, body []byte) response {
	var req struct {
		Vector         []float32       `json:"vector"`
		TopK           *int            `json:"topK"`
		Filter         json.RawMessage `json:"filter"`
		ReturnValues   bool            `json:"returnValues"`
		ReturnMetadata any             `json:"returnMetadata"`
		Namespace      string          `json:"namespace"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return response{err: errorf(http.StatusBadRequest, 40004, "the query is malformed: %v", err)}
	}
	if len(req.Vector) != ix.dims {
		return response{err: errorf(http.StatusBadRequest, 40012, "the query vector has %d dimensions; the index has %d", len(req.Vector), ix.dims)}
	}
	topK := 5
	if req.TopK != nil {
		topK = *req.TopK
	}
	meta := "none"
	switch v := req.ReturnMetadata.(type) {
	case string:
		meta = v
	case bool:
		if v {
			meta = "all"
		}
	}
	limit := vzMaxTopK
	if req.ReturnValues || meta == "all" {
		limit = vzMaxTopKValues
	}
	if topK < 1 || topK > limit {
		return response{err: errorf(http.StatusBadRequest, 40025, "topK must be from 1 to %d with returnValues %v and returnMetadata %q", limit, req.ReturnValues, meta)}
	}
	f, e := parseFilter(req.Filter, ix)
	if e != nil {
		return response{err: e}
	}
	type match struct {
		v     *vector
		score float64
	}
	var ms []match
	for _, v := range ix.vectors {
		if v.Namespace != req.Namespace || !f.matches(v.indexed) {
			continue
		}
		ms = append(ms, match{v, score(ix.metric, req.Vector, v.Values)})
	}
	better := func(a, b float64) bool { return a > b }
	if ix.metric == "euclidean" {
		better = func(a, b float64) bool { return a < b }
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].score != ms[j].score {
			return better(ms[i].score, ms[j].score)
		}
		return ms[i].v.ID < ms[j].v.ID
	})
	if len(ms) > topK {
		ms = ms[:topK]
	}
	out := make([]map[string]any, len(ms))
	for i, m := range ms {
		o := map[string]any{"id": m.v.ID, "score": m.score}
		if m.v.Namespace != "" {
			o["namespace"] = m.v.Namespace
		}
		if req.ReturnValues {
			o["values"] = m.v.Values
		}
		switch meta {
		case "all":
			o["metadata"] = m.v.Metadata
		case "indexed":
			o["metadata"] = m.v.indexed
		}
		out[i] = o
	}
	return response{result: map[string]any{"count": len(out), "matches": out}}
}

// score is the similarity of a query and a vector for the metric: cosine,
// dot product, or Euclidean distance.
func score(metric string, q, v []float32) float64 {
	var dot, qq, vv, d2 float64
	for i := range q {
		a, b := float64(q[i]), float64(v[i])
		dot += a * b
		qq += a * a
		vv += b * b
		d2 += (a - b) * (a - b)
	}
	switch metric {
	case "euclidean":
		return math.Sqrt(d2)
	case "dot-product":
		return dot
	}
	if qq == 0 || vv == 0 {
		return 0
	}
	return dot / math.Sqrt(qq*vv)
}

// lookup reads a property of metadata; "a.b" reads nested objects.
func lookup(meta map[string]any, key string) (any, bool) {
	var cur any = meta
	for _, part := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// typeOf is the metadata index type of a JSON value ("" if none).
func typeOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return ""
}

// truncate cuts s to at most n bytes on a UTF-8 boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
