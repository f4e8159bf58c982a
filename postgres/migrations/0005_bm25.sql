-- Schema version 5: keyword ranking by the same BM25 as SQLite's FTS5, so
-- that a search means the same on both backends (see keyword.go), and
-- fast on a million memories.
--
-- Words are stemmed by the original Porter algorithm, as SQLite's default
-- tokenizer ("porter unicode61 remove_diacritics 2") stems them, instead of
-- Snowball's English (Porter 2). Every memory records its length in words;
-- memory_owner_counts sums them per owner, and memory_lexemes counts the
-- owner's live memories holding each word: BM25's statistics, read in
-- microseconds instead of counted over the matches.
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

CREATE TABLE memory_lexemes (
	owner  text   NOT NULL,
	lexeme text   NOT NULL,
	docs   bigint NOT NULL,
	PRIMARY KEY (owner, lexeme)
);
INSERT INTO memory_lexemes (owner, lexeme, docs)
	SELECT m.owner, u.lexeme, count(*) FROM memories m, unnest(m.fts) AS u WHERE m.deleted_at IS NULL GROUP BY 1, 2;

-- The statement triggers keep the statistics: rows entering or leaving
-- the live memories. Each locks the owner's row first, then the lexemes in
-- order, so that concurrent writers wait for each other instead of
-- deadlocking.
CREATE OR REPLACE FUNCTION memory_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO memory_owner_counts AS c (owner, live, words)
	SELECT owner, count(*), sum(fts_len) FROM new_rows WHERE deleted_at IS NULL GROUP BY owner ORDER BY owner
	ON CONFLICT (owner) DO UPDATE SET live = c.live + excluded.live, words = c.words + excluded.words;
	INSERT INTO memory_lexemes AS l (owner, lexeme, docs)
	SELECT n.owner, u.lexeme, count(*) FROM new_rows n, unnest(n.fts) AS u WHERE n.deleted_at IS NULL
	GROUP BY 1, 2 ORDER BY 1, 2
	ON CONFLICT (owner, lexeme) DO UPDATE SET docs = l.docs + excluded.docs;
	RETURN NULL;
END
$$;

-- An update changes the statistics only when a memory is deleted or
-- revived, or its content replaced (a tombstone revived by Insert): the
-- far more common updates of tags, access counts or vectors cost a join.
-- (The owner of a memory never changes.)
CREATE OR REPLACE FUNCTION memory_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO memory_owner_counts AS c (owner, live, words)
	SELECT owner, sum(d), sum(d * fts_len) FROM (
		SELECT o.owner, -1 AS d, o.fts_len FROM old_rows o JOIN new_rows n ON n.id = o.id
			WHERE o.deleted_at IS NULL AND (n.deleted_at IS NOT NULL OR n.content <> o.content)
		UNION ALL
		SELECT n.owner, 1, n.fts_len FROM old_rows o JOIN new_rows n ON n.id = o.id
			WHERE n.deleted_at IS NULL AND (o.deleted_at IS NOT NULL OR n.content <> o.content)
	) AS changes GROUP BY owner HAVING sum(d) <> 0 OR sum(d * fts_len) <> 0 ORDER BY owner
	ON CONFLICT (owner) DO UPDATE SET live = c.live + excluded.live, words = c.words + excluded.words;
	INSERT INTO memory_lexemes AS l (owner, lexeme, docs)
	SELECT changes.owner, u.lexeme, sum(changes.d) FROM (
		SELECT o.owner, -1 AS d, o.fts FROM old_rows o JOIN new_rows n ON n.id = o.id
			WHERE o.deleted_at IS NULL AND (n.deleted_at IS NOT NULL OR n.content <> o.content)
		UNION ALL
		SELECT n.owner, 1, n.fts FROM old_rows o JOIN new_rows n ON n.id = o.id
			WHERE n.deleted_at IS NULL AND (o.deleted_at IS NOT NULL OR n.content <> o.content)
	) AS changes, unnest(changes.fts) AS u
	GROUP BY 1, 2 HAVING sum(changes.d) <> 0 ORDER BY 1, 2
	ON CONFLICT (owner, lexeme) DO UPDATE SET docs = l.docs + excluded.docs;
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION memory_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE memory_owner_counts c SET live = c.live - d.n, words = c.words - d.w
	FROM (SELECT owner, count(*) AS n, sum(fts_len) AS w FROM old_rows WHERE deleted_at IS NULL GROUP BY owner ORDER BY owner) d
	WHERE c.owner = d.owner;
	UPDATE memory_lexemes l SET docs = l.docs - d.n
	FROM (SELECT o.owner, u.lexeme, count(*) AS n FROM old_rows o, unnest(o.fts) AS u WHERE o.deleted_at IS NULL
		GROUP BY 1, 2 ORDER BY 1, 2) d
	WHERE l.owner = d.owner AND l.lexeme = d.lexeme;
	RETURN NULL;
END
$$;

-- memory_phrase_freq counts the occurrences in v of a phrase: lexemes[i]
-- at offsets[i] words after the first. Not STRICT, so that the planner
-- may inline it.
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

-- memory_tf_ranks()[f] is what ts_rank('{1,1,1,1}', v, 'x', 0) gives when
-- v holds the lexeme x f times: its cover-free rank grows with f (the sum
-- of 1/j² for j up to f, over π²/6), so that the rank, computed in C from
-- the index-sized tsvector, tells f without unnesting v. The values are
-- this server's own arithmetic; a rank not among them (another server's
-- arithmetic after a restore) falls back to counting (memory_tf).
DO $$
BEGIN
	EXECUTE format('CREATE FUNCTION memory_tf_ranks() RETURNS real[] LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN %L::real[]',
		(SELECT array_agg(ts_rank('{1,1,1,1}', ('x:' || (SELECT string_agg(i::text, ',') FROM generate_series(1, f) AS i))::tsvector,
			'x'::tsquery, 0) ORDER BY f)::text FROM generate_series(1, 256) AS f));
END
$$;

-- memory_tf is the number of occurrences in v of a query term: q, its
-- tsquery, is one lexeme (single) or a phrase of lexemes at offsets.
CREATE FUNCTION memory_tf(v tsvector, q tsquery, single bool, lexemes text[], offsets int[]) RETURNS int
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE
		WHEN NOT single THEN memory_phrase_freq(v, lexemes, offsets)
		WHEN ts_rank('{1,1,1,1}', v, q, 0) = 0 THEN 0
		ELSE coalesce(array_position(memory_tf_ranks(), ts_rank('{1,1,1,1}', v, q, 0)), memory_phrase_freq(v, lexemes, offsets))
	END;
