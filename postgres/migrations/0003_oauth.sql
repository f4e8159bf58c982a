-- Schema version 3: the OAuth authorization server, shared by every daemon
-- on the database. Client secrets, authorization codes and refresh tokens
-- are stored as the SHA-256 of their value. A grant is one approval by a
-- user; its codes and tokens carry its family and go with it.
CREATE TABLE oauth_clients (
	id               text        PRIMARY KEY,
	secret_hash      text        NOT NULL DEFAULT '',
	name             text        NOT NULL DEFAULT '',
	redirect_uris    text[]      NOT NULL,
	grant_types      text[]      NOT NULL,
	auth_method      text        NOT NULL CHECK (auth_method IN ('none', 'client_secret_basic', 'client_secret_post')),
	application_type text        NOT NULL DEFAULT 'web',
	client_uri       text        NOT NULL DEFAULT '',
	created_at       timestamptz NOT NULL
);

CREATE TABLE oauth_grants (
	family      text        PRIMARY KEY,
	client_id   text        NOT NULL,
	client_name text        NOT NULL DEFAULT '',
	user_id     text        NOT NULL,
	scope       text        NOT NULL,
	resource    text        NOT NULL,
	created_at  timestamptz NOT NULL,
	expires_at  timestamptz NOT NULL,
	revoked_at  timestamptz
);
CREATE INDEX oauth_grants_expires ON oauth_grants (expires_at);
CREATE INDEX oauth_grants_user ON oauth_grants (user_id);

CREATE TABLE oauth_codes (
	hash         text        PRIMARY KEY,
	family       text        NOT NULL REFERENCES oauth_grants (family) ON DELETE CASCADE,
	client_id    text        NOT NULL,
	redirect_uri text        NOT NULL,
	challenge    text        NOT NULL,
	scope        text        NOT NULL,
	resource     text        NOT NULL,
	user_id      text        NOT NULL,
	created_at   timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL,
	used_at      timestamptz
);
CREATE INDEX oauth_codes_family ON oauth_codes (family);
CREATE INDEX oauth_codes_expires ON oauth_codes (expires_at);

CREATE TABLE oauth_refresh_tokens (
	hash       text        PRIMARY KEY,
	family     text        NOT NULL REFERENCES oauth_grants (family) ON DELETE CASCADE,
	client_id  text        NOT NULL,
	user_id    text        NOT NULL,
	scope      text        NOT NULL,
	resource   text        NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	used_at    timestamptz
);
CREATE INDEX oauth_refresh_tokens_family ON oauth_refresh_tokens (family);
CREATE INDEX oauth_refresh_tokens_expires ON oauth_refresh_tokens (expires_at);
