-- The version of an item's description (its sealed metadata): 1 for the one
-- sealed at upload, one more for each change, which is a compare-and-set on
-- it (decision 0026), so two edits cannot silently overwrite each other.

-- +goose Up
ALTER TABLE items ADD COLUMN meta_version BIGINT NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE items DROP COLUMN meta_version;
