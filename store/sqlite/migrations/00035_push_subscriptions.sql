-- Intake reminders as Web Push (decision 0051): the channel the patient
-- chose, and the browsers' push subscriptions (the push service's URL and
-- the keys a message is encrypted to). Nothing names a medication.

-- +goose Up
ALTER TABLE medication_reminders ADD COLUMN via TEXT NOT NULL DEFAULT 'mail';
CREATE TABLE push_subscriptions (
	account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	id         TEXT    NOT NULL,
	device_id  TEXT    NOT NULL,
	endpoint   TEXT    NOT NULL,
	p256dh     BLOB    NOT NULL,
	auth       BLOB    NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (account_id, id),
	UNIQUE (account_id, endpoint)
) STRICT;

-- +goose Down
DROP TABLE push_subscriptions;
ALTER TABLE medication_reminders DROP COLUMN via;
