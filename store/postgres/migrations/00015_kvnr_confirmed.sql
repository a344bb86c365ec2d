-- Only a confirmed account holds its KVNR (see the SQLite twin). The
-- unique index keeps the old constraint's name, which the store maps to
-- its message.

-- +goose Up
ALTER TABLE accounts DROP CONSTRAINT accounts_kvnr;
CREATE UNIQUE INDEX accounts_kvnr ON accounts (kvnr) WHERE confirmed_at IS NOT NULL AND kvnr <> '';

-- +goose Down
DROP INDEX accounts_kvnr;
ALTER TABLE accounts ADD CONSTRAINT accounts_kvnr UNIQUE (kvnr);
