-- Schema version 1 of the Cloudflare backend's D1 database. Times are unix
-- milliseconds, UTC. Applied as one batch (one transaction) by Open.

-- mms_meta holds the schema version and database-wide choices.
CREATE TABLE mms_meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- mms_counter has one row; seq is bumped by every write batch and copied
-- into the rows it changes: the order of changes that sync reads.
CREATE TABLE mms_counter (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	seq INTEGER NOT NULL
);
INSERT INTO mms_counter (id, seq) VALUES (1, 0);

-- memories holds live memories and tombstones (deleted_at set). Content
-- larger than the R2 threshold lives in R2 under r2_key; the row then keeps
-- its first bytes, which the full-text index and exact search see.
-- content_fold is content case-folded (Unicode simple folding), for
-- case-insensitive substring search without functions D1 does not have.
-- embedding is the vector as base64 little-endian float32. revision orders
-- the versions of a memory for sync (see memory.Version); op is the id of the
-- Insert call that wrote the row (so that a retried call is not its own
-- conflict). vindex is set while Vectorize may not match the row;
-- vindexed_at is when Vectorize last accepted its mutation (D1's clock).
CREATE TABLE memories (
	id               INTEGER PRIMARY KEY,
	owner            TEXT    NOT NULL,
	hash             TEXT    NOT NULL,
	content          TEXT    NOT NULL,
	content_fold     TEXT    NOT NULL,
	content_size     INTEGER NOT NULL,
	r2_key           TEXT    NOT NULL DEFAULT '',
	type             TEXT    NOT NULL,
	tags             TEXT    NOT NULL DEFAULT '[]',
	metadata         TEXT    NOT NULL DEFAULT '{}',
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	last_accessed_at INTEGER,
	deleted_at       INTEGER,
	access_count     INTEGER NOT NULL DEFAULT 0,
	quality          REAL    NOT NULL DEFAULT 0.5,
	superseded_by    TEXT    NOT NULL DEFAULT '',
	embedding_model  TEXT    NOT NULL DEFAULT '',
	embedding_dim    INTEGER NOT NULL DEFAULT 0,
	embedding        TEXT,
	revision         INTEGER NOT NULL,
	seq              INTEGER NOT NULL,
	op               TEXT    NOT NULL DEFAULT '',
	vector_id        TEXT    NOT NULL,
	vindex           INTEGER NOT NULL DEFAULT 0,
	vindexed_at      INTEGER
);
CREATE UNIQUE INDEX memories_owner_hash ON memories (owner, hash);
CREATE INDEX memories_owner_created ON memories (owner, created_at);
CREATE INDEX memories_owner_type ON memories (owner, type, created_at);
CREATE INDEX memories_owner_accessed ON memories (owner, coalesce(last_accessed_at, created_at));
CREATE INDEX memories_seq ON memories (seq);
CREATE INDEX memories_vector ON memories (vector_id);
CREATE INDEX memories_vindex ON memories (vindex) WHERE vindex <> 0;
CREATE INDEX memories_vindexed ON memories (vindexed_at) WHERE vindexed_at IS NOT NULL;
CREATE INDEX memories_model ON memories (embedding_model, owner) WHERE deleted_at IS NULL;

-- memory_tags holds normalised tags for filtering; pos keeps their order.
CREATE TABLE memory_tags (
	memory_id INTEGER NOT NULL,
	tag       TEXT    NOT NULL,
	pos       INTEGER NOT NULL,
	PRIMARY KEY (memory_id, tag)
) WITHOUT ROWID;
CREATE INDEX memory_tags_tag ON memory_tags (tag, memory_id);

-- embedding_models records the dimension of every model that stored a
-- vector: vectors of one model always have the same length.
CREATE TABLE embedding_models (
	model TEXT PRIMARY KEY,
	dim   INTEGER NOT NULL
);

-- Keyword search: an FTS5 index over the live memories' content.
CREATE VIRTUAL TABLE memories_fts USING fts5(content, content = 'memories', content_rowid = 'id',
	tokenize = 'porter unicode61 remove_diacritics 2');

CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories
WHEN NEW.deleted_at IS NULL BEGIN
	INSERT INTO memories_fts (rowid, content) VALUES (NEW.id, NEW.content);
END;

CREATE TRIGGER memories_fts_update AFTER UPDATE OF content, deleted_at ON memories BEGIN
	INSERT INTO memories_fts (memories_fts, rowid, content) SELECT 'delete', OLD.id, OLD.content WHERE OLD.deleted_at IS NULL;
	INSERT INTO memories_fts (rowid, content) SELECT NEW.id, NEW.content WHERE NEW.deleted_at IS NULL;
END;

CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
	INSERT INTO memories_fts (memories_fts, rowid, content) SELECT 'delete', OLD.id, OLD.content WHERE OLD.deleted_at IS NULL;
	DELETE FROM memory_tags WHERE memory_id = OLD.id;
END;

-- Insert refuses a second live memory with the same owner and hash, unless
-- the live one was written by the same Insert call (a retried request).
CREATE TRIGGER memories_conflict BEFORE INSERT ON memories
WHEN NEW.op <> '' AND EXISTS (SELECT 1 FROM memories
	WHERE owner = NEW.owner AND hash = NEW.hash AND deleted_at IS NULL AND op <> NEW.op) BEGIN
	SELECT RAISE(ABORT, 'mms_conflict: a live memory has this owner and hash');
END;

-- Vectors of one model have one length.
CREATE TRIGGER memories_dim_insert BEFORE INSERT ON memories
WHEN NEW.embedding_dim > 0 AND EXISTS (SELECT 1 FROM embedding_models
	WHERE model = NEW.embedding_model AND dim <> NEW.embedding_dim) BEGIN
	SELECT RAISE(ABORT, 'mms_dimension: the vector length differs from its model''s');
END;

CREATE TRIGGER memories_dim_update BEFORE UPDATE OF embedding_model, embedding_dim ON memories
WHEN NEW.embedding_dim > 0 AND EXISTS (SELECT 1 FROM embedding_models
	WHERE model = NEW.embedding_model AND dim <> NEW.embedding_dim) BEGIN
	SELECT RAISE(ABORT, 'mms_dimension: the vector length differs from its model''s');
END;

-- (Not INSERT OR IGNORE: an upsert's conflict policy overrides a trigger's.)
CREATE TRIGGER memories_model_insert AFTER INSERT ON memories
WHEN NEW.embedding_dim > 0 BEGIN
	INSERT INTO embedding_models (model, dim) SELECT NEW.embedding_model, NEW.embedding_dim
	WHERE NOT EXISTS (SELECT 1 FROM embedding_models WHERE model = NEW.embedding_model);
END;

CREATE TRIGGER memories_model_update AFTER UPDATE OF embedding_model, embedding_dim ON memories
WHEN NEW.embedding_dim > 0 BEGIN
	INSERT INTO embedding_models (model, dim) SELECT NEW.embedding_model, NEW.embedding_dim
	WHERE NOT EXISTS (SELECT 1 FROM embedding_models WHERE model = NEW.embedding_model);
END;

INSERT INTO mms_meta (key, value) VALUES ('schema_version', '1');
