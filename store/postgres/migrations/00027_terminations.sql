-- An account's notice (Kündigung) and its grace period: the jobs delete
-- the account's data at delete_at and send the reminders (issue 16).

-- +goose Up
CREATE TABLE terminations (
	account_id   text        PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	requested_at timestamptz NOT NULL,
	delete_at    timestamptz NOT NULL,
	notices      integer     NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE terminations;
