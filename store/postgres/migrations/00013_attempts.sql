-- Attempt counters replace the failure log, the PostgreSQL twin of
-- store/sqlite/migrations/00013_attempts.sql. TakeAttempts locks the keys'
-- row (FOR UPDATE), so concurrent attempts on one key, from any replica,
-- queue and each sees its predecessor's count. start_at and next_at are
-- NULL for a zero time.

-- +goose Up
CREATE TABLE attempts (
	key      text        PRIMARY KEY,
	n        integer     NOT NULL,
	start_at timestamptz,
	next_at  timestamptz
);
CREATE INDEX attempts_start ON attempts (start_at);
DROP TABLE failures;
ALTER TABLE tokens DROP COLUMN attempts;
CREATE INDEX tokens_account_device ON tokens (account_id, purpose, device_id);

-- +goose Down
DROP INDEX tokens_account_device;
ALTER TABLE tokens ADD COLUMN attempts integer NOT NULL DEFAULT 0;
CREATE TABLE failures (
	id  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	key text        NOT NULL,
	at  timestamptz NOT NULL
);
CREATE INDEX failures_key ON failures (key, at);
CREATE INDEX failures_at ON failures (at);
DROP TABLE attempts;
