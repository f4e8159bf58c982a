-- Schema version 4: the OAuth authorization server. Client secrets,
-- authorization codes and refresh tokens are stored as the SHA-256 of
-- their value, never in clear. A grant is one approval by a user; every
-- code and token issued from it carries its family id, and revoking the
-- grant revokes them all. Times are unix milliseconds.
CREATE TABLE oauth_clients (
	id               TEXT    PRIMARY KEY,
	secret_hash      TEXT    NOT NULL DEFAULT '',
	name             TEXT    NOT NULL DEFAULT '',
	redirect_uris    TEXT    NOT NULL, -- JSON array
	grant_types      TEXT    NOT NULL, -- JSON array
	auth_method      TEXT    NOT NULL CHECK (auth_method IN ('none', 'client_secret_basic', 'client_secret_post')),
	application_type TEXT    NOT NULL DEFAULT 'web',
	client_uri       TEXT    NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE oauth_grants (
	family      TEXT    PRIMARY KEY,
	client_id   TEXT    NOT NULL,
	client_name TEXT    NOT NULL DEFAULT '',
	user_id     TEXT    NOT NULL,
	scope       TEXT    NOT NULL,
	resource    TEXT    NOT NULL,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	revoked_at  INTEGER
) WITHOUT ROWID;
CREATE INDEX oauth_grants_expires ON oauth_grants (expires_at);
CREATE INDEX oauth_grants_user ON oauth_grants (user_id);

CREATE TABLE oauth_codes (
	hash         TEXT    PRIMARY KEY,
	family       TEXT    NOT NULL REFERENCES oauth_grants (family) ON DELETE CASCADE,
	client_id    TEXT    NOT NULL,
	redirect_uri TEXT    NOT NULL,
	challenge    TEXT    NOT NULL,
	scope        TEXT    NOT NULL,
	resource     TEXT    NOT NULL,
	user_id      TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	used_at      INTEGER
) WITHOUT ROWID;
CREATE INDEX oauth_codes_family ON oauth_codes (family);
CREATE INDEX oauth_codes_expires ON oauth_codes (expires_at);

CREATE TABLE oauth_refresh_tokens (
	hash       TEXT    PRIMARY KEY,
	family     TEXT    NOT NULL REFERENCES oauth_grants (family) ON DELETE CASCADE,
	client_id  TEXT    NOT NULL,
	user_id    TEXT    NOT NULL,
	scope      TEXT    NOT NULL,
	resource   TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER
) WITHOUT ROWID;
CREATE INDEX oauth_refresh_tokens_family ON oauth_refresh_tokens (family);
CREATE INDEX oauth_refresh_tokens_expires ON oauth_refresh_tokens (expires_at);
