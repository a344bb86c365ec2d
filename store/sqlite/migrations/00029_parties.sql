-- Write-only parties (decision 0043): health apps and insurers, the
-- records linked to them, and the account shells insurers open.

-- +goose Up
CREATE TABLE parties (
	id          TEXT    PRIMARY KEY,
	kind        TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	secret_hash BLOB    NOT NULL UNIQUE,
	created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE party_links (
	party_id   TEXT    NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
	account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	record_id  TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (party_id, account_id)
) STRICT;
CREATE INDEX party_links_account ON party_links (account_id);
CREATE INDEX party_links_record ON party_links (record_id, party_id);

CREATE TABLE activations (
	id         TEXT    PRIMARY KEY,
	insurer_id TEXT    NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
	kvnr       TEXT    NOT NULL,
	birth_date TEXT    NOT NULL,
	email      TEXT    NOT NULL,
	code_hash  BLOB    NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	account_id TEXT    REFERENCES accounts (id) ON DELETE CASCADE,
	used_at    INTEGER
) STRICT;
CREATE INDEX activations_account ON activations (account_id);
CREATE INDEX activations_unused ON activations (created_at) WHERE used_at IS NULL;

-- +goose Down
DROP TABLE activations;
DROP TABLE party_links;
DROP TABLE parties;
