-- Records (the keys of a patient's record and its quota) and items
-- (documents). Every key column holds a slot wrapped on the client; the
-- server cannot open any of them.

-- +goose Up
CREATE TABLE records (
	account_id         TEXT    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	id                 TEXT    NOT NULL,
	rmk_by_umk         BLOB    NOT NULL,
	public_key         BLOB    NOT NULL,
	private_key_by_rmk BLOB    NOT NULL,
	quota              INTEGER NOT NULL,
	created_at         INTEGER NOT NULL
) STRICT;

CREATE TABLE category_keys (
	account_id TEXT    NOT NULL REFERENCES records (account_id) ON DELETE CASCADE,
	category   TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	key_by_rmk BLOB    NOT NULL,
	PRIMARY KEY (account_id, category, version)
) STRICT;

-- An item exists from the start of its upload (state 'uploading') so that
-- its size counts against the quota at once; it becomes 'complete' when
-- every chunk is stored. replaces is not a foreign key: an old version may
-- be deleted while its successor stays.
CREATE TABLE items (
	id          TEXT    PRIMARY KEY,
	account_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	category    TEXT    NOT NULL,
	key_version INTEGER NOT NULL,
	kind        TEXT    NOT NULL,
	replaces    TEXT    NOT NULL,
	size        INTEGER NOT NULL,
	chunk_size  INTEGER NOT NULL,
	state       TEXT    NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	created_by  TEXT    NOT NULL,
	meta_sealed BLOB    NOT NULL,
	key_slot    BLOB    NOT NULL
) STRICT;
CREATE INDEX items_account ON items (account_id, state, category, created_at);
CREATE INDEX items_updated ON items (state, updated_at);

CREATE TABLE item_chunks (
	item_id TEXT    NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	n       INTEGER NOT NULL,
	PRIMARY KEY (item_id, n)
) STRICT;

-- +goose Down
DROP TABLE item_chunks;
DROP TABLE items;
DROP TABLE category_keys;
DROP TABLE records;
