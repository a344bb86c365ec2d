-- Record ids are unique (the client chooses them; grants and
-- representatives name records by them), and provider accounts: the
-- institution data of an account registered as a provider, its status
-- (pending, verified, rejected) and who decided it when (decision 0034).
-- A provider has no record of its own.

-- +goose Up
CREATE UNIQUE INDEX records_id ON records (id);

-- search holds the name and place as the service normalized them (lower
-- case, single spaces), so that both backends match alike. One verified
-- provider per Telematik-ID: a second account naming it stays pending.
CREATE TABLE providers (
	account_id   TEXT    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	type         TEXT    NOT NULL,
	name         TEXT    NOT NULL,
	telematik_id TEXT    NOT NULL,
	lanr         TEXT    NOT NULL,
	bsnr         TEXT    NOT NULL,
	place        TEXT    NOT NULL,
	search       TEXT    NOT NULL,
	status       TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	decided_at   INTEGER,
	decided_by   TEXT    NOT NULL
) STRICT;
CREATE INDEX providers_status ON providers (status, created_at);
CREATE UNIQUE INDEX providers_verified_telematik ON providers (telematik_id) WHERE status = 'verified';

-- +goose Down
DROP TABLE providers;
DROP INDEX records_id;
