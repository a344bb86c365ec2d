-- The record's manifest (docs/crypto.md section 15, row 4): a blob the
-- owner's client seals under a key from the record master key, listing the
-- record's item ids and versions, and a counter every client write raises
-- by one (compare-and-swap). Empty until the first client write.

-- +goose Up
ALTER TABLE records ADD COLUMN manifest BLOB NOT NULL DEFAULT X'';
ALTER TABLE records ADD COLUMN manifest_counter INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE records DROP COLUMN manifest_counter;
ALTER TABLE records DROP COLUMN manifest;
