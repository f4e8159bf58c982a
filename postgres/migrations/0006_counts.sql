-- Schema version 6: the counts Stats and Tags read, kept by the statement
-- triggers instead of counted over every memory on each call (seconds at
-- a million memories): each owner's tombstones and superseded memories,
-- and live memories by tag, by type and by embedding model. The triggers
-- now hand every change to one function, memory_apply_counts, which also
-- keeps the counts of version 5.
ALTER TABLE memory_owner_counts
	ADD COLUMN tombstones bigint NOT NULL DEFAULT 0,
	ADD COLUMN superseded bigint NOT NULL DEFAULT 0;
CREATE TABLE memory_tag_counts (
	owner text   NOT NULL,
	tag   text   NOT NULL,
	docs  bigint NOT NULL,
	PRIMARY KEY (owner, tag)
);
CREATE TABLE memory_type_counts (
	owner text   NOT NULL,
	type  text   NOT NULL,
	docs  bigint NOT NULL,
	PRIMARY KEY (owner, type)
);
-- model_id 0 counts the memories never embedded.
CREATE TABLE memory_model_counts (
	owner    text   NOT NULL,
	model_id int    NOT NULL,
	docs     bigint NOT NULL,
	PRIMARY KEY (owner, model_id)
);

INSERT INTO memory_owner_counts AS c (owner, live, words, tombstones, superseded)
	SELECT owner, count(*) FILTER (WHERE deleted_at IS NULL), coalesce(sum(fts_len) FILTER (WHERE deleted_at IS NULL), 0),
		count(*) FILTER (WHERE deleted_at IS NOT NULL), count(*) FILTER (WHERE deleted_at IS NULL AND superseded_by <> '')
	FROM memories GROUP BY owner
	ON CONFLICT (owner) DO UPDATE SET tombstones = excluded.tombstones, superseded = excluded.superseded;
INSERT INTO memory_tag_counts (owner, tag, docs)
	SELECT m.owner, t.tag, count(*) FROM memories m, unnest(m.tags) AS t(tag) WHERE m.deleted_at IS NULL GROUP BY 1, 2;
INSERT INTO memory_type_counts (owner, type, docs)
	SELECT owner, type, count(*) FROM memories WHERE deleted_at IS NULL GROUP BY 1, 2;
INSERT INTO memory_model_counts (owner, model_id, docs)
	SELECT owner, coalesce(model_id, 0), count(*) FROM memories WHERE deleted_at IS NULL GROUP BY 1, 2;

-- memory_count_change is one memory entering (d = 1) or leaving (d = -1)
-- the counts; text_changed says whether its words and liveness count too
-- (an insert, a delete, a tombstone made or replaced), not only its tags,
-- type, version and model.
CREATE TYPE memory_count_change AS (
	owner      text,
	d          int,
	text_changed bool,
	live       bool,
	words      int,
	fts        tsvector,
	tags       text[],
	type       text,
	superseded bool,
	model_id   int
);

-- memory_apply_counts applies the changes of one statement. It locks the
-- rows of each table in key order, and the tables in one order, so that
-- concurrent writers wait for each other instead of deadlocking.
CREATE FUNCTION memory_apply_counts(changes memory_count_change[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF changes IS NULL THEN
		RETURN;
	END IF;
	INSERT INTO memory_owner_counts AS c (owner, live, words, tombstones, superseded)
	SELECT owner, coalesce(sum(d) FILTER (WHERE live AND text_changed), 0), coalesce(sum(d * words) FILTER (WHERE live AND text_changed), 0),
		coalesce(sum(d) FILTER (WHERE NOT live), 0), coalesce(sum(d) FILTER (WHERE live AND superseded), 0)
	FROM unnest(changes) GROUP BY owner ORDER BY owner
	ON CONFLICT (owner) DO UPDATE SET live = c.live + excluded.live, words = c.words + excluded.words,
		tombstones = c.tombstones + excluded.tombstones, superseded = c.superseded + excluded.superseded;
	INSERT INTO memory_lexemes AS l (owner, lexeme, docs)
	SELECT ch.owner, u.lexeme, sum(ch.d) FROM unnest(changes) AS ch, unnest(ch.fts) AS u WHERE ch.live AND ch.text_changed
	GROUP BY 1, 2 HAVING sum(ch.d) <> 0 ORDER BY 1, 2
	ON CONFLICT (owner, lexeme) DO UPDATE SET docs = l.docs + excluded.docs;
	INSERT INTO memory_tag_counts AS t (owner, tag, docs)
	SELECT ch.owner, g.tag, sum(ch.d) FROM unnest(changes) AS ch, unnest(ch.tags) AS g(tag) WHERE ch.live
	GROUP BY 1, 2 HAVING sum(ch.d) <> 0 ORDER BY 1, 2
	ON CONFLICT (owner, tag) DO UPDATE SET docs = t.docs + excluded.docs;
	INSERT INTO memory_type_counts AS t (owner, type, docs)
	SELECT owner, type, sum(d) FROM unnest(changes) WHERE live GROUP BY 1, 2 HAVING sum(d) <> 0 ORDER BY 1, 2
	ON CONFLICT (owner, type) DO UPDATE SET docs = t.docs + excluded.docs;
	INSERT INTO memory_model_counts AS t (owner, model_id, docs)
	SELECT owner, model_id, sum(d) FROM unnest(changes) WHERE live GROUP BY 1, 2 HAVING sum(d) <> 0 ORDER BY 1, 2
	ON CONFLICT (owner, model_id) DO UPDATE SET docs = t.docs + excluded.docs;
END
$$;

CREATE OR REPLACE FUNCTION memory_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM memory_apply_counts((SELECT array_agg(ROW(owner, 1, true, deleted_at IS NULL, fts_len, fts, tags, type,
		superseded_by <> '', coalesce(model_id, 0))::memory_count_change) FROM new_rows));
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION memory_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM memory_apply_counts((SELECT array_agg(ROW(owner, -1, true, deleted_at IS NULL, fts_len, fts, tags, type,
		superseded_by <> '', coalesce(model_id, 0))::memory_count_change) FROM old_rows));
	RETURN NULL;
END
$$;

-- An update counts when a memory is deleted or revived, its content
-- replaced (a tombstone revived by Insert), or its tags, type, version or
-- model changed; the far more common updates of access counts cost a join.
-- (The owner of a memory never changes.)
CREATE OR REPLACE FUNCTION memory_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM memory_apply_counts((SELECT array_agg(v.c)
		FROM old_rows o JOIN new_rows n ON n.id = o.id,
		LATERAL (SELECT (o.deleted_at IS NULL) <> (n.deleted_at IS NULL) OR o.content <> n.content AS text_changed) AS x,
		LATERAL (VALUES
			(ROW(o.owner, -1, x.text_changed, o.deleted_at IS NULL, o.fts_len, o.fts, o.tags, o.type,
				o.superseded_by <> '', coalesce(o.model_id, 0))::memory_count_change),
			(ROW(n.owner, 1, x.text_changed, n.deleted_at IS NULL, n.fts_len, n.fts, n.tags, n.type,
				n.superseded_by <> '', coalesce(n.model_id, 0))::memory_count_change)) AS v(c)
		WHERE x.text_changed OR o.tags <> n.tags OR o.type <> n.type OR (o.superseded_by <> '') <> (n.superseded_by <> '')
			OR o.model_id IS DISTINCT FROM n.model_id));
	RETURN NULL;
END
$$;

-- memory_tsquery_or is no longer used: it was not parallel safe, which
-- kept every query calling it from scanning in parallel.
DROP AGGREGATE memory_tsquery_or (tsquery);
