PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE goose_db_version (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		version_id INTEGER NOT NULL,
		is_applied INTEGER NOT NULL,
		tstamp TIMESTAMP DEFAULT (datetime('now'))
	);
INSERT INTO goose_db_version VALUES(1,0,1,'2026-11-30 15:14:41');
INSERT INTO goose_db_version VALUES(2,1,1,'2026-11-30 15:14:41');
INSERT INTO goose_db_version VALUES(3,2,1,'2026-11-30 15:14:41');
INSERT INTO goose_db_version VALUES(4,3,1,'2026-11-30 15:14:41');
INSERT INTO goose_db_version VALUES(5,10,1,'2026-11-30 15:14:41');
INSERT INTO goose_db_version VALUES(6,11,1,'2026-11-30 15:14:41');
CREATE TABLE accounts (
	id                  TEXT    PRIMARY KEY,
	email               TEXT    NOT NULL,
	kvnr                TEXT    NOT NULL,
	birth_date          TEXT    NOT NULL,
	kdf_alg             TEXT    NOT NULL,
	kdf_salt            BLOB    NOT NULL,
	kdf_memory          INTEGER NOT NULL,
	kdf_time            INTEGER NOT NULL,
	kdf_threads         INTEGER NOT NULL,
	login_hash          TEXT    NOT NULL,
	recovery_hash       TEXT    NOT NULL,
	umk_by_password     BLOB    NOT NULL,
	umk_by_recovery     BLOB    NOT NULL,
	recovery_by_umk     BLOB    NOT NULL,
	public_key          BLOB    NOT NULL,
	private_key_by_umk  BLOB    NOT NULL,
	totp_secret         TEXT    NOT NULL,
	totp_last_counter   INTEGER NOT NULL,
	created_at          INTEGER NOT NULL,
	confirmed_at        INTEGER,
	blocked_at          INTEGER,
	password_changed_at INTEGER NOT NULL
) STRICT;
CREATE TABLE devices (
	account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	id           TEXT    NOT NULL,
	name         TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	confirmed_at INTEGER,
	blocked_at   INTEGER,
	last_seen_at INTEGER NOT NULL,
	PRIMARY KEY (account_id, id)
) STRICT;
CREATE TABLE sessions (
	id           TEXT    PRIMARY KEY,
	token_hash   BLOB    NOT NULL,
	account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	device_id    TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	client_addr  TEXT    NOT NULL,
	user_agent   TEXT    NOT NULL,
	client_key   BLOB    NOT NULL
) STRICT;
CREATE TABLE tokens (
	hash       BLOB    PRIMARY KEY,
	purpose    TEXT    NOT NULL,
	account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	device_id  TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER,
	attempts   INTEGER NOT NULL
) STRICT;
CREATE TABLE failures (
	id  INTEGER PRIMARY KEY,
	key TEXT    NOT NULL,
	at  INTEGER NOT NULL
) STRICT;
CREATE TABLE events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	time        INTEGER NOT NULL,
	account_id  TEXT    NOT NULL,
	operation   TEXT    NOT NULL,
	object      TEXT    NOT NULL,
	actor_id    TEXT    NOT NULL,
	actor_role  TEXT    NOT NULL,
	device_id   TEXT    NOT NULL,
	client_addr TEXT    NOT NULL,
	result      TEXT    NOT NULL,
	code        TEXT    NOT NULL
) STRICT;
CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;
CREATE TABLE records (
	account_id         TEXT    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	id                 TEXT    NOT NULL,
	rmk_by_umk         BLOB    NOT NULL,
	public_key         BLOB    NOT NULL,
	private_key_by_rmk BLOB    NOT NULL,
	quota              INTEGER NOT NULL,
	created_at         INTEGER NOT NULL
) STRICT;
CREATE TABLE category_keys (
	account_id TEXT    NOT NULL REFERENCES records (account_id) ON DELETE CASCADE,
	category   TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	key_by_rmk BLOB    NOT NULL,
	PRIMARY KEY (account_id, category, version)
) STRICT;
CREATE TABLE items (
	id          TEXT    PRIMARY KEY,
	account_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	category    TEXT    NOT NULL,
	key_version INTEGER NOT NULL,
	kind        TEXT    NOT NULL,
	replaces    TEXT    NOT NULL,
	size        INTEGER NOT NULL,
	chunk_size  INTEGER NOT NULL,
	state       TEXT    NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	created_by  TEXT    NOT NULL,
	meta_sealed BLOB    NOT NULL,
	key_slot    BLOB    NOT NULL
) STRICT;
CREATE TABLE item_chunks (
	item_id TEXT    NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	n       INTEGER NOT NULL,
	PRIMARY KEY (item_id, n)
) STRICT;
CREATE TABLE leases (
	name   TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	until  INTEGER NOT NULL
) STRICT;
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('goose_db_version',6);
CREATE UNIQUE INDEX accounts_email ON accounts (email);
CREATE UNIQUE INDEX accounts_kvnr ON accounts (kvnr);
CREATE INDEX accounts_created ON accounts (created_at);
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
CREATE INDEX sessions_account ON sessions (account_id, device_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
CREATE INDEX tokens_account ON tokens (account_id, purpose, created_at);
CREATE INDEX tokens_expires ON tokens (expires_at);
CREATE INDEX failures_key ON failures (key, at);
CREATE INDEX failures_at ON failures (at);
CREATE INDEX events_account ON events (account_id, id);
CREATE INDEX events_time ON events (time);
CREATE INDEX items_updated ON items (state, updated_at);
CREATE INDEX items_account_page ON items (account_id, state, created_at, id);
CREATE INDEX items_category_page ON items (account_id, state, category, created_at, id);
COMMIT;
