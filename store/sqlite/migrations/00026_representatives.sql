-- Representatives of a record, with the emergency waiting period
-- (decision 0036). email and kvnr are as the patient named them;
-- account_id is set when that account accepts. rmk_slot is the record
-- master key wrapped by the patient's client to public_key; the server
-- cannot open it. The owner's account is the key, as for every table of a
-- record: record ids are chosen by clients.

-- +goose Up
CREATE TABLE representatives (
	id           TEXT    PRIMARY KEY,
	owner_id     TEXT    NOT NULL REFERENCES records (account_id) ON DELETE CASCADE,
	record_id    TEXT    NOT NULL,
	email        TEXT    NOT NULL,
	kvnr         TEXT    NOT NULL,
	wait_days    INTEGER NOT NULL,
	account_id   TEXT    REFERENCES accounts (id) ON DELETE CASCADE,
	created_at   INTEGER NOT NULL,
	accepted_at  INTEGER,
	public_key   BLOB,
	rmk_slot     BLOB,
	requested_at INTEGER,
	opens_at     INTEGER,
	reminded_at  INTEGER,
	opened_at    INTEGER,
	refused_at   INTEGER,
	UNIQUE (owner_id, email),
	UNIQUE (owner_id, kvnr)
) STRICT;
CREATE INDEX representatives_record ON representatives (record_id);
CREATE INDEX representatives_account ON representatives (account_id);
CREATE INDEX representatives_email ON representatives (email);
CREATE INDEX representatives_opens ON representatives (opens_at);

-- +goose Down
DROP TABLE representatives;
