-- Schema version 5: keyword ranking by the same BM25 as SQLite's FTS5, so
-- that a search means the same on both backends (see keyword.go).
--
-- Words are stemmed by the original Porter algorithm, as SQLite's default
-- tokenizer ("porter unicode61 remove_diacritics 2") stems them, instead of
-- Snowball's English (Porter 2), and every memory records its length in
-- words, which BM25 normalises by. memory_owner_counts also sums the
-- lengths of each owner's live memories, for their average.
CREATE TEXT SEARCH DICTIONARY memory_porter (TEMPLATE = snowball, Language = porter);
ALTER TEXT SEARCH CONFIGURATION memory_fts
	ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part, numword, numhword, hword_numpart
	WITH unaccent, memory_porter;
DROP TEXT SEARCH DICTIONARY memory_stem;

-- memory_fts_length is the number of words of a text search vector: the
-- occurrences of all its lexemes. PostgreSQL keeps at most 256 positions
-- of a lexeme, and none past the 16383rd word, so it undercounts beyond:
-- far longer than a memory is.
CREATE FUNCTION memory_fts_length(v tsvector) RETURNS int
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN (SELECT coalesce(sum(cardinality(u.positions)), 0)::int FROM unnest(v) AS u);

-- The stored vectors were made with the old stemmer: they are made again.
DROP INDEX memories_fts;
ALTER TABLE memories DROP COLUMN fts;
ALTER TABLE memories
	ADD COLUMN fts tsvector GENERATED ALWAYS AS (to_tsvector('memory_fts', memory_fts_text(content))) STORED,
	ADD COLUMN fts_len int GENERATED ALWAYS AS (memory_fts_length(to_tsvector('memory_fts', memory_fts_text(content)))) STORED;
CREATE INDEX memories_fts ON memories USING gin (fts) WHERE deleted_at IS NULL;

ALTER TABLE memory_owner_counts ADD COLUMN words bigint NOT NULL DEFAULT 0;
UPDATE memory_owner_counts c SET words = t.words
	FROM (SELECT owner, sum(fts_len) AS words FROM memories WHERE deleted_at IS NULL GROUP BY owner) t
	WHERE c.owner = t.owner;

CREATE OR REPLACE FUNCTION memory_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO memory_owner_counts AS c (owner, live, words)
	SELECT owner, count(*), sum(fts_len) FROM new_rows WHERE deleted_at IS NULL GROUP BY owner ORDER BY owner
	ON CONFLICT (owner) DO UPDATE SET live = c.live + excluded.live, words = c.words + excluded.words;
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION memory_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO memory_owner_counts AS c (owner, live, words)
	SELECT owner, sum(d), sum(w) FROM (
		SELECT owner, 1 AS d, fts_len AS w FROM new_rows WHERE deleted_at IS NULL
		UNION ALL
		SELECT owner, -1, -fts_len FROM old_rows WHERE deleted_at IS NULL
	) changes GROUP BY owner HAVING sum(d) <> 0 OR sum(w) <> 0 ORDER BY owner
	ON CONFLICT (owner) DO UPDATE SET live = c.live + excluded.live, words = c.words + excluded.words;
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION memory_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE memory_owner_counts c SET live = c.live - d.n, words = c.words - d.w
	FROM (SELECT owner, count(*) AS n, sum(fts_len) AS w FROM old_rows WHERE deleted_at IS NULL GROUP BY owner ORDER BY owner) d
	WHERE c.owner = d.owner;
	RETURN NULL;
END
$$;

-- memory_phrase_freq counts the occurrences in v of a phrase: lexemes[i]
-- at offsets[i] words after the first.
-- Not STRICT, so that the planner may inline it into the query.
CREATE FUNCTION memory_phrase_freq(v tsvector, lexemes text[], offsets int[]) RETURNS int
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN cardinality(lexemes) = 1 THEN
		coalesce((SELECT cardinality(u.positions) FROM unnest(v) AS u WHERE u.lexeme = lexemes[1]), 0)
	ELSE
		(SELECT count(*)::int FROM unnest(v) AS u, unnest(u.positions) AS p
		WHERE u.lexeme = lexemes[1] AND NOT EXISTS (
			SELECT 1 FROM generate_subscripts(lexemes, 1) AS k
			WHERE k > 1 AND NOT EXISTS (
				SELECT 1 FROM unnest(v) AS o WHERE o.lexeme = lexemes[k] AND p + offsets[k] = ANY (o.positions))))
	END;
