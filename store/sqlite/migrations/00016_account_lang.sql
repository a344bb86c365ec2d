-- The language of the account's mails, chosen at registration and changed
-- by its owner; accounts made before spoke German.

-- +goose Up
ALTER TABLE accounts ADD COLUMN lang TEXT NOT NULL DEFAULT 'de';

-- +goose Down
ALTER TABLE accounts DROP COLUMN lang;
