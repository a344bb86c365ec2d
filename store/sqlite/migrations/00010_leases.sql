-- Leases: which replica runs the background jobs.

-- +goose Up
CREATE TABLE leases (
	name   TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	until  INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE leases;
