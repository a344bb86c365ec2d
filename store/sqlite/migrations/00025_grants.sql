-- Grants of a record to another account (a provider), their keys wrapped
-- to the grantee, per-grantee hiding and blocking (issue 14, decision 0035).

-- +goose Up
CREATE TABLE grants (
	id         TEXT    PRIMARY KEY,
	owner_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	record_id  TEXT    NOT NULL,
	grantee_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	scope      TEXT    NOT NULL,
	categories TEXT    NOT NULL, -- space-separated category ids
	items      TEXT    NOT NULL, -- space-separated item ids
	write      INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	created_by TEXT    NOT NULL,
	until      INTEGER,
	revoked_at INTEGER
) STRICT;
CREATE INDEX grants_owner ON grants (owner_id, created_at);
CREATE INDEX grants_grantee ON grants (grantee_id, created_at);

CREATE TABLE grant_keys (
	grant_id TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
	key_id   TEXT NOT NULL,
	slot     BLOB NOT NULL,
	PRIMARY KEY (grant_id, key_id)
) STRICT;

-- category or item is '' where the other names what is hidden.
CREATE TABLE hidings (
	owner_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	grantee_id TEXT NOT NULL,
	category   TEXT NOT NULL,
	item_id    TEXT NOT NULL,
	PRIMARY KEY (owner_id, grantee_id, category, item_id)
) STRICT;

CREATE TABLE blocks (
	owner_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	grantee_id TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (owner_id, grantee_id)
) STRICT;

-- When a category key version was added (NULL: made with the record), so
-- that a version a former grantee may hold is known (lazy rotation).
ALTER TABLE category_keys ADD COLUMN created_at INTEGER;

-- +goose Down
DROP TABLE blocks;
DROP TABLE hidings;
DROP TABLE grant_keys;
DROP TABLE grants;
