-- Initial schema of the metadata store. Times are INTEGER unix
-- microseconds in UTC; NULL marks an absent optional time. Tables are
-- STRICT so a value of the wrong type is an error, not a silent coercion.

-- +goose Up
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
CREATE UNIQUE INDEX accounts_email ON accounts (email);
CREATE UNIQUE INDEX accounts_kvnr ON accounts (kvnr);
CREATE INDEX accounts_created ON accounts (created_at);

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

-- device_id is not a foreign key: a session or token may exist without a
-- device, and devices are never deleted on their own.
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
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
CREATE INDEX sessions_account ON sessions (account_id, device_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);

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
CREATE INDEX tokens_account ON tokens (account_id, purpose, created_at);
CREATE INDEX tokens_expires ON tokens (expires_at);

-- failures are keyed by free text ("account:ID", "addr:1.2.3.4"), so they
-- carry no foreign key; DeleteAccount removes the "account:ID" key.
CREATE TABLE failures (
	id  INTEGER PRIMARY KEY,
	key TEXT    NOT NULL,
	at  INTEGER NOT NULL
) STRICT;
CREATE INDEX failures_key ON failures (key, at);
CREATE INDEX failures_at ON failures (at);

-- events deliberately have no foreign key to accounts: the audit protocol
-- outlives the account. AUTOINCREMENT keeps ids from ever being reused.
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
CREATE INDEX events_account ON events (account_id, id);
CREATE INDEX events_time ON events (time);

-- +goose Down
DROP TABLE events;
DROP TABLE failures;
DROP TABLE tokens;
DROP TABLE sessions;
DROP TABLE devices;
DROP TABLE accounts;
