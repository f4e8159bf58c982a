-- Schema version 3: user accounts. id is the login name and the owner of
-- the user's memories and keys. password is an argon2id PHC string
-- ($argon2id$v=19$m=…,t=…,p=…$salt$hash). failed_logins and locked_until
-- carry the lockout after repeated wrong passwords. Times are unix ms.
CREATE TABLE users (
	id            TEXT    PRIMARY KEY,
	role          TEXT    NOT NULL CHECK (role IN ('admin', 'user')),
	password      TEXT    NOT NULL,
	created_at    INTEGER NOT NULL,
	disabled_at   INTEGER,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until  INTEGER,
	last_login_at INTEGER
) WITHOUT ROWID;
