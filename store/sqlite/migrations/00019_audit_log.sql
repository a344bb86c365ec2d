-- The tamper-evident audit log (issue 13, decision 0013, docs/audit.md).
-- Events become leaves of per-record Merkle trees: each names its log and,
-- once sequenced, its index in it (-1 while pending). What the column code
-- held (why an attempt was refused) moves to reason; code becomes the
-- protocol code, filled in when an event is sequenced. Results are ok,
-- denied or error. Existing events become pending rows of their account's
-- log (or the system log) and are sequenced like new ones.

-- +goose Up
ALTER TABLE events RENAME COLUMN code TO reason;
ALTER TABLE events ADD COLUMN code TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN log TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN idx INTEGER NOT NULL DEFAULT -1;
ALTER TABLE events ADD COLUMN actor_name TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN addr_salt BLOB NOT NULL DEFAULT X'';
ALTER TABLE events ADD COLUMN addr_commit BLOB NOT NULL DEFAULT X'';
ALTER TABLE events ADD COLUMN class TEXT NOT NULL DEFAULT '';
UPDATE events SET
	log = CASE WHEN account_id = '' THEN 'system' ELSE 'record/' || account_id END,
	result = CASE result WHEN 'failed' THEN 'denied' ELSE result END;
CREATE UNIQUE INDEX events_log_idx ON events (log, idx) WHERE idx >= 0;
CREATE INDEX events_pending ON events (time, id) WHERE idx < 0;
CREATE INDEX events_log_time ON events (log, time) WHERE idx >= 0;

-- One row per log: its size, the time of its newest event (sequencing
-- never lets a log's times decrease) and its newest signed checkpoint.
CREATE TABLE audit_logs (
	name            TEXT    PRIMARY KEY,
	size            INTEGER NOT NULL,
	last_time       INTEGER NOT NULL,
	checkpoint      BLOB    NOT NULL DEFAULT X'',
	checkpoint_size INTEGER NOT NULL DEFAULT 0,
	checkpoint_at   INTEGER NOT NULL DEFAULT 0
) STRICT;

-- The stored hashes of each log's tree (tlog.StoredHashIndex). Never
-- deleted by retention: every proof keeps working without the events.
CREATE TABLE audit_hashes (
	log  TEXT    NOT NULL,
	n    INTEGER NOT NULL,
	hash BLOB    NOT NULL,
	PRIMARY KEY (log, n)
) STRICT, WITHOUT ROWID;

-- The alarms raised, by their stable key, so that each is raised once.
CREATE TABLE audit_alarms (
	key       TEXT    PRIMARY KEY,
	raised_at INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE audit_alarms;
DROP TABLE audit_hashes;
DROP TABLE audit_logs;
DROP INDEX events_log_time;
DROP INDEX events_pending;
DROP INDEX events_log_idx;
UPDATE events SET result = 'failed' WHERE result = 'denied';
ALTER TABLE events DROP COLUMN class;
ALTER TABLE events DROP COLUMN addr_commit;
ALTER TABLE events DROP COLUMN addr_salt;
ALTER TABLE events DROP COLUMN actor_name;
ALTER TABLE events DROP COLUMN idx;
ALTER TABLE events DROP COLUMN log;
ALTER TABLE events DROP COLUMN code;
ALTER TABLE events RENAME COLUMN reason TO code;
