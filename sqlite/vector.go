package sqlite

// Vector search: keeping the slabs fresh across processes, VectorSearch and
// Preload.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"

	"github.com/mcp-memory-go/memory"
)

// vectors holds the slabs loaded so far, one per embedding model.
//
// Freshness: every write transaction bumps counters.seq and stores the new
// value in each row it changes (inserts, updates, deletes, new vectors).
// Before a search the slab compares counters.seq with the value it was
// loaded at — one single-row read — and, if another connection or process
// wrote since, loads only the rows whose seq is larger, in one read
// transaction, so that it never misses or half-applies a write. Physical
// row deletions, which leave no row to find, bump counters.purges instead,
// which makes the slab reload in full.
type vectors struct {
	mu    sync.Mutex // serialises loads and refreshes
	slabs map[string]*slab
}

// reset forgets every slab.
func (v *vectors) reset() {
	v.mu.Lock()
	v.slabs = nil
	v.mu.Unlock()
}

// counters reads the change counters.
func counters(ctx context.Context, q querier) (seq, purges int64, err error) {
	err = q.QueryRowContext(ctx, "SELECT seq, purges FROM counters WHERE id = 1").Scan(&seq, &purges)
	return seq, purges, err
}

// slab returns the up-to-date slab of model, loading or refreshing it.
func (s *Store) slab(ctx context.Context, model string, dim int) (*slab, error) {
	s.vec.mu.Lock()
	defer s.vec.mu.Unlock()
	seq, purges, err := counters(ctx, s.on(nil))
	if err != nil {
		return nil, fmt.Errorf("read change counter: %w", err)
	}
	sl := s.vec.slabs[model]
	switch {
	case sl == nil || sl.dim != dim || purges != sl.purges:
		start := time.Now()
		sl = newSlab(model, dim)
		if err := s.readRaw(ctx, func(c *sqlite3.Conn) error { return s.loadSlab(c, sl) }); err != nil {
			return nil, fmt.Errorf("load vectors of model %q: %w", model, err)
		}
		if s.vec.slabs == nil {
			s.vec.slabs = make(map[string]*slab)
		}
		s.vec.slabs[model] = sl
		s.Logger.Debug("vectors loaded", "model", model, "count", sl.live(), "elapsed", time.Since(start))
	case seq != sl.seq:
		sl.mu.Lock()
		defer sl.mu.Unlock()
		if err := s.readRaw(ctx, func(c *sqlite3.Conn) error { return s.refreshSlab(c, sl) }); err != nil {
			return nil, fmt.Errorf("refresh vectors of model %q: %w", model, err)
		}
		sl.compact()
	}
	return sl, nil
}

// readRaw runs fn in a read transaction on the SQLite handle of one
// connection. Loading vectors this way skips database/sql's per-value
// allocations: a third of the time of loading 100,000 rows.
func (s *Store) readRaw(ctx context.Context, fn func(c *sqlite3.Conn) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c := dc.(driver.Conn).Raw()
		defer c.SetInterrupt(c.SetInterrupt(ctx))
		return s.retryBusy(ctx, func() error {
			if err := c.Exec("BEGIN DEFERRED"); err != nil {
				return err
			}
			err := fn(c)
			if err == nil {
				err = c.Exec("COMMIT")
			}
			if err != nil && !c.GetAutocommit() {
				c.Exec("ROLLBACK") // never leave a transaction open on a pooled connection
			}
			return err
		})
	})
}

// rawRows runs query with text or integer args and calls row for each
// result row; the statement's memory is valid only during the call.
func rawRows(c *sqlite3.Conn, query string, row func(st *sqlite3.Stmt), args ...any) error {
	return rawQuery(c, query, func(st *sqlite3.Stmt) error { row(st); return nil }, args...)
}

// rawCounters reads the change counters.
func rawCounters(c *sqlite3.Conn) (seq, purges int64, err error) {
	err = rawRows(c, "SELECT seq, purges FROM counters WHERE id = 1", func(st *sqlite3.Stmt) {
		seq, purges = st.ColumnInt64(0), st.ColumnInt64(1)
	})
	return seq, purges, err
}

// slabLoadSQL reads every live vector of model ?1.
const slabLoadSQL = `SELECT m.id, m.owner, m.created_at, m.superseded_by <> '', v.embedding
	FROM memories m JOIN memory_vectors v ON v.memory_id = m.id
	WHERE m.embedding_model = ?1 AND m.deleted_at IS NULL`

// slabDeltaSQL reads the rows changed after seq ?2, with their vector if
// they are live and have one of model ?1.
const slabDeltaSQL = `SELECT m.id, m.owner, m.created_at, m.superseded_by <> '',
	CASE WHEN m.deleted_at IS NULL AND m.embedding_model = ?1
		THEN (SELECT v.embedding FROM memory_vectors v WHERE v.memory_id = m.id) END
	FROM memories m WHERE m.seq > ?2`

// loadSlab fills an empty slab with every live vector of its model.
func (s *Store) loadSlab(c *sqlite3.Conn, sl *slab) error {
	var err error
	if sl.seq, sl.purges, err = rawCounters(c); err != nil {
		return err
	}
	var n int
	err = rawRows(c, "SELECT count(*) FROM memories WHERE embedding_model = ? AND deleted_at IS NULL",
		func(st *sqlite3.Stmt) { n = st.ColumnInt(0) }, sl.model)
	if err != nil {
		return err
	}
	sl.grow(n)
	return rawRows(c, slabLoadSQL, func(st *sqlite3.Stmt) { s.putRow(sl, st) }, sl.model)
}

// refreshSlab applies the rows changed since the slab's seq.
func (s *Store) refreshSlab(c *sqlite3.Conn, sl *slab) error {
	seq, purges, err := rawCounters(c)
	if err != nil {
		return err
	}
	if purges != sl.purges {
		// Rows vanished: start again.
		sl.clear()
		return s.loadSlab(c, sl)
	}
	err = rawRows(c, slabDeltaSQL, func(st *sqlite3.Stmt) { s.putRow(sl, st) }, sl.model, sl.seq)
	if err != nil {
		return err
	}
	sl.seq = seq
	return nil
}

// putRow applies one row of slabLoadSQL or slabDeltaSQL: a vector to
// store, or none (NULL) to remove.
func (s *Store) putRow(sl *slab, st *sqlite3.Stmt) {
	id := st.ColumnInt64(0)
	blob := st.ColumnRawBlob(4)
	if blob == nil {
		sl.remove(id)
		return
	}
	s.putVector(sl, id, st.ColumnRawText(1), st.ColumnInt64(2), st.ColumnBool(3), blob)
}

// putVector adds a row's vector to the slab, skipping (and logging) one of
// the wrong length.
func (s *Store) putVector(sl *slab, id int64, owner []byte, created int64, sup bool, blob []byte) {
	if len(blob) != 4*sl.dim {
		s.Logger.Warn("vector of the wrong length skipped", "row", id, "model", sl.model, "bytes", len(blob), "dim", sl.dim)
		sl.remove(id)
		return
	}
	sl.put(id, owner, created, sup, blob)
}

// Preload loads the vectors of every embedding model and the keyword
// index now, so that the first searches do not pay for it. The service calls it in the
// background after start-up; it takes time proportional to the store.
func (s *Store) Preload(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "SELECT model, dim FROM embedding_models")
	if err != nil {
		return fmt.Errorf("preload vectors: %w", err)
	}
	models := map[string]int{}
	for rows.Next() {
		var model string
		var dim int
		if err := rows.Scan(&model, &dim); err != nil {
			rows.Close()
			return fmt.Errorf("preload vectors: %w", err)
		}
		models[model] = dim
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("preload vectors: %w", err)
	}
	for model, dim := range models {
		if _, err := s.slab(ctx, model, dim); err != nil {
			return fmt.Errorf("preload vectors: %w", err)
		}
	}
	return s.preloadKW(ctx)
}

// VectorSearch ranks owner's memories matching f that have a vector of
// model by cosine similarity to vec and returns at most limit hits, best
// first. It scores every candidate exactly: filters the slab cannot apply
// (hashes, tags, types, staleness, text) first select the candidates with
// an indexed query, so the hits are the true top-k within the filter. A
// zero vec, or a model with no vector stored, gives no hits. It returns
// EInvalid for an invalid filter, a limit below 1, an empty model, or a
// vec whose length differs from the model's vectors.
func (s *Store) VectorSearch(ctx context.Context, f memory.Filter, model string, vec []float32, limit int) ([]memory.Hit, error) {
	flt, err := vectorArgs(f, model, limit)
	if err != nil {
		return nil, err
	}
	top, err := s.vectorTop(ctx, flt, model, vec, limit, nil)
	if err != nil || len(top) == 0 {
		return nil, err
	}
	return s.hydrate(ctx, top)
}

// vectorTop returns the row ids and scores of VectorSearch, best first;
// cands as for slabFor.
func (s *Store) vectorTop(ctx context.Context, flt filter, model string, vec []float32, limit int, cands *candidateRows) ([]scored, error) {
	dim, err := s.modelDim(ctx, model)
	if err != nil {
		return nil, err
	}
	if dim == 0 {
		return nil, nil
	}
	if len(vec) != dim {
		return nil, memory.Errorf(memory.EInvalid, "query vector has %d dimensions; model %q has %d", len(vec), model, dim)
	}
	q := slices.Clone(vec)
	if normalize(q) == 0 {
		return nil, nil
	}
	sl, ids, err := s.slabFor(ctx, flt, model, dim, cands)
	if err != nil || sl == nil {
		return nil, err
	}
	return search(sl, flt, q, limit, ids), nil
}

// slabFor returns the up-to-date slab of model and, for a filter the slab
// cannot apply alone, the candidate row ids (nil: every row); a nil slab
// means no row can match. cands, if not nil, shares the candidate rows
// with another search of the same filter.
func (s *Store) slabFor(ctx context.Context, flt filter, model string, dim int, cands *candidateRows) (*slab, []int64, error) {
	sl, err := s.slab(ctx, model, dim)
	if err != nil {
		return nil, nil, err
	}
	if flt.inSlab() {
		return sl, nil, nil
	}
	ids, err := cands.read(ctx, s, flt)
	if err != nil || len(ids) == 0 {
		return nil, nil, err
	}
	return sl, ids, nil
}

// vectorArgs checks the arguments of a vector search.
func vectorArgs(f memory.Filter, model string, limit int) (filter, error) {
	flt, err := newFilter(f)
	switch {
	case err != nil:
		return flt, err
	case limit < 1:
		return flt, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	case model == "":
		return flt, memory.Errorf(memory.EInvalid, "vector search needs a model")
	}
	return flt, nil
}

// search scans the slab, or only the candidate rows ids when not nil.
func search(sl *slab, f filter, q []float32, k int, ids []int64) []scored {
	sl.mu.RLock()
	defer sl.mu.RUnlock()
	sc, ok := newScan(sl, f, ids)
	if !ok {
		return nil
	}
	return sl.search(q, k, sc)
}

// newScan says which slots a search of f scores (ids: the candidate rows,
// nil for all); false when the owner has no vector here. The caller holds
// sl.mu.
func newScan(sl *slab, f filter, ids []int64) (scan, bool) {
	sc := scan{
		owner:      sl.ownerID(f.Owner),
		superseded: f.IncludeSuperseded,
		after:      math.MinInt64,
		before:     math.MaxInt64,
		all:        ids == nil,
	}
	if sc.owner == 0 {
		return sc, false
	}
	if !f.After.IsZero() {
		sc.after = bound(f.After)
	}
	if !f.Before.IsZero() {
		sc.before = bound(f.Before)
	}
	if ids != nil {
		sc.slots = make([]int32, 0, len(ids))
		for _, id := range ids {
			if i, ok := sl.slot[id]; ok {
				sc.slots = append(sc.slots, i)
			}
		}
	}
	return sc, true
}

// candidateRows holds the candidate rows of one filter once read, for
// the two lists of a hybrid search. A nil *candidateRows reads them each
// time.
type candidateRows struct {
	ids  []int64
	done bool
}

// read returns the candidate rows of f (see candidates), reading them on
// the first call.
func (c *candidateRows) read(ctx context.Context, s *Store, f filter) ([]int64, error) {
	if c == nil {
		return s.candidates(ctx, f)
	}
	if !c.done {
		ids, err := s.candidates(ctx, f)
		if err != nil {
			return nil, err
		}
		c.ids, c.done = ids, true
	}
	return c.ids, nil
}

// candidates returns the ids of rows that may match f; the slab checks the
// rest.
func (s *Store) candidates(ctx context.Context, f filter) ([]int64, error) {
	var b sqlBuilder
	f.candidates(&b)
	rows, err := s.on(nil).QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("vector search candidates: %w", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("vector search candidates: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("vector search candidates: %w", err)
	}
	return ids, nil
}

// hydrate reads the memories of the top rows, keeping their order. A row
// deleted since the scan is left out.
func (s *Store) hydrate(ctx context.Context, top []scored) ([]memory.Hit, error) {
	ids := make([]int64, len(top))
	for i, t := range top {
		ids[i] = t.id
	}
	byID, err := s.hydrateIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", err)
	}
	return vectorHits(top, byID), nil
}

// vectorHits returns the hits of the top rows read in byID, keeping their
// order. A row deleted since the scan is left out.
func vectorHits(top []scored, byID map[int64]*memory.Memory) []memory.Hit {
	hits := make([]memory.Hit, 0, len(top))
	for _, t := range top {
		if m := byID[t.id]; m != nil {
			hits = append(hits, memory.Hit{Memory: m, Score: max(-1, min(1, float64(t.score)))})
		}
	}
	return hits
}

// hydrateIDs reads the live memories of the rows by row id.
func (s *Store) hydrateIDs(ctx context.Context, rowIDs []int64) (map[int64]*memory.Memory, error) {
	return s.readIDs(ctx, memoryCols, rowIDs)
}

// readIDs reads the columns cols (memoryCols or memoryColsNoVector) of
// the live memories of the rows by row id (repeated ids are read once).
func (s *Store) readIDs(ctx context.Context, cols string, rowIDs []int64) (map[int64]*memory.Memory, error) {
	ids := make([]int64, 0, len(rowIDs))
	seen := make(map[int64]bool, len(rowIDs))
	for _, id := range rowIDs {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	byID := make(map[int64]*memory.Memory, len(ids))
	if len(ids) == 0 {
		return byID, nil
	}
	js, _ := json.Marshal(ids) // int64s always marshal
	rows, err := s.on(nil).QueryContext(ctx, "SELECT "+cols+
		" FROM memories m WHERE m.id IN (SELECT value FROM json_each(?)) AND m.deleted_at IS NULL", string(js))
	if err != nil {
		return nil, fmt.Errorf("read memories: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, id, err := scanMemory(rows)
		if err != nil {
			return nil, fmt.Errorf("read memories: %w", err)
		}
		byID[id] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read memories: %w", err)
	}
	return byID, nil
}
