-- Schema version 2: API keys. Only the SHA-256 of a key is stored; the
-- secret is shown once when the key is made. Times are unix milliseconds.
CREATE TABLE api_keys (
	id           TEXT    PRIMARY KEY,
	name         TEXT    NOT NULL,
	owner        TEXT    NOT NULL,
	scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
	hash         TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	expires_at   INTEGER,
	revoked_at   INTEGER
) WITHOUT ROWID;
