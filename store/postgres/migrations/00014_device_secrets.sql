-- A confirmed device holds a device secret (OWASP's "device cookie"); the
-- store keeps its SHA-256 (docs/decisions/0010-attempt-limits.md).

-- +goose Up
ALTER TABLE devices ADD COLUMN secret_hash bytea NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE devices DROP COLUMN secret_hash;
