-- Attempt counters replace the failure log. A counter per key (an
-- account's logins, a client address, a recipient's mails) is read, decided
-- on and written in one transaction, so an attempt is counted before its
-- secret is checked and N concurrent attempts see each other; the old
-- failures table was read before an attempt and written after it. The
-- per-token attempt count goes too: codes are counted per purpose under an
-- attempt key. start_at and next_at are NULL for a zero time.

-- +goose Up
CREATE TABLE attempts (
	key      TEXT    PRIMARY KEY,
	n        INTEGER NOT NULL,
	start_at INTEGER,
	next_at  INTEGER
) STRICT;
CREATE INDEX attempts_start ON attempts (start_at);
DROP TABLE failures;
ALTER TABLE tokens DROP COLUMN attempts;
CREATE INDEX tokens_account_device ON tokens (account_id, purpose, device_id);

-- +goose Down
DROP INDEX tokens_account_device;
ALTER TABLE tokens ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE TABLE failures (
	id  INTEGER PRIMARY KEY,
	key TEXT    NOT NULL,
	at  INTEGER NOT NULL
) STRICT;
CREATE INDEX failures_key ON failures (key, at);
CREATE INDEX failures_at ON failures (at);
DROP TABLE attempts;
