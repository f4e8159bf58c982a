package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
	"github.com/mcp-memory-go/memory/auth/authtest"
	"github.com/mcp-memory-go/memory/ingest"
	"github.com/mcp-memory-go/memory/ingest/ingesttest"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/oauth"
	"github.com/mcp-memory-go/memory/oauth/oauthtest"
	"github.com/mcp-memory-go/memory/postgres"
	"github.com/mcp-memory-go/memory/postgres/postgrestest"
)

// testDSN returns the test server's DSN, or skips the test saying how to
// run it.
func testDSN(tb testing.TB) string { return postgrestest.DSN(tb) }

// NewSchema returns a new schema on the test server, dropped when the
// test ends.
func NewSchema(tb testing.TB) string { return postgrestest.NewSchema(tb) }

// execSQL runs sql on the test server with a connection of its own.
func execSQL(tb testing.TB, sql string) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testDSN(tb))
	if err != nil {
		tb.Fatalf("connect to %s: %v", postgrestest.DSNVar, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

// MustOpenStore opens a store on a new schema and closes it when the test
// ends. configure changes the store before Open.
func MustOpenStore(tb testing.TB, configure ...func(*postgres.Store)) *postgres.Store {
	tb.Helper()
	return MustOpenSchema(tb, NewSchema(tb), configure...)
}

// MustOpenSchema opens a store on an existing schema and closes it when
// the test ends.
func MustOpenSchema(tb testing.TB, schema string, configure ...func(*postgres.Store)) *postgres.Store {
	tb.Helper()
	return MustOpenDSN(tb, testDSN(tb), schema, configure...)
}

// MustOpenDSN opens a store on dsn and schema and closes it when the test
// ends.
func MustOpenDSN(tb testing.TB, dsn, schema string, configure ...func(*postgres.Store)) *postgres.Store {
	tb.Helper()
	s := postgres.New(dsn)
	s.Schema = schema
	for _, c := range configure {
		c(s)
	}
	if err := s.Open(context.Background()); err != nil {
		tb.Fatalf("Open()=%v, want nil", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close()=%v, want nil", err)
		}
	})
	return s
}

// withParams returns dsn with runtime parameters added.
func withParams(tb testing.TB, dsn string, params map[string]string) string {
	tb.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		tb.Skipf("%s is not a URL; this test adds parameters to it", postgrestest.DSNVar)
	}
	q := u.Query()
	for k, v := range params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func TestStore(t *testing.T) {
	testDSN(t)
	memorytest.RunStoreTests(t, func(t *testing.T) memory.Store { return MustOpenStore(t) })
}

// TestStoreIndexScans runs the contract suite with the planner pushed
// towards index scans (no sequential scans, sorts avoided), so that
// vector searches go through the HNSW index even on the suite's small
// tables: the index path, with its exact fallback, must give the same
// answers.
func TestStoreIndexScans(t *testing.T) {
	dsn := withParams(t, testDSN(t), map[string]string{"enable_seqscan": "off", "enable_sort": "off", "enable_bitmapscan": "off"})
	memorytest.RunStoreTests(t, func(t *testing.T) memory.Store { return MustOpenDSN(t, dsn, NewSchema(t)) })
}

// TestStoreDeferredIndexes runs the contract suite without HNSW indexes
// (IndexNewModels off, as during a bulk load): every vector search is
// exact.
func TestStoreDeferredIndexes(t *testing.T) {
	testDSN(t)
	memorytest.RunStoreTests(t, func(t *testing.T) memory.Store {
		return MustOpenStore(t, func(s *postgres.Store) { s.IndexNewModels = false })
	})
}

func TestKeyStoreContract(t *testing.T) {
	testDSN(t)
	authtest.RunKeyStoreTests(t, func(t *testing.T) auth.KeyStore { return MustOpenStore(t) })
}

// TestSharedKeyStoreContract: two stores (two pools, as two daemons have)
// on one schema see each other's keys at once.
func TestSharedKeyStoreContract(t *testing.T) {
	testDSN(t)
	authtest.RunSharedKeyStoreTests(t, func(t *testing.T) (auth.KeyStore, auth.KeyStore) {
		schema := NewSchema(t)
		return MustOpenSchema(t, schema), MustOpenSchema(t, schema)
	})
}

func TestUserStoreContract(t *testing.T) {
	testDSN(t)
	authtest.RunUserStoreTests(t, func(t *testing.T) auth.UserStore { return MustOpenStore(t) })
}

func TestOAuthStoreContract(t *testing.T) {
	testDSN(t)
	oauthtest.RunStoreTests(t, func(t *testing.T) oauth.Store { return MustOpenStore(t) })
}

// TestOAuthStoreContractShared runs the OAuth suite with every call going
// to one of two stores on one schema in turn, as requests of one client
// reach two daemons behind a load balancer.
func TestOAuthStoreContractShared(t *testing.T) {
	testDSN(t)
	oauthtest.RunStoreTests(t, func(t *testing.T) oauth.Store {
		schema := NewSchema(t)
		return &alternate{stores: [2]oauth.Store{MustOpenSchema(t, schema), MustOpenSchema(t, schema)}}
	})
}

func TestHistoryContract(t *testing.T) {
	testDSN(t)
	ingesttest.RunHistoryTests(t, func(t *testing.T) ingest.History { return MustOpenStore(t) })
}

// TestHistoryNodes: two daemons on one database show every upload, but
// each resumes only those it accepted, whose files are in its spool.
func TestHistoryNodes(t *testing.T) {
	schema := NewSchema(t)
	a := MustOpenSchema(t, schema, func(s *postgres.Store) { s.UploadNode = "host-a:/var/lib/memory/uploads" })
	b := MustOpenSchema(t, schema, func(s *postgres.Store) { s.UploadNode = "host-b:/var/lib/memory/uploads" })
	ctx := t.Context()
	if err := a.SaveUpload(ctx, ingesttest.NewUpload("alice", "from-a", 0)); err != nil {
		t.Fatal(err)
	}
	if err := b.SaveUpload(ctx, ingesttest.NewUpload("alice", "from-b", 1)); err != nil {
		t.Fatal(err)
	}
	// b saves a's upload (as a REST handler on b might not, but a bug
	// could): the upload stays a's to resume.
	u, err := b.Upload(ctx, "alice", "from-a")
	if err != nil {
		t.Fatal(err)
	}
	u.Status = ingest.StatusProcessing
	if err := b.SaveUpload(ctx, u); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s    *postgres.Store
		want string
	}{{a, "from-a"}, {b, "from-b"}} {
		got, err := c.s.UnfinishedUploads(ctx)
		if err != nil || len(got) != 1 || got[0].ID != c.want {
			t.Errorf("UnfinishedUploads() on %s=%v, %v, want [%s]", c.s.UploadNode, got, err, c.want)
		}
		all, err := c.s.Uploads(ctx, "alice", 0)
		if err != nil || len(all) != 2 {
			t.Errorf("Uploads() on %s=%d, %v, want both", c.s.UploadNode, len(all), err)
		}
	}
}

// TestLoad: memories loaded with COPY read and rank exactly as the same
// memories inserted (the owner's counts and lengths included, which
// keyword ranking uses); a load holding an existing memory fails whole.
func TestLoad(t *testing.T) {
	fake := memorytest.NewFakeEmbedder(16)
	var ms []*memory.Memory
	for i := range 300 {
		ms = append(ms, memorytest.NewMemory("alice", fmt.Sprintf("loaded memory %d about apples %d", i, i%7),
			memorytest.WithEmbedding(fake), memorytest.WithTags(fmt.Sprintf("t%d", i%3)), memorytest.WithMetadata(map[string]any{"i": float64(i)})))
	}
	loaded := MustOpenStore(t, func(s *postgres.Store) { s.IndexNewModels = false })
	inserted := MustOpenStore(t)
	ctx := t.Context()
	if err := loaded.Load(ctx, ms); err != nil {
		t.Fatalf("Load()=%v", err)
	}
	if err := loaded.BuildIndexes(ctx); err != nil {
		t.Fatalf("BuildIndexes()=%v", err)
	}
	if err := inserted.Insert(ctx, ms); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*memory.Memory{ms[0], ms[299]} {
		got, err := loaded.Get(ctx, "alice", m.Hash)
		if err != nil || got.Content != m.Content || len(got.Embedding) != 16 || got.Metadata["i"] != m.Metadata["i"] || got.Tags[0] != m.Tags[0] {
			t.Errorf("Get(loaded)=%+v, %v, want %+v", got, err, m)
		}
	}
	f := memory.Filter{Owner: "alice"}
	a, err := loaded.KeywordSearch(ctx, f, []string{"apples", "3"}, 20)
	if err != nil {
		t.Fatal(err)
	}
	b, err := inserted.KeywordSearch(ctx, f, []string{"apples", "3"}, 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 20 || len(a) != len(b) {
		t.Fatalf("KeywordSearch: loaded %d hits, inserted %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Memory.Hash != b[i].Memory.Hash || a[i].Score != b[i].Score {
			t.Errorf("KeywordSearch()[%d]: loaded %s %v, inserted %s %v", i, a[i].Memory.Hash, a[i].Score, b[i].Memory.Hash, b[i].Score)
		}
	}
	if st, err := loaded.Stats(ctx, "alice"); err != nil || st.Memories != 300 || st.Models[fake.Model().Name] != 300 {
		t.Errorf("Stats() after Load=%+v, %v", st, err)
	}
	again := []*memory.Memory{memorytest.NewMemory("alice", "new one"), ms[5]}
	if err := loaded.Load(ctx, again); memory.ErrorCode(err) != memory.EConflict {
		t.Errorf("Load(with an existing memory)=%v, want EConflict", err)
	}
	if _, err := loaded.Get(ctx, "alice", again[0].Hash); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("Get(new memory of the failed load)=%v, want ENotFound", err)
	}
}

// TestStatisticsStayExact: the counts the statement triggers keep (each
// owner's live memories, words, tombstones and superseded memories, and
// its live memories by word, tag, type and model: what keyword ranking,
// Stats and Tags read) equal those counted from the table after inserts,
// loads, updates, touches, deletes, tombstones replaced, versions and new
// vectors.
func TestStatisticsStayExact(t *testing.T) {
	schema := NewSchema(t)
	s := MustOpenSchema(t, schema)
	ctx := t.Context()
	fake := memorytest.NewFakeEmbedder(8)
	var ms []*memory.Memory
	for i := range 60 {
		owner := []string{"alice", "bob"}[i%2]
		ms = append(ms, memorytest.NewMemory(owner, fmt.Sprintf("word%d shared words repeated repeated %d", i%5, i), memorytest.WithEmbedding(fake), memorytest.WithTags(fmt.Sprintf("tag%d", i%4), "all")))
	}
	if err := s.Insert(ctx, ms[:30]); err != nil {
		t.Fatal(err)
	}
	if err := s.Load(ctx, ms[30:]); err != nil {
		t.Fatal(err)
	}
	upd := *ms[3]
	upd.Tags, upd.Type = []string{"changed", "more"}, "decision"
	if err := s.Update(ctx, &upd); err != nil {
		t.Fatal(err)
	}
	old := *ms[5]
	old.SupersededBy = ms[7].Hash
	if err := s.Update(ctx, &old); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch(ctx, "alice", memorytest.Hashes(ms[0], ms[2]), memorytest.Epoch); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, memory.Filter{Owner: "alice", Hashes: memorytest.Hashes(ms[0], ms[2], ms[4])}, memorytest.Epoch, false); err != nil {
		t.Fatal(err)
	}
	// A deleted memory stored again replaces its tombstone.
	if err := s.Insert(ctx, []*memory.Memory{memorytest.NewMemory("alice", ms[2].Content)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEmbeddings(ctx, []memory.EmbeddingUpdate{{Owner: "bob", Hash: ms[1].Hash, Model: "other", Vector: []float32{1, 2}}}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Each pair: what the triggers keep (zero counts left out), and the
	// same counted from the table.
	for name, pair := range map[string][2]string{
		"owner counts": {
			`SELECT owner, live, words, tombstones, superseded FROM %[1]s.memory_owner_counts
				WHERE live <> 0 OR words <> 0 OR tombstones <> 0 OR superseded <> 0`,
			`SELECT owner, count(*) FILTER (WHERE deleted_at IS NULL), coalesce(sum(fts_len) FILTER (WHERE deleted_at IS NULL), 0),
				count(*) FILTER (WHERE deleted_at IS NOT NULL), count(*) FILTER (WHERE deleted_at IS NULL AND superseded_by <> '')
				FROM %[1]s.memories GROUP BY owner`},
		"lexemes": {
			`SELECT owner, lexeme, docs FROM %[1]s.memory_lexemes WHERE docs <> 0`,
			`SELECT m.owner, u.lexeme, count(*) FROM %[1]s.memories m, unnest(m.fts) u WHERE m.deleted_at IS NULL GROUP BY 1, 2`},
		"tags": {
			`SELECT owner, tag, docs FROM %[1]s.memory_tag_counts WHERE docs <> 0`,
			`SELECT m.owner, t, count(*) FROM %[1]s.memories m, unnest(m.tags) t WHERE m.deleted_at IS NULL GROUP BY 1, 2`},
		"types": {
			`SELECT owner, type, docs FROM %[1]s.memory_type_counts WHERE docs <> 0`,
			`SELECT owner, type, count(*) FROM %[1]s.memories WHERE deleted_at IS NULL GROUP BY 1, 2`},
		"models": {
			`SELECT owner, model_id, docs FROM %[1]s.memory_model_counts WHERE docs <> 0`,
			`SELECT owner, coalesce(model_id, 0), count(*) FROM %[1]s.memories WHERE deleted_at IS NULL GROUP BY 1, 2`},
	} {
		kept, counted := fmt.Sprintf(pair[0], schema), fmt.Sprintf(pair[1], schema)
		query := "(" + kept + " EXCEPT " + counted + ") UNION ALL (" + counted + " EXCEPT " + kept + ")"
		rows, err := conn.Query(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		var diff []string
		for rows.Next() {
			vals, _ := rows.Values()
			diff = append(diff, fmt.Sprint(vals...))
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		if len(diff) > 0 {
			t.Errorf("%s differ from the table: %v", name, diff)
		}
	}
}
