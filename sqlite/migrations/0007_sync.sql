-- Schema version 7: hybrid sync. Every memory has a revision (the time of
-- its last change in unix milliseconds, strictly increasing per memory) that
-- orders its versions across machines. sync_outbox is the durable queue of
-- memories changed locally and not yet pushed: one row per memory (repeated
-- changes coalesce), written in the same transaction as the change, so that
-- a crash never loses one. sync_state holds the syncer's cursor and status,
-- sync_leases the lease that lets one process at a time push. Times are unix
-- milliseconds.
ALTER TABLE memories ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

CREATE TABLE sync_outbox (
	memory_id  INTEGER PRIMARY KEY, -- memories.id (a tombstone keeps its row)
	seq        INTEGER NOT NULL,    -- counters.seq of the change queued
	queued_at  INTEGER NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT    NOT NULL DEFAULT '',
	held_until INTEGER NOT NULL DEFAULT 0 -- refused by the remote: retry after this
);
CREATE INDEX sync_outbox_seq ON sync_outbox (seq);

CREATE TABLE sync_state (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sync_leases (
	name       TEXT    PRIMARY KEY,
	holder     TEXT    NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
