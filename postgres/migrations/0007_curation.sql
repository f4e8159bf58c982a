-- Schema version 7: the associations graph, the archive of forgotten
-- memories, and consolidation's marks, history, settings and leases (as
-- SQLite's version 6).

-- memory_edges holds typed relations between two memories of one owner,
-- by hash. Symmetric types (related, contradicts) are stored once, with
-- source < target. Reads join both ends to live memories, so edges of an
-- archived memory stay hidden until it is restored.
CREATE TABLE memory_edges (
	owner      text             NOT NULL,
	source     text             NOT NULL,
	target     text             NOT NULL,
	type       text             NOT NULL,
	similarity double precision NOT NULL DEFAULT 0,
	metadata   jsonb            NOT NULL DEFAULT '{}',
	created_at timestamptz      NOT NULL,
	updated_at timestamptz      NOT NULL,
	PRIMARY KEY (owner, source, target, type)
);
CREATE INDEX memory_edges_target ON memory_edges (owner, target);
CREATE INDEX memory_edges_type ON memory_edges (owner, type);

-- memory_archive holds memories moved out by forgetting, whole: every
-- field a restore gives back, the vector with its model's name. The
-- memories row becomes a tombstone meanwhile, so every read skips it; a
-- restore revives it.
CREATE TABLE memory_archive (
	owner            text             NOT NULL,
	hash             text             NOT NULL,
	archived_at      timestamptz      NOT NULL,
	reason           text             NOT NULL,
	content          text             NOT NULL,
	type             text             NOT NULL,
	tags             text[]           NOT NULL,
	metadata         jsonb            NOT NULL,
	created_at       timestamptz      NOT NULL,
	updated_at       timestamptz      NOT NULL,
	last_accessed_at timestamptz,
	access_count     bigint           NOT NULL,
	quality          double precision NOT NULL,
	superseded_by    text             NOT NULL,
	embedding_model  text             NOT NULL DEFAULT '',
	embedding        vector,
	PRIMARY KEY (owner, hash)
);
CREATE INDEX memory_archive_time ON memory_archive (owner, archived_at DESC, hash);

-- consolidation_marks: when a pass last processed a memory and the
-- relevance it computed (the incremental marker).
CREATE TABLE consolidation_marks (
	owner           text             NOT NULL,
	hash            text             NOT NULL,
	consolidated_at timestamptz      NOT NULL,
	relevance       double precision NOT NULL,
	PRIMARY KEY (owner, hash)
);
CREATE INDEX consolidation_marks_time ON consolidation_marks (owner, consolidated_at, hash);

-- consolidation_runs: the history of passes with their reports (JSON,
-- kept as written).
CREATE TABLE consolidation_runs (
	id          text        PRIMARY KEY,
	owner       text        NOT NULL,
	horizon     text        NOT NULL,
	trigger     text        NOT NULL,
	started_at  timestamptz NOT NULL,
	finished_at timestamptz,
	status      text        NOT NULL,
	error       text        NOT NULL DEFAULT '',
	report      text        NOT NULL DEFAULT '{}'
);
CREATE INDEX consolidation_runs_owner ON consolidation_runs (owner, started_at DESC, id DESC);

-- consolidation_state: small settings (the scheduler's last slots, pauses).
CREATE TABLE consolidation_state (
	key   text PRIMARY KEY,
	value text NOT NULL
);

-- leases: named locks with an expiry shared by every process on the
-- database.
CREATE TABLE leases (
	name        text        PRIMARY KEY,
	holder      text        NOT NULL,
	acquired_at timestamptz NOT NULL,
	expires_at  timestamptz NOT NULL
);

-- A memory that stops being live takes its edges and mark with it, unless
-- it was archived (its archive row is written first, in the same
-- transaction). Statement triggers, so that deleting many memories runs
-- three joins, not a trigger per row; memories never leave by DELETE but
-- through a tombstone, yet a row removed by hand drops its edges too.
CREATE FUNCTION memory_drop_edges(owners text[], hashes text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF owners IS NULL THEN
		RETURN;
	END IF;
	DELETE FROM memory_edges e USING unnest(owners, hashes) AS g(owner, hash)
		WHERE e.owner = g.owner AND e.source = g.hash
			AND NOT EXISTS (SELECT 1 FROM memory_archive a WHERE a.owner = g.owner AND a.hash = g.hash);
	DELETE FROM memory_edges e USING unnest(owners, hashes) AS g(owner, hash)
		WHERE e.owner = g.owner AND e.target = g.hash
			AND NOT EXISTS (SELECT 1 FROM memory_archive a WHERE a.owner = g.owner AND a.hash = g.hash);
	DELETE FROM consolidation_marks c USING unnest(owners, hashes) AS g(owner, hash)
		WHERE c.owner = g.owner AND c.hash = g.hash
			AND NOT EXISTS (SELECT 1 FROM memory_archive a WHERE a.owner = g.owner AND a.hash = g.hash);
END
$$;

CREATE FUNCTION memory_edges_drop_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	owners text[];
	hashes text[];
BEGIN
	SELECT array_agg(n.owner), array_agg(n.hash) INTO owners, hashes
		FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.deleted_at IS NULL AND n.deleted_at IS NOT NULL;
	PERFORM memory_drop_edges(owners, hashes);
	RETURN NULL;
END
$$;

CREATE FUNCTION memory_edges_drop_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	owners text[];
	hashes text[];
BEGIN
	SELECT array_agg(o.owner), array_agg(o.hash) INTO owners, hashes FROM old_rows o;
	PERFORM memory_drop_edges(owners, hashes);
	RETURN NULL;
END
$$;

CREATE TRIGGER memories_edges_drop_update AFTER UPDATE ON memories
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION memory_edges_drop_update();
CREATE TRIGGER memories_edges_drop_delete AFTER DELETE ON memories
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION memory_edges_drop_delete();
