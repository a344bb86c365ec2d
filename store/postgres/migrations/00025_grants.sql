-- Grants of a record to another account (a provider), their keys wrapped
-- to the grantee, per-grantee hiding and blocking (issue 14, decision 0035).

-- +goose Up
CREATE TABLE grants (
	id         text        PRIMARY KEY,
	owner_id   text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	record_id  text        NOT NULL,
	grantee_id text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	scope      text        NOT NULL,
	categories text        NOT NULL, -- space-separated category ids
	items      text        NOT NULL, -- space-separated item ids
	write      boolean     NOT NULL,
	created_at timestamptz NOT NULL,
	created_by text        NOT NULL,
	until      timestamptz,
	revoked_at timestamptz
);
CREATE INDEX grants_owner ON grants (owner_id, created_at);
CREATE INDEX grants_grantee ON grants (grantee_id, created_at);

CREATE TABLE grant_keys (
	grant_id text  NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
	key_id   text  NOT NULL,
	slot     bytea NOT NULL,
	PRIMARY KEY (grant_id, key_id)
);

-- category or item_id is '' where the other names what is hidden.
CREATE TABLE hidings (
	owner_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	grantee_id text NOT NULL,
	category   text NOT NULL,
	item_id    text NOT NULL,
	PRIMARY KEY (owner_id, grantee_id, category, item_id)
);

CREATE TABLE blocks (
	owner_id   text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	grantee_id text        NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (owner_id, grantee_id)
);

-- When a category key version was added (NULL: made with the record), so
-- that a version a former grantee may hold is known (lazy rotation).
ALTER TABLE category_keys ADD COLUMN created_at timestamptz;

-- +goose Down
DROP TABLE blocks;
DROP TABLE hidings;
DROP TABLE grant_keys;
DROP TABLE grants;
