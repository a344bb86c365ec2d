-- The Ed25519 public key a client sent at login: the session's escrowed
-- client key is given out only to a request signed with it
-- (docs/decisions/0019-cli-key-escrow.md). Empty for the web app's
-- sessions and for those opened before.

-- +goose Up
ALTER TABLE sessions ADD COLUMN device_key BLOB NOT NULL DEFAULT x'';

-- +goose Down
ALTER TABLE sessions DROP COLUMN device_key;
