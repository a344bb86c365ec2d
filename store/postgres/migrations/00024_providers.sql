-- Record ids are unique (the client chooses them; grants and
-- representatives name records by them), and provider accounts: the
-- institution data of an account registered as a provider, its status
-- (pending, verified, rejected) and who decided it when (decision 0034),
-- the PostgreSQL twin of store/sqlite's 00024_providers.sql. A provider
-- has no record of its own.

-- +goose Up
CREATE UNIQUE INDEX records_id ON records (id);

-- search holds the name and place as the service normalized them (lower
-- case, single spaces), so that both backends match alike. One verified
-- provider per Telematik-ID: a second account naming it stays pending.
CREATE TABLE providers (
	account_id   text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	type         text        NOT NULL,
	name         text        NOT NULL,
	telematik_id text        NOT NULL,
	lanr         text        NOT NULL,
	bsnr         text        NOT NULL,
	place        text        NOT NULL,
	search       text        NOT NULL,
	status       text        NOT NULL,
	created_at   timestamptz NOT NULL,
	decided_at   timestamptz,
	decided_by   text        NOT NULL,
	CONSTRAINT providers_pkey PRIMARY KEY (account_id)
);
CREATE INDEX providers_status ON providers (status, created_at);
CREATE UNIQUE INDEX providers_verified_telematik ON providers (telematik_id) WHERE status = 'verified';

-- +goose Down
DROP TABLE providers;
DROP INDEX records_id;
