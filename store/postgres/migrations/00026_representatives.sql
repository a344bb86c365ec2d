-- Representatives of a record, with the emergency waiting period
-- (decision 0036). email and kvnr are as the patient named them;
-- account_id is set when that account accepts. rmk_slot is the record
-- master key wrapped by the patient's client to public_key; the server
-- cannot open it. The owner's account is the key, as for every table of a
-- record: record ids are chosen by clients.

-- +goose Up
CREATE TABLE representatives (
	seq          bigint      GENERATED ALWAYS AS IDENTITY,
	id           text        PRIMARY KEY,
	owner_id     text        NOT NULL REFERENCES records (account_id) ON DELETE CASCADE,
	record_id    text        NOT NULL,
	email        text        NOT NULL,
	kvnr         text        NOT NULL,
	wait_days    integer     NOT NULL,
	account_id   text        REFERENCES accounts (id) ON DELETE CASCADE,
	created_at   timestamptz NOT NULL,
	accepted_at  timestamptz,
	public_key   bytea,
	rmk_slot     bytea,
	requested_at timestamptz,
	opens_at     timestamptz,
	reminded_at  timestamptz,
	opened_at    timestamptz,
	refused_at   timestamptz,
	UNIQUE (owner_id, email),
	UNIQUE (owner_id, kvnr)
);
CREATE INDEX representatives_record ON representatives (record_id);
CREATE INDEX representatives_account ON representatives (account_id);
CREATE INDEX representatives_email ON representatives (email);
CREATE INDEX representatives_opens ON representatives (opens_at);

-- +goose Down
DROP TABLE representatives;
