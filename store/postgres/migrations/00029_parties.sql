-- Write-only parties (decision 0043): health apps and insurers, the
-- records linked to them, and the account shells insurers open.

-- +goose Up
CREATE TABLE parties (
	id          text        PRIMARY KEY,
	kind        text        NOT NULL,
	name        text        NOT NULL,
	secret_hash bytea       NOT NULL UNIQUE,
	created_at  timestamptz NOT NULL
);

CREATE TABLE party_links (
	party_id   text        NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
	account_id text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	record_id  text        NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (party_id, account_id)
);
CREATE INDEX party_links_account ON party_links (account_id);
CREATE INDEX party_links_record ON party_links (record_id, party_id);

CREATE TABLE activations (
	id         text        PRIMARY KEY,
	insurer_id text        NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
	kvnr       text        NOT NULL,
	birth_date text        NOT NULL,
	email      text        NOT NULL,
	code_hash  bytea       NOT NULL UNIQUE,
	created_at timestamptz NOT NULL,
	account_id text        REFERENCES accounts (id) ON DELETE CASCADE,
	used_at    timestamptz
);
CREATE INDEX activations_account ON activations (account_id);
CREATE INDEX activations_unused ON activations (created_at) WHERE used_at IS NULL;

-- +goose Down
DROP TABLE activations;
DROP TABLE party_links;
DROP TABLE parties;
