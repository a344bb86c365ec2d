-- Passkeys (WebAuthn credentials) as a second factor beside TOTP, and the
-- challenges the server issued for them, each used once (decision 0030).

-- +goose Up
CREATE TABLE passkeys (
	seq           bigint      GENERATED ALWAYS AS IDENTITY,
	account_id    text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	id            text        NOT NULL,
	credential_id bytea       NOT NULL UNIQUE,
	name          text        NOT NULL,
	credential    bytea       NOT NULL,
	sign_count    bigint      NOT NULL,
	created_at    timestamptz NOT NULL,
	last_used_at  timestamptz,
	PRIMARY KEY (account_id, id)
);

-- account_id is no foreign key: a login's challenge names no account.
CREATE TABLE passkey_challenges (
	hash       bytea       PRIMARY KEY,
	purpose    text        NOT NULL,
	account_id text        NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX passkey_challenges_expires ON passkey_challenges (expires_at);

-- +goose Down
DROP TABLE passkey_challenges;
DROP TABLE passkeys;
