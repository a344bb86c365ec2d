-- Leases: which replica runs the background jobs.

-- +goose Up
CREATE TABLE leases (
	name   text        PRIMARY KEY,
	holder text        NOT NULL,
	until  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE leases;
