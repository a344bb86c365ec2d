-- Records (the keys of a patient's record and its quota) and items
-- (documents), the PostgreSQL twin of store/sqlite's 00003_records.sql.
-- Every key column holds a slot wrapped on the client; the server cannot
-- open any of them.

-- +goose Up
CREATE TABLE records (
	account_id         text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	id                 text        NOT NULL,
	rmk_by_umk         bytea       NOT NULL,
	public_key         bytea       NOT NULL,
	private_key_by_rmk bytea       NOT NULL,
	quota              bigint      NOT NULL,
	created_at         timestamptz NOT NULL,
	CONSTRAINT records_pkey PRIMARY KEY (account_id)
);

CREATE TABLE category_keys (
	account_id text   NOT NULL REFERENCES records (account_id) ON DELETE CASCADE,
	category   text   NOT NULL,
	version    bigint NOT NULL,
	key_by_rmk bytea  NOT NULL,
	PRIMARY KEY (account_id, category, version)
);

-- An item exists from the start of its upload (state 'uploading') so that
-- its size counts against the quota at once; it becomes 'complete' when
-- every chunk is stored. replaces is not a foreign key: an old version may
-- be deleted while its successor stays.
CREATE TABLE items (
	id          text        NOT NULL,
	account_id  text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	category    text        NOT NULL,
	key_version bigint      NOT NULL,
	kind        text        NOT NULL,
	replaces    text        NOT NULL,
	size        bigint      NOT NULL,
	chunk_size  bigint      NOT NULL,
	state       text        NOT NULL,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	created_by  text        NOT NULL,
	meta_sealed bytea       NOT NULL,
	key_slot    bytea       NOT NULL,
	CONSTRAINT items_pkey PRIMARY KEY (id)
);
CREATE INDEX items_account ON items (account_id, state, category, created_at);
CREATE INDEX items_updated ON items (state, updated_at);

CREATE TABLE item_chunks (
	item_id text    NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	n       integer NOT NULL,
	PRIMARY KEY (item_id, n)
);

-- +goose Down
DROP TABLE item_chunks;
DROP TABLE items;
DROP TABLE category_keys;
DROP TABLE records;
