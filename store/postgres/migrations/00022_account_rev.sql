-- The revision of an account: UpdateAccount and RotateKeys raise it and
-- UpdateAccount writes only the revision it read, so two changes of one
-- account at once cannot undo each other.

-- +goose Up
ALTER TABLE accounts ADD COLUMN rev BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE accounts DROP COLUMN rev;
