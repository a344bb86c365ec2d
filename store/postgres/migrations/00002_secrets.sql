-- Server secrets (such as keys for signing links) shared by every replica.

-- +goose Up
CREATE TABLE secrets (
	name  text  PRIMARY KEY,
	value bytea NOT NULL
);

-- +goose Down
DROP TABLE secrets;
