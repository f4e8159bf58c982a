-- Schema version 4: document uploads (ingest.History), so that their status
-- and history survive a restart and every daemon on the database shows
-- them. The upload is stored as JSON; the columns are what queries select
-- on. node names the daemon whose spool directory holds the upload's files:
-- only that daemon resumes the upload after a restart.
CREATE TABLE uploads (
	owner      text        NOT NULL,
	id         text        NOT NULL,
	status     text        NOT NULL,
	node       text        NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL,
	data       jsonb       NOT NULL,
	PRIMARY KEY (owner, id)
);
CREATE INDEX uploads_by_time ON uploads (owner, created_at DESC, id);
CREATE INDEX uploads_unfinished ON uploads (node, created_at) WHERE status IN ('queued', 'processing');
