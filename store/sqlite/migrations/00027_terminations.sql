-- An account's notice (Kündigung) and its grace period: the jobs delete
-- the account's data at delete_at and send the reminders (issue 16).

-- +goose Up
CREATE TABLE terminations (
	account_id   TEXT    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	requested_at INTEGER NOT NULL,
	delete_at    INTEGER NOT NULL,
	notices      INTEGER NOT NULL DEFAULT 0
) STRICT;

-- +goose Down
DROP TABLE terminations;
