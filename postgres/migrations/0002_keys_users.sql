-- Schema version 2: API keys and user accounts, shared by every daemon on
-- the database. Only the SHA-256 of a key is stored; passwords are argon2id
-- PHC strings. Times are timestamptz at millisecond precision.
CREATE TABLE api_keys (
	id           text        PRIMARY KEY,
	name         text        NOT NULL,
	owner        text        NOT NULL,
	scope        text        NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
	hash         text        NOT NULL,
	created_at   timestamptz NOT NULL,
	last_used_at timestamptz,
	expires_at   timestamptz,
	revoked_at   timestamptz
);

CREATE TABLE users (
	id            text        PRIMARY KEY,
	role          text        NOT NULL CHECK (role IN ('admin', 'user')),
	password      text        NOT NULL,
	created_at    timestamptz NOT NULL,
	disabled_at   timestamptz,
	failed_logins int         NOT NULL DEFAULT 0,
	locked_until  timestamptz,
	last_login_at timestamptz
);
