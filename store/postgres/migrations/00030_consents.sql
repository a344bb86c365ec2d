-- The consent ledger, the restriction of processing and the deletion after
-- a withdrawn processing consent (issue 16 items 1, 6, 7; decision 0044).
-- consents has no foreign key: its records are the evidence of consent and
-- outlive the account by 3 years (ended_at). consent_texts keeps each text
-- shown, by its hash, so that what was agreed to can be read back after
-- the operator replaced the texts.

-- +goose Up
CREATE TABLE consent_texts (
	hash    text    PRIMARY KEY,
	text_id text    NOT NULL,
	version integer NOT NULL,
	lang    text    NOT NULL,
	body    text    NOT NULL
);
CREATE TABLE consents (
	id         text        PRIMARY KEY,
	account_id text        NOT NULL,
	text_id    text        NOT NULL,
	version    integer     NOT NULL,
	lang       text        NOT NULL,
	hash       text        NOT NULL,
	decision   text        NOT NULL,
	at         timestamptz NOT NULL,
	via        text        NOT NULL,
	ended_at   timestamptz
);
CREATE INDEX consents_account ON consents (account_id, at);
CREATE INDEX consents_ended ON consents (ended_at) WHERE ended_at IS NOT NULL;
CREATE TABLE restrictions (
	account_id text        PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	since      timestamptz NOT NULL
);
ALTER TABLE terminations ADD COLUMN withdrawal boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE terminations DROP COLUMN withdrawal;
DROP TABLE restrictions;
DROP TABLE consents;
DROP TABLE consent_texts;
