-- Schema version 5: document uploads, so that their status and history
-- survive a restart (upstream keeps them in memory). The upload itself is
-- stored as JSON (ingest.Upload); the columns are what queries select on.
CREATE TABLE uploads (
	id         TEXT    NOT NULL,
	owner      TEXT    NOT NULL,
	status     TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	data       TEXT    NOT NULL,
	PRIMARY KEY (owner, id)
) WITHOUT ROWID;
CREATE INDEX uploads_by_time ON uploads (owner, created_at DESC);
CREATE INDEX uploads_unfinished ON uploads (status) WHERE status IN ('queued', 'processing');
