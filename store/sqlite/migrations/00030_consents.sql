-- The consent ledger, the restriction of processing and the deletion after
-- a withdrawn processing consent (issue 16 items 1, 6, 7; decision 0044).
-- consents has no foreign key: its records are the evidence of consent and
-- outlive the account by 3 years (ended_at). consent_texts keeps each text
-- shown, by its hash, so that what was agreed to can be read back after
-- the operator replaced the texts.

-- +goose Up
CREATE TABLE consent_texts (
	hash    TEXT    PRIMARY KEY,
	text_id TEXT    NOT NULL,
	version INTEGER NOT NULL,
	lang    TEXT    NOT NULL,
	body    TEXT    NOT NULL
) STRICT;
CREATE TABLE consents (
	id         TEXT    PRIMARY KEY,
	account_id TEXT    NOT NULL,
	text_id    TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	lang       TEXT    NOT NULL,
	hash       TEXT    NOT NULL,
	decision   TEXT    NOT NULL,
	at         INTEGER NOT NULL,
	via        TEXT    NOT NULL,
	ended_at   INTEGER
) STRICT;
CREATE INDEX consents_account ON consents (account_id, at);
CREATE INDEX consents_ended ON consents (ended_at) WHERE ended_at IS NOT NULL;
CREATE TABLE restrictions (
	account_id TEXT    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	since      INTEGER NOT NULL
) STRICT;
ALTER TABLE terminations ADD COLUMN withdrawal INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE terminations DROP COLUMN withdrawal;
DROP TABLE restrictions;
DROP TABLE consents;
DROP TABLE consent_texts;
