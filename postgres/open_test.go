package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/memorytest"
	"github.com/mcp-memory-go/memory/postgres"
)

// TestOpen_ServerDown needs no server: nothing listens on port 1. The
// error says the server is unavailable, names it, and keeps the password
// out.
func TestOpen_ServerDown(t *testing.T) {
	s := postgres.New("postgres://memory:s3cret-pw@127.0.0.1:1/memory?connect_timeout=5")
	err := s.Open(t.Context())
	if err == nil {
		s.Close()
		t.Fatal("Open() with no server = nil, want an error")
	}
	if memory.ErrorCode(err) != memory.EUnavailable || !strings.Contains(err.Error(), "127.0.0.1:1") || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("Open() with no server = %v (code %s); want EUnavailable naming 127.0.0.1:1, without the password", err, memory.ErrorCode(err))
	}
	if msg := memory.ErrorMessage(err); strings.Contains(msg, "127.0.0.1:1") || !strings.Contains(msg, "connection refused") {
		t.Errorf("ErrorMessage()=%q, want the reason, without the server (the message is for clients)", msg)
	}
}

func TestOpen_BadDSN(t *testing.T) {
	for _, dsn := range []string{
		"postgres://memory:s3cret-pw@127.0.0.1:notaport/memory",
		"host=127.0.0.1 password=s3cret-pw port=notaport",
		"postgres://memory:s3cret-pw@127.0.0.1/memory?pool_max_conns=lots",
	} {
		err := postgres.New(dsn).Open(t.Context())
		if err == nil || strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), "connection string") {
			t.Errorf("Open(%q)=%v, want an error about the connection string without the password", dsn, err)
		}
	}
}

// TestOpen_ConcurrentMigrations: daemons starting at once on a new schema
// migrate it once, under the advisory lock, and all start.
func TestOpen_ConcurrentMigrations(t *testing.T) {
	schema := NewSchema(t)
	const n = 4
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range stores {
		stores[i] = postgres.New(testDSN(t))
		stores[i].Schema = schema
		wg.Go(func() { errs[i] = stores[i].Open(context.Background()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open() #%d=%v", i, err)
			continue
		}
		defer stores[i].Close()
		if err := stores[i].Check(t.Context()); err != nil {
			t.Errorf("Check() #%d=%v", i, err)
		}
	}
}

func TestOpen_Reopen(t *testing.T) {
	schema := NewSchema(t)
	m := memorytest.NewMemory("alice", "survives a restart", memorytest.WithTags("t"),
		memorytest.WithEmbedding(memorytest.NewFakeEmbedder(8)))
	s := postgres.New(testDSN(t))
	s.Schema = schema
	if err := s.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(t.Context(), []*memory.Memory{m}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close()=%v", err)
	}
	s = MustOpenSchema(t, schema)
	got, err := s.Get(t.Context(), "alice", m.Hash)
	if err != nil || got.Content != m.Content || len(got.Embedding) != 8 {
		t.Errorf("Get() after reopen=%v, %v, want the memory with its vector", got, err)
	}
	// A vector of another length for the same model is refused, by this
	// store and by a new one that has not seen the model yet.
	bad := memorytest.NewMemory("alice", "other length", memorytest.WithVector("fake-8", make([]float32, 9)))
	for _, st := range []*postgres.Store{s, MustOpenSchema(t, schema)} {
		if err := st.Insert(t.Context(), []*memory.Memory{bad}); memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("Insert(9 floats for an 8-d model)=%v, want EInvalid", err)
		}
	}
}

func TestOpen_NewerSchema(t *testing.T) {
	schema := NewSchema(t)
	MustOpenSchema(t, schema)
	execSQL(t, "INSERT INTO "+schema+".memory_schema_migrations (version, name) VALUES (999, '0999_future.sql')")
	s := postgres.New(testDSN(t))
	s.Schema = schema
	if err := s.Open(t.Context()); err == nil || !strings.Contains(err.Error(), "newer") {
		s.Close()
		t.Errorf("Open(newer schema)=%v, want a refusal", err)
	}
}

func TestOpen_ForeignTables(t *testing.T) {
	schema := NewSchema(t)
	execSQL(t, "CREATE TABLE "+schema+".memories (id int PRIMARY KEY, content_hash text)")
	s := postgres.New(testDSN(t))
	s.Schema = schema
	if err := s.Open(t.Context()); err == nil || !strings.Contains(err.Error(), "did not create") {
		s.Close()
		t.Errorf("Open(schema with a foreign memories table)=%v, want a refusal", err)
	}
}

// TestUnstorableText: PostgreSQL's text holds no NUL character; a memory
// with one is refused as bad input, and filters or terms with one match
// nothing.
func TestUnstorableText(t *testing.T) {
	s := MustOpenStore(t)
	ctx := t.Context()
	ok := memorytest.NewMemory("alice", "plain text")
	for _, m := range []*memory.Memory{
		memorytest.NewMemory("alice", "nul \x00 inside"),
		memorytest.NewMemory("alice", "nul in a tag", func(m *memory.Memory) { m.Tags = []string{"a\x00b"} }),
		memorytest.NewMemory("alice", "nul in metadata", memorytest.WithMetadata(map[string]any{"k": "a\x00b"})),
		memorytest.NewMemory("alice", "bad utf-8", func(m *memory.Memory) { m.Content = "bad utf-8 \xff" }),
	} {
		if err := s.Insert(ctx, []*memory.Memory{ok, m}); memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("Insert(%q)=%v, want EInvalid", m.Content, err)
		}
	}
	if err := s.Insert(ctx, []*memory.Memory{ok}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []memory.Filter{
		{Owner: "alice", Contains: "\x00"},
		{Owner: "alice", Tags: []string{"\x00"}},
		{Owner: "alice", Hashes: []string{"\x00"}},
		{Owner: "alice\x00"},
	} {
		if ms, n, err := s.Find(ctx, f, memory.Page{}); err != nil || n != 0 || len(ms) != 0 {
			t.Errorf("Find(%+q)=%d, %v; want nothing", f.Owner+f.Contains, n, err)
		}
	}
	if _, err := s.Get(ctx, "alice", "\x00"); memory.ErrorCode(err) != memory.ENotFound {
		t.Errorf("Get(NUL hash)=%v, want ENotFound", err)
	}
}

// TestOpen_Lazy needs no server: a lazy store opens although nothing
// listens, and each call says the database is unavailable.
func TestOpen_Lazy(t *testing.T) {
	s := postgres.New("postgres://memory:s3cret-pw@127.0.0.1:1/memory?connect_timeout=5")
	s.Lazy = true
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open(lazy) with no server=%v, want nil", err)
	}
	defer s.Close()
	_, err := s.Get(t.Context(), "alice", "h")
	if memory.ErrorCode(err) != memory.EUnavailable || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("Get() with no server=%v, want EUnavailable without the password", err)
	}
	bad := postgres.New("postgres://memory@127.0.0.1:1/memory?sslmode=nonsense")
	bad.Lazy = true
	if err := bad.Open(t.Context()); err == nil {
		bad.Close()
		t.Error("Open(lazy) with a bad DSN=nil, want the error at once")
	}
}
