// Package upstreamtest builds databases with the schema of upstream's
// sqlite_vec.db (doobidoo/mcp-memory-service, src/storage/sqlite_vec.py and
// its migrations 008-011) for the tests of the migrate command.
//
// The vector table is a sqlite-vec vec0 virtual table, a module this
// program cannot load: Build writes its schema row and shadow tables as
// sqlite-vec leaves them, so that the file looks to a reader exactly like
// upstream's does (touching memory_embeddings fails with "no such module").
package upstreamtest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/ext/fts5"
)

// Schema is upstream's schema, from reference/upstream.md §5.2.
const Schema = `
CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO metadata VALUES ('distance_metric', 'cosine'), ('fts5_enabled', 'true');
CREATE TABLE memories (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	content_hash TEXT UNIQUE NOT NULL,
	content TEXT NOT NULL,
	tags TEXT,
	memory_type TEXT,
	metadata TEXT,
	created_at REAL,
	updated_at REAL,
	created_at_iso TEXT,
	updated_at_iso TEXT,
	deleted_at REAL DEFAULT NULL,
	parent_id TEXT,
	version INTEGER DEFAULT 1,
	confidence REAL DEFAULT 1.0,
	last_accessed INTEGER,
	superseded_by TEXT
);
CREATE INDEX idx_content_hash ON memories(content_hash);
CREATE INDEX idx_created_at ON memories(created_at);
CREATE INDEX idx_memory_type ON memories(memory_type);
CREATE INDEX idx_deleted_at ON memories(deleted_at);
CREATE VIRTUAL TABLE memory_content_fts USING fts5(content, content='memories', content_rowid='id', tokenize='trigram');
CREATE TRIGGER memories_fts_ai AFTER INSERT ON memories BEGIN
	INSERT INTO memory_content_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER memories_fts_ad AFTER DELETE ON memories BEGIN
	INSERT INTO memory_content_fts(memory_content_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER memories_fts_au AFTER UPDATE ON memories BEGIN
	INSERT INTO memory_content_fts(memory_content_fts, rowid, content) VALUES ('delete', old.id, old.content);
	INSERT INTO memory_content_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TABLE memory_graph (
	source_hash TEXT NOT NULL,
	target_hash TEXT NOT NULL,
	similarity REAL,
	connection_types TEXT,
	metadata TEXT,
	created_at REAL,
	relationship_type TEXT DEFAULT 'related',
	PRIMARY KEY (source_hash, target_hash)
);
CREATE INDEX idx_graph_source ON memory_graph(source_hash);
CREATE INDEX idx_graph_target ON memory_graph(target_hash);
CREATE INDEX idx_graph_relationship ON memory_graph(relationship_type);
-- sqlite-vec's shadow tables of memory_embeddings.
CREATE TABLE memory_embeddings_info (key TEXT PRIMARY KEY, value ANY);
CREATE TABLE memory_embeddings_chunks (chunk_id INTEGER PRIMARY KEY AUTOINCREMENT, size INTEGER NOT NULL, validity BLOB NOT NULL, rowids BLOB NOT NULL);
CREATE TABLE memory_embeddings_rowids (rowid INTEGER PRIMARY KEY AUTOINCREMENT, id, chunk_id INTEGER, chunk_offset INTEGER);
CREATE TABLE memory_embeddings_vector_chunks00 (rowid PRIMARY KEY, vectors BLOB NOT NULL);
`

// Vec0 is the schema row of upstream's vector table.
const Vec0 = `CREATE VIRTUAL TABLE memory_embeddings USING vec0(content_embedding FLOAT[384] distance_metric=cosine)`

// Row is one memory as upstream stores it. Zero fields are stored as NULL
// (CreatedAt and UpdatedAt as epoch seconds with their ISO twins).
type Row struct {
	Hash         string // default: a hash of the content (any unique text does)
	Content      string
	Tags         string // comma-joined
	Type         string
	Metadata     any // marshalled to JSON; a string is stored as it is
	CreatedAt    time.Time
	UpdatedAt    time.Time
	DeletedAt    time.Time
	ISOOnly      bool // store the times in the ISO columns only
	Version      int
	Confidence   float64
	LastAccessed int64
	SupersededBy string
}

// Build writes an upstream database with rows at path (created) and
// returns path.
func Build(tb testing.TB, path string, rows []Row) string {
	tb.Helper()
	db, err := driver.Open("file:"+path, func(c *sqlite3.Conn) error { return fts5.Register(c) })
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode = WAL;"+Schema); err != nil {
		tb.Fatalf("upstream schema: %v", err)
	}
	conn, err := db.Conn(ctx) // writable_schema is per connection
	if err != nil {
		tb.Fatal(err)
	}
	for _, q := range []string{"PRAGMA writable_schema = ON",
		"INSERT INTO sqlite_schema (type, name, tbl_name, rootpage, sql) VALUES ('table', 'memory_embeddings', 'memory_embeddings', 0, ?)",
		"PRAGMA writable_schema = OFF"} {
		var args []any
		if strings.Contains(q, "?") {
			args = append(args, Vec0)
		}
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			tb.Fatalf("upstream vec0 table: %v", err)
		}
	}
	conn.Close()
	for i, r := range rows {
		if err := insert(ctx, db, i, r); err != nil {
			tb.Fatalf("upstream row %d: %v", i, err)
		}
	}
	return path
}

func insert(ctx context.Context, db *sql.DB, i int, r Row) error {
	hash := r.Hash
	if hash == "" {
		hash = fmt.Sprintf("upstream-%d-%x", i, len(r.Content))
	}
	var meta any
	switch m := r.Metadata.(type) {
	case nil:
	case string:
		meta = m
	default:
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		meta = string(b)
	}
	epoch := func(t time.Time) any {
		if t.IsZero() || r.ISOOnly {
			return nil
		}
		return float64(t.UnixMicro()) / 1e6
	}
	iso := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC().Format("2006-01-02T15:04:05.000000") + "Z"
	}
	null := func(v any, zero bool) any {
		if zero {
			return nil
		}
		return v
	}
	var deleted any
	if !r.DeletedAt.IsZero() {
		deleted = float64(r.DeletedAt.Unix())
	}
	res, err := db.ExecContext(ctx, `INSERT INTO memories (content_hash, content, tags, memory_type, metadata,
		created_at, updated_at, created_at_iso, updated_at_iso, deleted_at, version, confidence, last_accessed, superseded_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		hash, r.Content, null(r.Tags, r.Tags == ""), null(r.Type, r.Type == ""), meta,
		epoch(r.CreatedAt), epoch(r.UpdatedAt), iso(r.CreatedAt), iso(r.UpdatedAt), deleted,
		null(r.Version, r.Version == 0), null(r.Confidence, r.Confidence == 0), null(r.LastAccessed, r.LastAccessed == 0),
		null(r.SupersededBy, r.SupersededBy == ""))
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	// A vector row in the shadow table, as sqlite-vec would keep one.
	_, err = db.ExecContext(ctx, "INSERT INTO memory_embeddings_vector_chunks00 (rowid, vectors) VALUES (?, ?)",
		id, []byte(strings.Repeat("\x00", 16)))
	return err
}
