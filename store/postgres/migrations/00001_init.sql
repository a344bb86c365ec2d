-- Initial schema of the metadata store, the PostgreSQL twin of
-- store/sqlite/migrations/00001_init.sql. Times are timestamptz (microsecond
-- precision); NULL marks an absent optional time. seq columns record the
-- order of insertion, which breaks ties between equal creation times the
-- way SQLite's rowid does.

-- +goose Up
CREATE TABLE accounts (
	seq                 bigint      GENERATED ALWAYS AS IDENTITY,
	id                  text        NOT NULL,
	email               text        NOT NULL,
	kvnr                text        NOT NULL,
	birth_date          text        NOT NULL,
	kdf_alg             text        NOT NULL,
	kdf_salt            bytea       NOT NULL,
	kdf_memory          bigint      NOT NULL,
	kdf_time            bigint      NOT NULL,
	kdf_threads         smallint    NOT NULL,
	login_hash          text        NOT NULL,
	recovery_hash       text        NOT NULL,
	umk_by_password     bytea       NOT NULL,
	umk_by_recovery     bytea       NOT NULL,
	recovery_by_umk     bytea       NOT NULL,
	public_key          bytea       NOT NULL,
	private_key_by_umk  bytea       NOT NULL,
	totp_secret         text        NOT NULL,
	totp_last_counter   bigint      NOT NULL,
	created_at          timestamptz NOT NULL,
	confirmed_at        timestamptz,
	blocked_at          timestamptz,
	password_changed_at timestamptz NOT NULL,
	-- The store maps these constraint names to messages.
	CONSTRAINT accounts_pkey PRIMARY KEY (id),
	CONSTRAINT accounts_email UNIQUE (email),
	CONSTRAINT accounts_kvnr UNIQUE (kvnr)
);
CREATE INDEX accounts_created ON accounts (created_at, seq);

CREATE TABLE devices (
	seq          bigint      GENERATED ALWAYS AS IDENTITY,
	account_id   text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	id           text        NOT NULL,
	name         text        NOT NULL,
	created_at   timestamptz NOT NULL,
	confirmed_at timestamptz,
	blocked_at   timestamptz,
	last_seen_at timestamptz NOT NULL,
	PRIMARY KEY (account_id, id)
);

-- device_id is not a foreign key: a session or token may exist without a
-- device, and devices are never deleted on their own.
CREATE TABLE sessions (
	seq          bigint      GENERATED ALWAYS AS IDENTITY,
	id           text        PRIMARY KEY,
	token_hash   bytea       NOT NULL UNIQUE,
	account_id   text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	device_id    text        NOT NULL,
	created_at   timestamptz NOT NULL,
	last_seen_at timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL,
	client_addr  text        NOT NULL,
	user_agent   text        NOT NULL,
	client_key   bytea       NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id, device_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);

CREATE TABLE tokens (
	seq        bigint      GENERATED ALWAYS AS IDENTITY,
	hash       bytea       PRIMARY KEY,
	purpose    text        NOT NULL,
	account_id text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	device_id  text        NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	used_at    timestamptz,
	attempts   integer     NOT NULL
);
CREATE INDEX tokens_account ON tokens (account_id, purpose, created_at);
CREATE INDEX tokens_expires ON tokens (expires_at);

-- failures are keyed by free text ("account:ID", "addr:1.2.3.4"), so they
-- carry no foreign key; DeleteAccount removes the "account:ID" key.
CREATE TABLE failures (
	id  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	key text        NOT NULL,
	at  timestamptz NOT NULL
);
CREATE INDEX failures_key ON failures (key, at);
CREATE INDEX failures_at ON failures (at);

-- events deliberately have no foreign key to accounts: the audit protocol
-- outlives the account. A sequence never hands out an id twice.
CREATE TABLE events (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time        timestamptz NOT NULL,
	account_id  text        NOT NULL,
	operation   text        NOT NULL,
	object      text        NOT NULL,
	actor_id    text        NOT NULL,
	actor_role  text        NOT NULL,
	device_id   text        NOT NULL,
	client_addr text        NOT NULL,
	result      text        NOT NULL,
	code        text        NOT NULL
);
CREATE INDEX events_account ON events (account_id, id);
CREATE INDEX events_time ON events (time);

-- +goose Down
DROP TABLE events;
DROP TABLE failures;
DROP TABLE tokens;
DROP TABLE sessions;
DROP TABLE devices;
DROP TABLE accounts;
