-- Shares of chosen items with anyone holding a link's secret or a printed
-- access code (issue 15, decision 0042): the items' keys wrapped under the
-- share key, the hash of the proof that opens it, and its view log.

-- +goose Up
CREATE TABLE shares (
	id         TEXT    PRIMARY KEY,
	owner_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	record_id  TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	created_by TEXT    NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER,
	locked_at  INTEGER,
	failures   INTEGER NOT NULL DEFAULT 0,
	code       INTEGER NOT NULL,
	password   INTEGER NOT NULL,
	proof_hash BLOB    NOT NULL
) STRICT;
CREATE INDEX shares_owner ON shares (owner_id, created_at);

CREATE TABLE share_items (
	share_id TEXT    NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	item_id  TEXT    NOT NULL,
	slot     BLOB    NOT NULL,
	PRIMARY KEY (share_id, position)
) STRICT;

CREATE TABLE share_views (
	share_id TEXT    NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
	at       INTEGER NOT NULL
) STRICT;
CREATE INDEX share_views_share ON share_views (share_id, at);

-- +goose Down
DROP TABLE share_views;
DROP TABLE share_items;
DROP TABLE shares;
