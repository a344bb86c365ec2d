-- Passkeys (WebAuthn credentials) as a second factor beside TOTP, and the
-- challenges the server issued for them, each used once (decision 0030).

-- +goose Up
CREATE TABLE passkeys (
	account_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	id            TEXT    NOT NULL,
	credential_id BLOB    NOT NULL UNIQUE,
	name          TEXT    NOT NULL,
	credential    BLOB    NOT NULL,
	sign_count    INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	last_used_at  INTEGER,
	PRIMARY KEY (account_id, id)
) STRICT;

-- account_id is no foreign key: a login's challenge names no account.
CREATE TABLE passkey_challenges (
	hash       BLOB    PRIMARY KEY,
	purpose    TEXT    NOT NULL,
	account_id TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX passkey_challenges_expires ON passkey_challenges (expires_at);

-- +goose Down
DROP TABLE passkey_challenges;
DROP TABLE passkeys;
