-- The tamper-evident audit log (issue 13, decision 0013, docs/audit.md).
-- Events become leaves of per-record Merkle trees: each names its log and,
-- once sequenced, its index in it (-1 while pending). What the column code
-- held (why an attempt was refused) moves to reason; code becomes the
-- protocol code, filled in when an event is sequenced. Results are ok,
-- denied or error. Existing events become pending rows of their account's
-- log (or the system log) and are sequenced like new ones.

-- +goose Up
ALTER TABLE events RENAME COLUMN code TO reason;
ALTER TABLE events ADD COLUMN code text NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN log text NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN idx bigint NOT NULL DEFAULT -1;
ALTER TABLE events ADD COLUMN actor_name text NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN addr_salt bytea NOT NULL DEFAULT ''::bytea;
ALTER TABLE events ADD COLUMN addr_commit bytea NOT NULL DEFAULT ''::bytea;
ALTER TABLE events ADD COLUMN class text NOT NULL DEFAULT '';
UPDATE events SET
	log = CASE WHEN account_id = '' THEN 'system' ELSE 'record/' || account_id END,
	result = CASE result WHEN 'failed' THEN 'denied' ELSE result END;
CREATE UNIQUE INDEX events_log_idx ON events (log, idx) WHERE idx >= 0;
CREATE INDEX events_pending ON events (time, id) WHERE idx < 0;
CREATE INDEX events_log_time ON events (log, time) WHERE idx >= 0;

-- One row per log: its size, the time of its newest event (sequencing
-- never lets a log's times decrease) and its newest signed checkpoint.
CREATE TABLE audit_logs (
	name            text        PRIMARY KEY,
	size            bigint      NOT NULL,
	last_time       timestamptz NOT NULL,
	checkpoint      bytea       NOT NULL DEFAULT ''::bytea,
	checkpoint_size bigint      NOT NULL DEFAULT 0,
	checkpoint_at   timestamptz
);

-- The stored hashes of each log's tree (tlog.StoredHashIndex). Never
-- deleted by retention: every proof keeps working without the events.
CREATE TABLE audit_hashes (
	log  text   NOT NULL,
	n    bigint NOT NULL,
	hash bytea  NOT NULL,
	PRIMARY KEY (log, n)
);

-- The alarms raised, by their stable key, so that each is raised once.
CREATE TABLE audit_alarms (
	key       text        PRIMARY KEY,
	raised_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE audit_alarms;
DROP TABLE audit_hashes;
DROP TABLE audit_logs;
DROP INDEX events_log_time;
DROP INDEX events_pending;
DROP INDEX events_log_idx;
UPDATE events SET result = 'failed' WHERE result = 'denied';
ALTER TABLE events DROP COLUMN class, DROP COLUMN addr_commit, DROP COLUMN addr_salt,
	DROP COLUMN actor_name, DROP COLUMN idx, DROP COLUMN log, DROP COLUMN code;
ALTER TABLE events RENAME COLUMN reason TO code;
