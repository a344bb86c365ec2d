-- Shares of chosen items with anyone holding a link's secret or a printed
-- access code (issue 15, decision 0042): the items' keys wrapped under the
-- share key, the hash of the proof that opens it, and its view log.

-- +goose Up
CREATE TABLE shares (
	id         text        PRIMARY KEY,
	owner_id   text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	record_id  text        NOT NULL,
	created_at timestamptz NOT NULL,
	created_by text        NOT NULL,
	expires_at timestamptz NOT NULL,
	revoked_at timestamptz,
	locked_at  timestamptz,
	failures   integer     NOT NULL DEFAULT 0,
	code       boolean     NOT NULL,
	password   boolean     NOT NULL,
	proof_hash bytea       NOT NULL
);
CREATE INDEX shares_owner ON shares (owner_id, created_at);

CREATE TABLE share_items (
	share_id text    NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
	position integer NOT NULL,
	item_id  text    NOT NULL,
	slot     bytea   NOT NULL,
	PRIMARY KEY (share_id, position)
);

CREATE TABLE share_views (
	share_id text        NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
	at       timestamptz NOT NULL
);
CREATE INDEX share_views_share ON share_views (share_id, at);

-- +goose Down
DROP TABLE share_views;
DROP TABLE share_items;
DROP TABLE shares;
