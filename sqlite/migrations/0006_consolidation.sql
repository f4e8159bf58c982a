-- Schema version 6: the associations graph, the archive of forgotten
-- memories, and consolidation's marks, history, settings and lease.

-- memory_edges holds typed relations between two memories of one owner,
-- by hash. Symmetric types (related, contradicts) are stored once, with
-- source < target. Reads join both ends to live memories, so edges of an
-- archived memory stay hidden until it is restored.
CREATE TABLE memory_edges (
	owner      TEXT    NOT NULL,
	source     TEXT    NOT NULL,
	target     TEXT    NOT NULL,
	type       TEXT    NOT NULL,
	similarity REAL    NOT NULL DEFAULT 0,
	metadata   TEXT    NOT NULL DEFAULT '{}',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (owner, source, target, type)
) WITHOUT ROWID;
CREATE INDEX memory_edges_target ON memory_edges (owner, target);
CREATE INDEX memory_edges_type ON memory_edges (owner, type);

-- memory_archive holds memories moved out by forgetting, whole: data is
-- the memory as JSON (tags, metadata, times, access statistics, quality,
-- version link), embedding its vector. The memories row becomes a
-- tombstone meanwhile, so every read skips it; a restore revives it.
CREATE TABLE memory_archive (
	owner           TEXT    NOT NULL,
	hash            TEXT    NOT NULL,
	archived_at     INTEGER NOT NULL,
	reason          TEXT    NOT NULL,
	data            TEXT    NOT NULL,
	embedding_model TEXT    NOT NULL DEFAULT '',
	embedding       BLOB,
	PRIMARY KEY (owner, hash)
) WITHOUT ROWID;
CREATE INDEX memory_archive_time ON memory_archive (owner, archived_at DESC, hash);

-- consolidation_marks: when a pass last processed a memory and the
-- relevance it computed (the incremental marker).
CREATE TABLE consolidation_marks (
	owner           TEXT    NOT NULL,
	hash            TEXT    NOT NULL,
	consolidated_at INTEGER NOT NULL,
	relevance       REAL    NOT NULL,
	PRIMARY KEY (owner, hash)
) WITHOUT ROWID;
CREATE INDEX consolidation_marks_time ON consolidation_marks (owner, consolidated_at, hash);

-- consolidation_runs: the history of passes with their reports (JSON).
CREATE TABLE consolidation_runs (
	id          TEXT    PRIMARY KEY,
	owner       TEXT    NOT NULL,
	horizon     TEXT    NOT NULL,
	trigger     TEXT    NOT NULL,
	started_at  INTEGER NOT NULL,
	finished_at INTEGER NOT NULL,
	status      TEXT    NOT NULL,
	error       TEXT    NOT NULL DEFAULT '',
	report      TEXT    NOT NULL DEFAULT '{}'
) WITHOUT ROWID;
CREATE INDEX consolidation_runs_owner ON consolidation_runs (owner, started_at DESC);

-- consolidation_state: small settings (the scheduler's last slots, pauses).
CREATE TABLE consolidation_state (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- leases: named locks with an expiry shared by every process on the file.
CREATE TABLE leases (
	name        TEXT    PRIMARY KEY,
	holder      TEXT    NOT NULL,
	acquired_at INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- A deleted memory takes its edges and mark with it; an archived one
-- (its archive row is written first, in the same transaction) keeps them.
CREATE TRIGGER memories_edges_drop AFTER UPDATE OF deleted_at ON memories
WHEN new.deleted_at IS NOT NULL AND old.deleted_at IS NULL
	AND NOT EXISTS (SELECT 1 FROM memory_archive a WHERE a.owner = new.owner AND a.hash = new.hash)
BEGIN
	DELETE FROM memory_edges WHERE owner = new.owner AND (source = new.hash OR target = new.hash);
	DELETE FROM consolidation_marks WHERE owner = new.owner AND hash = new.hash;
END;

CREATE TRIGGER memories_edges_purge AFTER DELETE ON memories
WHEN NOT EXISTS (SELECT 1 FROM memory_archive a WHERE a.owner = old.owner AND a.hash = old.hash)
BEGIN
	DELETE FROM memory_edges WHERE owner = old.owner AND (source = old.hash OR target = old.hash);
	DELETE FROM consolidation_marks WHERE owner = old.owner AND hash = old.hash;
END;
