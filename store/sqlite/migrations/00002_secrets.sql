-- Server secrets (such as keys for signing links) shared by every replica.

-- +goose Up
CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;

-- +goose Down
DROP TABLE secrets;
