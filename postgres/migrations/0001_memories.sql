-- Schema version 1: memories, embedding models, per-owner counts and the
-- full-text configuration. The vector and unaccent extensions are created
-- before the migrations run (see extensions in migrate.go). Times are
-- timestamptz at millisecond precision, UTC.

-- memory_stem stems English words without dropping any as stop words: the
-- service drops those from queries itself, and a query made only of them
-- must still match.
CREATE TEXT SEARCH DICTIONARY memory_stem (TEMPLATE = snowball, Language = english);

-- memory_fts is the text search configuration of the content: words lose
-- their diacritics (unaccent, as SQLite's remove_diacritics) and are
-- stemmed; numbers and everything else are kept as they are.
CREATE TEXT SEARCH CONFIGURATION memory_fts (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION memory_fts
	ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part, numword, numhword, hword_numpart
	WITH unaccent, memory_stem;

-- memory_fts_text turns every ASCII character but letters and digits into
-- a space before the parser sees the text, so that "staging.example.com",
-- "a@b.c", "v1.2.3" or "under_score" are words, as the service splits
-- queries (memory.Words) and SQLite's unicode61 splits content.
CREATE FUNCTION memory_fts_text(t text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN regexp_replace(t, '[\x01-\x2F\x3A-\x40\x5B-\x60\x7B-\x7F]+', ' ', 'g');

-- memory_tsquery_or ORs tsqueries: a memory matches a keyword search if it
-- has any of the terms.
CREATE AGGREGATE memory_tsquery_or (tsquery) (SFUNC = tsquery_or, STYPE = tsquery);

-- memory_fold compares text case-insensitively with Unicode rules
-- whatever the database's locale (Filter.Contains); without ICU it falls
-- back to ASCII-only folding.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') THEN
		CREATE COLLATION memory_fold FROM "und-x-icu";
	ELSE
		RAISE WARNING 'PostgreSQL has no ICU collations: text filters fold ASCII letters only';
		CREATE COLLATION memory_fold FROM "C";
	END IF;
END
$$;

-- embedding_models gives each model that stored a vector (or found nothing
-- to embed) a small id, and records the dimension of its vectors once the
-- first one is stored (0 until then). A model's vectors are indexed by a
-- partial HNSW index on memories named memories_hnsw_<id>.
CREATE TABLE embedding_models (
	id    int  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	model text NOT NULL UNIQUE,
	dim   int  NOT NULL DEFAULT 0 CHECK (dim >= 0)
);

-- memories holds live memories and tombstones (deleted_at set). tags keep
-- the order they were given in. model_id is NULL for a memory never
-- embedded; with embedding NULL it records that the model found nothing to
-- embed. fts is the content's text search vector.
CREATE TABLE memories (
	id               bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner            text             NOT NULL,
	hash             text             NOT NULL,
	content          text             NOT NULL,
	type             text             NOT NULL,
	tags             text[]           NOT NULL DEFAULT '{}',
	metadata         jsonb            NOT NULL DEFAULT '{}',
	created_at       timestamptz      NOT NULL,
	updated_at       timestamptz      NOT NULL,
	last_accessed_at timestamptz,
	deleted_at       timestamptz,
	access_count     bigint           NOT NULL DEFAULT 0,
	quality          double precision NOT NULL DEFAULT 0.5,
	superseded_by    text             NOT NULL DEFAULT '',
	model_id         int,
	embedding        vector,
	fts              tsvector GENERATED ALWAYS AS (to_tsvector('memory_fts', memory_fts_text(content))) STORED,
	UNIQUE (owner, hash)
);

-- Indexes hold live rows only: tombstones are read by hash alone.
CREATE INDEX memories_owner_created ON memories (owner, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX memories_owner_type ON memories (owner, type, created_at) WHERE deleted_at IS NULL;
CREATE INDEX memories_owner_accessed ON memories (owner, (coalesce(last_accessed_at, created_at))) WHERE deleted_at IS NULL;
CREATE INDEX memories_tags ON memories USING gin (tags) WHERE deleted_at IS NULL;
CREATE INDEX memories_fts ON memories USING gin (fts) WHERE deleted_at IS NULL;
CREATE INDEX memories_model ON memories (model_id) WHERE deleted_at IS NULL;

-- memory_owner_counts holds the number of live memories of each owner, the
-- corpus size of keyword ranking. Statement triggers keep it, so that a
-- COPY of a million rows updates it once.
CREATE TABLE memory_owner_counts (
	owner text   PRIMARY KEY,
	live  bigint NOT NULL
);

CREATE FUNCTION memory_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO memory_owner_counts AS c (owner, live)
	SELECT owner, count(*) FROM new_rows WHERE deleted_at IS NULL GROUP BY owner ORDER BY owner
	ON CONFLICT (owner) DO UPDATE SET live = c.live + excluded.live;
	RETURN NULL;
END
$$;

CREATE FUNCTION memory_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO memory_owner_counts AS c (owner, live)
	SELECT owner, sum(d) FROM (
		SELECT owner, 1 AS d FROM new_rows WHERE deleted_at IS NULL
		UNION ALL
		SELECT owner, -1 FROM old_rows WHERE deleted_at IS NULL
	) changes GROUP BY owner HAVING sum(d) <> 0 ORDER BY owner
	ON CONFLICT (owner) DO UPDATE SET live = c.live + excluded.live;
	RETURN NULL;
END
$$;

CREATE FUNCTION memory_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE memory_owner_counts c SET live = c.live - d.n
	FROM (SELECT owner, count(*) AS n FROM old_rows WHERE deleted_at IS NULL GROUP BY owner ORDER BY owner) d
	WHERE c.owner = d.owner;
	RETURN NULL;
END
$$;

CREATE TRIGGER memories_counts_insert AFTER INSERT ON memories
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION memory_counts_insert();
CREATE TRIGGER memories_counts_update AFTER UPDATE ON memories
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION memory_counts_update();
CREATE TRIGGER memories_counts_delete AFTER DELETE ON memories
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION memory_counts_delete();
