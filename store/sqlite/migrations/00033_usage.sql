-- Usage data for billing (issue 16, item 8; decision 0047), apart from
-- health data: no foreign key to accounts, as it outlives the account by
-- up to 15 months. Existing accounts get their registration time.

-- +goose Up
CREATE TABLE account_usage (
	account_id    TEXT    PRIMARY KEY,
	registered_at INTEGER NOT NULL,
	insurer       TEXT    NOT NULL DEFAULT '',
	terminated_at INTEGER
) STRICT;

CREATE TABLE usage_quarters (
	account_id  TEXT    NOT NULL,
	quarter     TEXT    NOT NULL,
	last_access INTEGER NOT NULL,
	PRIMARY KEY (account_id, quarter)
) STRICT;

INSERT INTO account_usage (account_id, registered_at) SELECT id, created_at FROM accounts;

-- +goose Down
DROP TABLE usage_quarters;
DROP TABLE account_usage;
