-- Usage data for billing (issue 16, item 8; decision 0047), apart from
-- health data: no foreign key to accounts, as it outlives the account by
-- up to 15 months. Existing accounts get their registration time.

-- +goose Up
CREATE TABLE account_usage (
	account_id    text        PRIMARY KEY,
	registered_at timestamptz NOT NULL,
	insurer       text        NOT NULL DEFAULT '',
	terminated_at timestamptz
);

CREATE TABLE usage_quarters (
	account_id  text        NOT NULL,
	quarter     text        NOT NULL,
	last_access timestamptz NOT NULL,
	PRIMARY KEY (account_id, quarter)
);

INSERT INTO account_usage (account_id, registered_at) SELECT id, created_at FROM accounts;

-- +goose Down
DROP TABLE usage_quarters;
DROP TABLE account_usage;
