-- A confirmed device holds a device secret (OWASP's "device cookie"); the
-- store keeps its SHA-256. A login presenting it counts its failures on the
-- device's own counter (docs/decisions/0010-attempt-limits.md).

-- +goose Up
ALTER TABLE devices ADD COLUMN secret_hash BLOB NOT NULL DEFAULT x'';

-- +goose Down
ALTER TABLE devices DROP COLUMN secret_hash;
