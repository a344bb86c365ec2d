-- Intake reminders of the medication plan (issue 17 item 4, decision
-- 0045): only the local times of day (minutes after midnight, -1 for
-- none) and the time zone; never which medication they are for.

-- +goose Up
CREATE TABLE medication_reminders (
	account_id text        PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	tz         text        NOT NULL,
	morning    integer     NOT NULL,
	noon       integer     NOT NULL,
	evening    integer     NOT NULL,
	night      integer     NOT NULL,
	updated_at timestamptz NOT NULL,
	last_sent  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE medication_reminders;
