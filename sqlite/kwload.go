package sqlite

// The keyword index kept in step with the database: loaded in the
// background (FTS5 answers meanwhile), refreshed from the change counter
// before each search like the vector slab, checked against FTS5's own
// statistics, and used by KeywordSearch.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/ext/fts5"

	"github.com/mcp-memory-go/memory"
)

// keywords holds the keyword index of a Store.
//
// The index holds SQLite's own tokens: memory_tokens runs the full-text
// index's tokenizer (FTS5's xTokenize) on each memory's text and on each
// query term, so that no second tokenizer could disagree with it. Its
// statistics are checked against FTS5's after every load and refresh (the
// rows and tokens of its averages record): on a mismatch it is dropped
// and keyword search stays on FTS5.
type keywords struct {
	mu      sync.Mutex // serialises refreshes and guards the fields below
	idx     *kwIndex   // nil until loaded
	loading bool       // a background load runs
	broken  bool       // the index disagreed with FTS5: not used again

	ctx    context.Context // cancelled by Close, ending a background load
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// errKWMismatch reports an index whose statistics differ from FTS5's.
var errKWMismatch = errors.New("keyword index disagrees with the full-text index")

// start prepares the background work of an open store.
func (k *keywords) start() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ctx, k.cancel = context.WithCancel(context.Background())
	k.idx, k.loading, k.broken = nil, false, false
}

// stop cancels a background load and waits for it.
func (k *keywords) stop() {
	k.mu.Lock()
	cancel := k.cancel
	k.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	k.wg.Wait()
	k.mu.Lock()
	k.idx = nil
	k.mu.Unlock()
}

// maxTokenSize is FTS5_MAX_TOKEN_SIZE: FTS5 keeps at most this many bytes
// of a token, in documents and queries alike.
const maxTokenSize = 32768

// tokenSink receives what memory_tokens makes of one text.
type tokenSink struct {
	tokens    []string
	colocated bool // a token shared the position of the one before
}

// tokensFn is memory_tokens(memories_fts, sink, text): it tokenizes text
// with the table's tokenizer into sink (bound with sqlite3.Pointer) and
// returns the number of tokens.
const tokensFn = "memory_tokens"

// registerTokens registers memory_tokens.
func registerTokens(api *fts5.API) error {
	return api.CreateFunction(tokensFn, func(fts fts5.Context, ctx sqlite3.Context, arg ...sqlite3.Value) {
		var sink *tokenSink
		if len(arg) == 2 {
			sink, _ = arg[0].Pointer().(*tokenSink)
		}
		if sink == nil {
			ctx.ResultError(errors.New("memory_tokens called without its sink"))
			return
		}
		sink.tokens = sink.tokens[:0]
		err := fts.Tokenize(arg[1].Text(), "", func(flags fts5.TokenFlag, token string, _, _ int) error {
			if flags&fts5.TOKEN_COLOCATED != 0 {
				sink.colocated = true
			}
			if len(token) > maxTokenSize {
				token = token[:maxTokenSize]
			}
			sink.tokens = append(sink.tokens, token)
			return nil
		})
		if err != nil {
			ctx.ResultError(err)
			return
		}
		ctx.ResultInt(len(sink.tokens))
	})
}

// anyFTSRow is a condition naming one row of the full-text index, on
// which memory_tokens runs: an auxiliary function needs a row of its
// table, whatever text it tokenizes. The table is empty only when no
// memory is live.
const anyFTSRow = "memories_fts.rowid = (SELECT rowid FROM memories_fts LIMIT 1)"

// kwLoadSQL reads every live memory with its tokens (sink ?1).
const kwLoadSQL = `SELECT m.id, m.owner, m.created_at, m.superseded_by <> '', ` + tokensFn + `(memories_fts, ?1, m.content)
	FROM memories_fts CROSS JOIN memories m WHERE ` + anyFTSRow + ` AND m.deleted_at IS NULL`

// kwDeltaSQL reads the rows changed after seq ?1.
const kwDeltaSQL = `SELECT m.id, m.owner, m.created_at, m.superseded_by <> '', m.deleted_at IS NULL
	FROM memories m WHERE m.seq > ?1`

// kwTokensSQL tokenizes the memories whose ids are in the JSON array ?2.
const kwTokensSQL = `SELECT m.id, ` + tokensFn + `(memories_fts, ?1, m.content)
	FROM memories_fts CROSS JOIN memories m WHERE ` + anyFTSRow + ` AND m.id IN (SELECT value FROM json_each(?2))`

// kwTermsSQL tokenizes the texts of the JSON array ?2.
const kwTermsSQL = `SELECT j.key, ` + tokensFn + `(memories_fts, ?1, j.value)
	FROM memories_fts CROSS JOIN json_each(?2) AS j WHERE ` + anyFTSRow

// kwAveragesSQL reads FTS5's averages record (rows and tokens).
const kwAveragesSQL = "SELECT block FROM memories_fts_data WHERE id = 1"

// rawQuery runs query with args (strings, int64s, or a *tokenSink bound as
// a pointer) and calls row for each result row.
func rawQuery(c *sqlite3.Conn, query string, row func(st *sqlite3.Stmt) error, args ...any) error {
	st, _, err := c.Prepare(query)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, a := range args {
		switch a := a.(type) {
		case string:
			err = st.BindText(i+1, a)
		case int64:
			err = st.BindInt64(i+1, a)
		case *tokenSink:
			err = st.BindPointer(i+1, a)
		default:
			err = fmt.Errorf("argument %d: unsupported type %T", i+1, a)
		}
		if err != nil {
			return err
		}
	}
	for st.Step() {
		if err := row(st); err != nil {
			return err
		}
	}
	if err := st.Err(); err != nil {
		return err
	}
	return st.Close()
}

// addRow adds the row of kwLoadSQL, its tokens in sink, to x.
func addRow(x *kwIndex, st *sqlite3.Stmt, sink *tokenSink, buf []uint32) []uint32 {
	return x.add(kwDoc{
		id:         st.ColumnInt64(0),
		owner:      st.ColumnRawText(1),
		created:    st.ColumnInt64(2),
		superseded: st.ColumnBool(3),
		tokens:     sink.tokens,
	}, buf)
}

// loadKW reads the whole index in one read transaction.
func (s *Store) loadKW(ctx context.Context) (*kwIndex, error) {
	var x *kwIndex
	err := s.readRaw(ctx, func(c *sqlite3.Conn) error {
		// The load reads every memory once: through a small page cache,
		// so that it does not fill (and keep) a connection's cache with
		// pages that searches do not need.
		if err := c.Exec("PRAGMA cache_size = -1024"); err != nil {
			return err
		}
		defer c.Exec(fmt.Sprintf("PRAGMA cache_size = %d", -max(1, s.CacheSize>>10)))
		x = newKWIndex() // afresh on each try: readRaw retries a busy read
		var err error
		if x.seq, x.purges, err = rawCounters(c); err != nil {
			return err
		}
		sink := new(tokenSink)
		var buf []uint32
		err = rawQuery(c, kwLoadSQL, func(st *sqlite3.Stmt) error {
			buf = addRow(x, st, sink, buf)
			return nil
		}, sink)
		if err != nil {
			return err
		}
		return checkKW(c, x, sink)
	})
	if err != nil {
		return nil, err
	}
	x.pack()
	// Loading allocates several times what the index keeps (a string
	// for every token read): give it back now rather than let the heap
	// stay at its peak.
	debug.FreeOSMemory()
	return x, nil
}

// refreshKW applies the rows changed since x.seq, in one read transaction.
// The caller holds x.mu for writing. It fails if rows vanished since
// (counters.purges moved): the index must then be loaded again.
func (s *Store) refreshKW(ctx context.Context, x *kwIndex) error {
	return s.readRaw(ctx, func(c *sqlite3.Conn) error {
		seq, purges, err := rawCounters(c)
		if err != nil {
			return err
		}
		if purges != x.purges {
			return errKWPurged
		}
		type attrs struct {
			owner      []byte
			created    int64
			superseded bool
		}
		live := map[int64]attrs{}
		var ids []int64
		err = rawQuery(c, kwDeltaSQL, func(st *sqlite3.Stmt) error {
			id := st.ColumnInt64(0)
			x.remove(id)
			if st.ColumnBool(4) {
				live[id] = attrs{append([]byte(nil), st.ColumnRawText(1)...), st.ColumnInt64(2), st.ColumnBool(3)}
				ids = append(ids, id)
			}
			return nil
		}, x.seq)
		if err != nil {
			return err
		}
		sink := new(tokenSink)
		if len(ids) > 0 {
			js, _ := json.Marshal(ids) // int64s always marshal
			var buf []uint32
			err = rawQuery(c, kwTokensSQL, func(st *sqlite3.Stmt) error {
				id := st.ColumnInt64(0)
				a := live[id]
				buf = x.add(kwDoc{id: id, owner: a.owner, created: a.created, superseded: a.superseded, tokens: sink.tokens}, buf)
				return nil
			}, sink, string(js))
			if err != nil {
				return err
			}
		}
		x.seq = seq
		x.compact()
		return checkKW(c, x, sink)
	})
}

// errKWPurged reports rows deleted for good, which a refresh cannot see.
var errKWPurged = errors.New("rows were purged")

// checkKW compares the index with FTS5's averages record, in the same
// transaction: the same rows and the same tokens, or errKWMismatch.
func checkKW(c *sqlite3.Conn, x *kwIndex, sink *tokenSink) error {
	var rows, tokens int64
	err := rawQuery(c, kwAveragesSQL, func(st *sqlite3.Stmt) error {
		r, t, ok := parseAverages(st.ColumnRawBlob(0))
		if !ok {
			return errKWMismatch
		}
		rows, tokens = r, t
		return nil
	})
	if err != nil {
		return err
	}
	if sink.colocated || rows != x.rows || tokens != x.tokens {
		return fmt.Errorf("%w: %d rows and %d tokens, FTS5 has %d and %d", errKWMismatch, x.rows, x.tokens, rows, tokens)
	}
	return nil
}

// keywordIndex returns the index, brought up to date, or nil when keyword
// search should use FTS5: the index is off, not loaded yet (this starts a
// background load), or was found wrong.
func (s *Store) keywordIndex(ctx context.Context) (*kwIndex, error) {
	if s.NoKeywordIndex {
		return nil, nil
	}
	k := &s.kw
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.broken || k.ctx == nil {
		return nil, nil
	}
	x := k.idx
	if x == nil {
		s.loadKWLater()
		return nil, nil
	}
	seq, purges, err := counters(ctx, s.on(nil))
	if err != nil {
		return nil, fmt.Errorf("read change counter: %w", err)
	}
	if purges != x.purges {
		k.idx = nil
		s.loadKWLater()
		return nil, nil
	}
	if seq == x.seq {
		return x, nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	switch err := s.refreshKW(ctx, x); {
	case err == nil:
		return x, nil
	case errors.Is(err, errKWPurged):
		k.idx = nil
		s.loadKWLater()
		return nil, nil
	case errors.Is(err, errKWMismatch):
		k.idx, k.broken = nil, true
		s.Logger.Warn("keyword search falls back to SQLite's full-text index", "reason", err)
		return nil, nil
	default:
		k.idx = nil // half applied: load it again
		s.loadKWLater()
		return nil, fmt.Errorf("refresh keyword index: %w", err)
	}
}

// loadKWLater starts a background load unless one runs. The caller holds
// s.kw.mu.
func (s *Store) loadKWLater() {
	k := &s.kw
	if k.loading || k.ctx.Err() != nil {
		return
	}
	k.loading = true
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		s.installKW(s.loadKWTimed(k.ctx))
		k.mu.Lock()
		k.loading = false
		k.mu.Unlock()
	}()
}

// loadKWTimed loads the index and logs how long it took.
func (s *Store) loadKWTimed(ctx context.Context) (*kwIndex, error) {
	start := time.Now()
	x, err := s.loadKW(ctx)
	if err == nil {
		s.Logger.Debug("keyword index loaded", "memories", x.rows, "terms", len(x.terms), "elapsed", time.Since(start))
	}
	return x, err
}

// installKW makes a loaded index the store's, unless it holds a newer one.
func (s *Store) installKW(x *kwIndex, err error) error {
	k := &s.kw
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case errors.Is(err, errKWMismatch):
		k.idx, k.broken = nil, true
		s.Logger.Warn("keyword search falls back to SQLite's full-text index", "reason", err)
		return nil
	case err != nil:
		if k.ctx.Err() == nil {
			s.Logger.Warn("loading the keyword index", "err", err)
		}
		return err
	case k.broken || k.ctx.Err() != nil:
		return nil
	case k.idx == nil || k.idx.seq < x.seq || k.idx.purges != x.purges:
		k.idx = x
	}
	return nil
}

// preloadKW loads the keyword index now, unless it is off, loaded or
// loading (in the background: searches use FTS5 until it is done).
func (s *Store) preloadKW(ctx context.Context) error {
	if s.NoKeywordIndex {
		return nil
	}
	k := &s.kw
	k.mu.Lock()
	skip := k.idx != nil || k.broken || k.loading || k.ctx == nil
	k.loading = !skip
	k.mu.Unlock()
	if skip {
		return nil
	}
	err := s.installKW(s.loadKWTimed(ctx))
	k.mu.Lock()
	k.loading = false
	k.mu.Unlock()
	if err != nil {
		return fmt.Errorf("load keyword index: %w", err)
	}
	return nil
}

// maxTermCache bounds the cache of query terms' tokens.
const maxTermCache = 1 << 16

// termTokens returns the token of each text (FTS5's phrase text), "" for
// a text without any, or ok false if a text makes several tokens (a
// phrase, which the index cannot match) or cannot be tokenized now.
func (s *Store) termTokens(ctx context.Context, x *kwIndex, texts []string) (toks []string, ok bool, err error) {
	toks = make([]string, len(texts))
	var miss []string
	x.termMu.Lock()
	for i, t := range texts {
		tok, found := x.termCache[t]
		switch {
		case !found:
			miss = append(miss, t)
		case tok.n > 1:
			x.termMu.Unlock()
			return nil, false, nil
		default:
			toks[i] = tok.token
		}
	}
	x.termMu.Unlock()
	if len(miss) == 0 {
		return toks, true, nil
	}
	got := make([]termToken, len(miss))
	seen := make([]bool, len(miss))
	js, _ := json.Marshal(miss) // strings always marshal
	sink := new(tokenSink)
	err = s.readRaw(ctx, func(c *sqlite3.Conn) error {
		return rawQuery(c, kwTermsSQL, func(st *sqlite3.Stmt) error {
			i := st.ColumnInt(0)
			if i < 0 || i >= len(miss) {
				return fmt.Errorf("tokenize terms: unexpected key %d", i)
			}
			seen[i] = true
			got[i] = termToken{n: len(sink.tokens)}
			if len(sink.tokens) == 1 {
				got[i].token = sink.tokens[0]
			}
			return nil
		}, sink, string(js))
	})
	if err != nil {
		return nil, false, fmt.Errorf("tokenize terms: %w", err)
	}
	x.termMu.Lock()
	defer x.termMu.Unlock()
	if len(x.termCache) > maxTermCache {
		clear(x.termCache)
	}
	for i, t := range miss {
		if !seen[i] || sink.colocated {
			return nil, false, nil // no row to tokenize on: the index is stale
		}
		x.termCache[t] = got[i]
	}
	for i, t := range texts {
		tok := x.termCache[t]
		if tok.n > 1 {
			return nil, false, nil
		}
		toks[i] = tok.token
	}
	return toks, true, nil
}

// termToken is what the tokenizer makes of a query term: n tokens, the
// token when n is 1.
type termToken struct {
	token string
	n     int
}

// indexedKeywordSearch runs KeywordSearch on the keyword index, or returns
// ok false when FTS5 must answer (see keywordIndex and termTokens).
func (s *Store) indexedKeywordSearch(ctx context.Context, f filter, texts []string, limit int) (hits []memory.Hit, ok bool, err error) {
	found, ok, err := s.indexedKeywordTop(ctx, f, texts, limit, nil)
	if err != nil || !ok || len(found) == 0 {
		return nil, ok, err
	}
	ids := make([]int64, len(found))
	for i, h := range found {
		ids[i] = h.id
	}
	byID, err := s.hydrateIDs(ctx, ids)
	if err != nil {
		return nil, false, err
	}
	return keywordHits(found, byID), true, nil
}

// keywordHits returns the hits of the rows found that are in byID, keeping
// their order.
func keywordHits(found []kwHit, byID map[int64]*memory.Memory) []memory.Hit {
	hits := make([]memory.Hit, 0, len(found))
	for _, h := range found {
		if m := byID[h.id]; m != nil {
			hits = append(hits, memory.Hit{Memory: m, Score: h.score})
		}
	}
	return hits
}

// indexedKeywordTop returns the row ids and scores of indexedKeywordSearch;
// cands as for slabFor.
func (s *Store) indexedKeywordTop(ctx context.Context, f filter, texts []string, limit int, cands *candidateRows) (found []kwHit, ok bool, err error) {
	x, err := s.keywordIndex(ctx)
	if err != nil || x == nil {
		return nil, false, err
	}
	toks, ok, err := s.termTokens(ctx, x, texts)
	if err != nil || !ok {
		return nil, false, err
	}
	var ids []int64
	if !f.inSlab() {
		if ids, err = cands.read(ctx, s, f); err != nil {
			return nil, false, err
		}
		if len(ids) == 0 {
			return nil, true, nil
		}
	}
	return x.find(f, toks, ids, limit), true, nil
}

// find searches the index for the tokens of the phrases ("": none) within
// f and, unless nil, the candidate rows.
func (x *kwIndex) find(f filter, toks []string, cands []int64, limit int) []kwHit {
	x.mu.RLock()
	defer x.mu.RUnlock()
	sc := kwScan{
		owner:      x.owner[f.Owner],
		superseded: f.IncludeSuperseded,
		after:      minInt64,
		before:     maxInt64,
	}
	if sc.owner == 0 {
		return nil
	}
	if !f.After.IsZero() {
		sc.after = bound(f.After)
	}
	if !f.Before.IsZero() {
		sc.before = bound(f.Before)
	}
	if cands != nil {
		sc.allow = make([]uint64, (len(x.ids)+63)/64)
		for _, id := range cands {
			if i, ok := x.slot[id]; ok {
				sc.allow[i/64] |= 1 << (i % 64)
			}
		}
	}
	phrases := make([]int32, len(toks))
	for i, tok := range toks {
		phrases[i] = -1
		if t, ok := x.vocab[tok]; ok && tok != "" {
			phrases[i] = int32(t)
		}
	}
	return x.search(phrases, sc, limit)
}

const (
	minInt64 = -1 << 63
	maxInt64 = 1<<63 - 1
)
