-- Intake reminders as Web Push (decision 0051): the channel the patient
-- chose, and the browsers' push subscriptions (the push service's URL and
-- the keys a message is encrypted to). Nothing names a medication.

-- +goose Up
ALTER TABLE medication_reminders ADD COLUMN via text NOT NULL DEFAULT 'mail';
CREATE TABLE push_subscriptions (
	account_id text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	id         text        NOT NULL,
	device_id  text        NOT NULL,
	endpoint   text        NOT NULL,
	p256dh     bytea       NOT NULL,
	auth       bytea       NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (account_id, id),
	UNIQUE (account_id, endpoint)
);

-- +goose Down
DROP TABLE push_subscriptions;
ALTER TABLE medication_reminders DROP COLUMN via;
