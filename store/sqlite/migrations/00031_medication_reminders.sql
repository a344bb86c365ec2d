-- Intake reminders of the medication plan (issue 17 item 4, decision
-- 0045): only the local times of day (minutes after midnight, -1 for
-- none) and the time zone; never which medication they are for.

-- +goose Up
CREATE TABLE medication_reminders (
	account_id TEXT    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	tz         TEXT    NOT NULL,
	morning    INTEGER NOT NULL,
	noon       INTEGER NOT NULL,
	evening    INTEGER NOT NULL,
	night      INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	last_sent  INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE medication_reminders;
