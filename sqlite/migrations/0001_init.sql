-- Schema version 1: memories, their tags, embedding models, counters.
-- The full-text index (memories_fts) is created by the Go code after the
-- migrations because its tokenizer is configurable (see fts.go); the
-- triggers below keep it in sync and refer to it by name.

-- settings holds database-wide choices, such as the FTS5 tokenizer.
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- counters has exactly one row. seq is bumped by every write transaction
-- (except access statistics) and copied into the rows it touches, so a
-- reader can load exactly the rows changed since it last looked. purges
-- counts rows physically deleted, which a seq cannot reveal.
CREATE TABLE counters (
	id     INTEGER PRIMARY KEY CHECK (id = 1),
	seq    INTEGER NOT NULL,
	purges INTEGER NOT NULL
);
INSERT INTO counters (id, seq, purges) VALUES (1, 0, 0);

-- memories holds live memories and tombstones (deleted_at set). Times are
-- unix milliseconds, UTC. embedding_model and embedding_dim describe the
-- vector, which lives in memory_vectors so that these rows stay small:
-- searches that join them by row id read few pages.
CREATE TABLE memories (
	id               INTEGER PRIMARY KEY,
	owner            TEXT    NOT NULL,
	hash             TEXT    NOT NULL,
	content          TEXT    NOT NULL,
	type             TEXT    NOT NULL,
	metadata         TEXT    NOT NULL DEFAULT '{}',
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	last_accessed_at INTEGER,
	deleted_at       INTEGER,
	access_count     INTEGER NOT NULL DEFAULT 0,
	quality          REAL    NOT NULL DEFAULT 0.5,
	superseded_by    TEXT    NOT NULL DEFAULT '',
	seq              INTEGER NOT NULL,
	embedding_model  TEXT    NOT NULL DEFAULT '',
	embedding_dim    INTEGER NOT NULL DEFAULT 0
);

-- One row per (owner, hash): a re-insert turns the tombstone back into a
-- live row, so the uniqueness check is an index probe, never a scan.
CREATE UNIQUE INDEX memories_owner_hash ON memories (owner, hash);
CREATE INDEX memories_owner_created ON memories (owner, created_at);
CREATE INDEX memories_owner_type ON memories (owner, type, created_at);
CREATE INDEX memories_owner_accessed ON memories (owner, coalesce(last_accessed_at, created_at));
CREATE INDEX memories_deleted ON memories (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX memories_seq ON memories (seq);
CREATE INDEX memories_model ON memories (embedding_model, owner) WHERE deleted_at IS NULL;

-- memory_vectors holds the vector of a live memory that has one, as
-- little-endian float32 (embedding_dim of them, made by embedding_model).
CREATE TABLE memory_vectors (
	memory_id INTEGER PRIMARY KEY REFERENCES memories (id) ON DELETE CASCADE,
	embedding BLOB NOT NULL
);

-- memory_tags holds normalised tags; pos keeps the order they were given in.
CREATE TABLE memory_tags (
	memory_id INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
	tag       TEXT    NOT NULL,
	pos       INTEGER NOT NULL,
	PRIMARY KEY (memory_id, tag)
) WITHOUT ROWID;
CREATE INDEX memory_tags_tag ON memory_tags (tag, memory_id);

-- embedding_models records the dimension of every model that stored a
-- vector, so vectors of one model always have the same length.
CREATE TABLE embedding_models (
	model TEXT PRIMARY KEY,
	dim   INTEGER NOT NULL
) WITHOUT ROWID;

-- Full-text sync: only live rows are indexed.
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories
WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO memories_fts (rowid, content) VALUES (new.id, new.content);
END;

CREATE TRIGGER memories_fts_update AFTER UPDATE OF content, deleted_at ON memories BEGIN
	DELETE FROM memories_fts WHERE rowid = old.id AND old.deleted_at IS NULL;
	INSERT INTO memories_fts (rowid, content) SELECT new.id, new.content WHERE new.deleted_at IS NULL;
END;

-- A tombstone keeps no vector.
CREATE TRIGGER memories_vector_drop AFTER UPDATE OF deleted_at ON memories
WHEN new.deleted_at IS NOT NULL BEGIN
	DELETE FROM memory_vectors WHERE memory_id = new.id;
END;

CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
	DELETE FROM memories_fts WHERE rowid = old.id AND old.deleted_at IS NULL;
	UPDATE counters SET purges = purges + 1;
END;
