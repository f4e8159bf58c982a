package cloudflare

// Vectorize v2: checking the index at Open, keeping it in step with D1
// (rows marked vindex are upserted or deleted, then unmarked), and its
// processing state, which tells searches which rows Vectorize may not have
// applied yet.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/mcp-memory-go/memory"
)

// metadataIndexes are the vector metadata properties searches filter on.
var metadataIndexes = []struct{ name, typ string }{
	{"owner", "string"}, {"model", "string"}, {"type", "string"}, {"created", "number"}, {"current", "boolean"},
}

// indexInfo is the processing state of the index.
type indexInfo struct {
	Dimensions            int    `json:"dimensions"`
	VectorCount           int64  `json:"vectorCount"`
	ProcessedUpToDatetime string `json:"processedUpToDatetime"`
	ProcessedUpToMutation string `json:"processedUpToMutation"`
}

// processedUpTo returns the time up to which the index applied mutations,
// or the zero time if it does not say.
func (i indexInfo) processedUpTo() time.Time {
	t, err := time.Parse(time.RFC3339Nano, i.ProcessedUpToDatetime)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (s *Store) indexPath() string { return "/vectorize/v2/indexes/" + s.cfg.VectorizeIndex }

// openIndex checks the index: it exists, uses the cosine metric, has the
// dimension of the model; and creates the metadata indexes it lacks.
func (s *Store) openIndex(ctx context.Context) error {
	var desc struct {
		Name   string `json:"name"`
		Config struct {
			Dimensions int    `json:"dimensions"`
			Metric     string `json:"metric"`
		} `json:"config"`
	}
	what := "the Vectorize index " + s.cfg.VectorizeIndex
	if err := s.c.getJSON(ctx, "vectorize", "get index", s.indexPath(), &desc); err != nil {
		return setupError(err, SettingIndex, what)
	}
	unfit := func(err *SetupError) error {
		if !s.cfg.IndexOptional {
			return err
		}
		s.log.Warn("the Vectorize index is left unused; vectors stay in D1", "index", s.cfg.VectorizeIndex, "why", err.Msg)
		s.cfg.VectorizeIndex = ""
		return nil
	}
	if desc.Config.Metric != "cosine" {
		return unfit(&SetupError{Setting: SettingIndex, Msg: fmt.Sprintf("%s uses the %s metric; memories need a cosine index (wrangler vectorize create NAME --dimensions=%d --metric=cosine)",
			what, desc.Config.Metric, desc.Config.Dimensions)})
	}
	dim := desc.Config.Dimensions
	if want := s.cfg.IndexDimensions; want > 0 && want != dim {
		return unfit(&SetupError{Setting: SettingIndex, Msg: fmt.Sprintf("%s has %d dimensions but the embedding model %s makes %d: use an index of %d dimensions or another model",
			what, dim, s.cfg.IndexModel, want, want)})
	}
	s.mu.Lock()
	known := s.dims[s.cfg.IndexModel]
	s.mu.Unlock()
	if known > 0 && known != dim {
		return unfit(&SetupError{Setting: SettingModel, Msg: fmt.Sprintf("the D1 database holds %d-dimensional vectors of %s but %s has %d dimensions",
			known, s.cfg.IndexModel, what, dim)})
	}
	var list struct {
		MetadataIndexes []struct {
			PropertyName string `json:"propertyName"`
			IndexType    string `json:"indexType"`
		} `json:"metadataIndexes"`
	}
	if err := s.c.getJSON(ctx, "vectorize", "list metadata indexes", s.indexPath()+"/metadata_index/list", &list); err != nil {
		return setupError(err, SettingIndex, what)
	}
	have := map[string]string{}
	for _, m := range list.MetadataIndexes {
		have[m.PropertyName] = m.IndexType
	}
	created := false
	for _, mi := range metadataIndexes {
		switch t, ok := have[mi.name]; {
		case ok && t != mi.typ:
			return &SetupError{Setting: SettingIndex, Msg: fmt.Sprintf("%s indexes metadata %q as %s, not %s: use an index made for memories", what, mi.name, t, mi.typ)}
		case ok:
			continue
		}
		body := map[string]string{"propertyName": mi.name, "indexType": mi.typ}
		err := s.c.postJSON(ctx, "vectorize", "create metadata index", s.indexPath()+"/metadata_index/create", body, nil)
		var ae *APIError
		if errors.As(err, &ae) && ae.Status == http.StatusConflict {
			continue // another process created it meanwhile
		}
		if err != nil {
			return setupError(err, SettingIndex, what)
		}
		created = true
	}
	if created {
		// Vectors upserted before a metadata index existed are not
		// filterable on it: upsert them again.
		if _, _, err := s.d1Query(ctx, "mark vectors", q("UPDATE memories SET vindex = 1 WHERE embedding_model = ? AND deleted_at IS NULL", s.cfg.IndexModel)); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.indexDim = dim
	s.mu.Unlock()
	return nil
}

// indexState returns the index's processing state, read again if older
// than a second or if fresh.
func (s *Store) indexState(ctx context.Context, fresh bool) (indexInfo, error) {
	s.mu.Lock()
	info, at := s.info, s.infoAt
	s.mu.Unlock()
	if !fresh && !at.IsZero() && time.Since(at) < time.Second {
		return info, nil
	}
	if err := s.c.getJSON(ctx, "vectorize", "index info", s.indexPath()+"/info", &info); err != nil {
		return info, err
	}
	s.mu.Lock()
	s.info, s.infoAt = info, time.Now()
	s.mu.Unlock()
	return info, nil
}

// indexable reports whether a memory with this vector model and length
// belongs in the index.
func (s *Store) indexable(model string, dim int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.indexDim > 0 && dim == s.indexDim && model == s.cfg.IndexModel
}

// indexAfterWrite brings the index up to date with the memories a write
// changed. A failure is logged: the rows stay marked, searches score them
// exactly, and the next write or Open retries.
func (s *Store) indexAfterWrite(ctx context.Context, ms []*memory.Memory) {
	if s.cfg.VectorizeIndex == "" || len(ms) == 0 {
		return
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = vectorID(m.Owner, m.Hash)
	}
	if err := s.indexRows(ctx, ids); err != nil {
		s.log.Warn("vectorize update failed; searches score the memories exactly until it succeeds", "err", err)
	}
}

// reindex processes up to limit marked rows of any write.
func (s *Store) reindex(ctx context.Context, limit int) error {
	if s.cfg.VectorizeIndex == "" {
		return nil
	}
	t, _, err := s.d1Query(ctx, "marked vectors", q("SELECT vector_id FROM memories WHERE vindex <> 0 LIMIT ?", limit))
	if err != nil || len(t.Rows) == 0 {
		return err
	}
	ids := make([]string, len(t.Rows))
	for i, r := range t.Rows {
		ids[i] = colString(r[0])
	}
	return s.indexRows(ctx, ids)
}

// vectorRecord is one line of an NDJSON upsert.
type vectorRecord struct {
	ID       string         `json:"id"`
	Values   []float32      `json:"values"`
	Metadata map[string]any `json:"metadata"`
}

// indexRows upserts or deletes in Vectorize the marked rows among these
// vector ids, then unmarks those that did not change meanwhile.
func (s *Store) indexRows(ctx context.Context, ids []string) error {
	s.indexing.Lock()
	defer s.indexing.Unlock()
	js, _ := json.Marshal(ids)
	t, _, err := s.d1Query(ctx, "read marked vectors", q(`SELECT m.id, m.seq, m.vector_id, m.owner, m.type, m.created_at,
		m.superseded_by, m.deleted_at, m.embedding_model, m.embedding_dim, m.embedding
		FROM memories m WHERE m.vector_id IN (SELECT value FROM json_each(?)) AND m.vindex <> 0`, string(js)))
	if err != nil || len(t.Rows) == 0 {
		return err
	}
	var upserts []vectorRecord
	var deletes []string
	type mark struct{ id, seq int64 }
	var done []mark
	for _, r := range t.Rows {
		done = append(done, mark{colInt(r[0]), colInt(r[1])})
		vid, model, dim := colString(r[2]), colString(r[8]), int(colInt(r[9]))
		if !colNull(r[7]) || colNull(r[10]) || !s.indexable(model, dim) {
			deletes = append(deletes, vid)
			continue
		}
		vec, err := decodeVector(colString(r[10]))
		if err != nil {
			return err
		}
		upserts = append(upserts, vectorRecord{ID: vid, Values: vec, Metadata: map[string]any{
			"owner": colString(r[3]), "model": model, "type": colString(r[4]),
			"created": colInt(r[5]), "current": colString(r[6]) == "",
		}})
	}
	for chunk := range slices.Chunk(upserts, 1000) {
		if err := s.upsertVectors(ctx, chunk); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(deletes, 1000) {
		if err := s.c.postJSON(ctx, "vectorize", "delete vectors", s.indexPath()+"/delete_by_ids", map[string]any{"ids": chunk}, nil); err != nil {
			return err
		}
	}
	sts := make([]stmt, len(done))
	for i, d := range done {
		sts[i] = q("UPDATE memories SET vindex = 0, vindexed_at = "+d1Now+" WHERE id = ? AND seq = ?", d.id, d.seq)
	}
	_, err = s.d1Batch(ctx, "unmark vectors", sts)
	return err
}

// upsertVectors sends records as NDJSON.
func (s *Store) upsertVectors(ctx context.Context, recs []vectorRecord) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("encode vector %s: %w", r.ID, err)
		}
	}
	_, err := s.c.call(ctx, request{service: "vectorize", op: "upsert vectors", method: http.MethodPost,
		path: s.indexPath() + "/upsert", body: buf.Bytes(), contentType: "application/x-ndjson"})
	return err
}

// vectorMatch is one match of a Vectorize query.
type vectorMatch struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
}

// queryIndex asks Vectorize for the topK nearest vectors passing filter.
func (s *Store) queryIndex(ctx context.Context, vec []float32, topK int, filter map[string]any) ([]vectorMatch, error) {
	body := map[string]any{"vector": vec, "topK": topK, "returnValues": false, "returnMetadata": "none"}
	if len(filter) > 0 {
		body["filter"] = filter
	}
	var res struct {
		Count   int           `json:"count"`
		Matches []vectorMatch `json:"matches"`
	}
	if err := s.c.postJSON(ctx, "vectorize", "query", s.indexPath()+"/query", body, &res); err != nil {
		return nil, err
	}
	return res.Matches, nil
}

// indexFilter returns the part of f that Vectorize can apply, as its
// metadata filter (within its 2 KiB limit): owner, model, supersession,
// types and creation time. What it leaves out is checked in D1.
func indexFilter(f filter, model string) map[string]any {
	// Vectorize indexes the first 64 bytes of a string: filter on as much.
	out := map[string]any{"owner": prefix(f.Owner, 64), "model": prefix(model, 64)}
	if !f.IncludeSuperseded {
		out["current"] = true
	}
	created := map[string]any{}
	if !f.After.IsZero() {
		created["$gte"] = bound(f.After)
	}
	if !f.Before.IsZero() {
		created["$lt"] = bound(f.Before)
	}
	if len(created) > 0 {
		out["created"] = created
	}
	types := make([]string, len(f.Types))
	for i, t := range f.Types {
		types[i] = prefix(t, 64)
	}
	switch len(types) {
	case 0:
	case 1:
		out["type"] = types[0]
	default:
		out["type"] = map[string]any{"$in": types}
	}
	if b, _ := json.Marshal(out); len(b) >= 2048 {
		delete(out, "type")
	}
	return out
}
