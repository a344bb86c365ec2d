// Package sqlite implements akte.Store on a single SQLite file, using the
// pure-Go driver modernc.org/sqlite.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/akte/akte"
)

//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeout is how long a connection waits for another one's write lock
// before it gives up with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// maxIdleConns is how many connections the pool keeps open between
// requests. database/sql keeps 2 by default: under concurrent requests the
// others were closed after each use and reopened (pragmas, schema parse,
// and every cached statement prepared again) by the next request. Reads
// run in parallel on separate connections (WAL); only transactions take
// the write lock.
const maxIdleConns = 32

// Store is an akte.Store backed by SQLite. It is safe for concurrent use.
type Store struct {
	db *sql.DB
	// rd runs the hot reads (reader.go).
	rd *reader
}

var _ akte.Store = (*Store)(nil)

// Open opens the database file at path, creating it if needed (0600, see
// private), and applies any migrations not yet applied.
//
// Every connection runs in WAL mode with synchronous=FULL (a committed
// transaction survives a power cut, which matters for single-use tokens and
// TOTP counters) and foreign keys on. Transactions begin IMMEDIATE: they
// take the write lock up front, so two writers queue on the busy timeout
// instead of failing when a reader tries to upgrade.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := private(path); err != nil {
		return nil, akte.E("sqlite.Open", akte.KindInternal, "", fmt.Errorf("database file: %w", err))
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, akte.E("sqlite.Open", akte.KindInternal, "", err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, wrap("sqlite.Open", err)
	}
	db.SetMaxIdleConns(maxIdleConns)
	return &Store{db: db, rd: newReader(fileURI(path) + "?mode=ro")}, nil
}

// dsn builds the driver's data source name.
func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	return fileURI(path) + "?" + q.Encode()
}

// fileURI is path as a file: URI without query, so that characters such as
// '?' or '#' in it are not taken for syntax.
func fileURI(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath()
}

func migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys,
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// DB returns the underlying database, for tests and maintenance.
func (s *Store) DB() *sql.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return wrap("sqlite.Ping", s.db.PingContext(ctx))
}

// Close closes the database.
func (s *Store) Close() error {
	s.rd.close()
	return wrap("sqlite.Close", s.db.Close())
}

// queryRow runs a read on the reader; Scan answers sql.ErrNoRows when
// there is no row.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) scanner {
	return readRow{s.rd, ctx, query, args}
}

// tx runs fn in a transaction (BEGIN IMMEDIATE, see Open) and commits if
// fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// affected returns the rows a statement changed.
func affected(res sql.Result, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// wrap turns a database error into an *akte.Error of the kind the
// akte.Store contract names. Errors that already are *akte.Error pass
// through. Messages for people are set where a caller can act on them.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae *akte.Error
	if errors.As(err, &ae) {
		return err
	}
	return akte.E(op, kindOf(err), "", err)
}

func kindOf(err error) akte.Kind {
	switch {
	case err == nil:
		return akte.KindOther
	case errors.Is(err, sql.ErrNoRows):
		return akte.KindNotFound
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, sql.ErrConnDone), errors.Is(err, driver.ErrBadConn), errors.Is(err, errReaderClosed),
		// database/sql does not export this one.
		strings.Contains(err.Error(), "sql: database is closed"):
		return akte.KindUnavailable
	}
	// *sqlite.Error of the driver, *libError of the reader.
	var se interface{ Code() int }
	if !errors.As(err, &se) {
		return akte.KindInternal
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return akte.KindConflict
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		// The object the new row belongs to does not exist.
		return akte.KindNotFound
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL, sqlite3.SQLITE_NOMEM,
		sqlite3.SQLITE_READONLY, sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_PROTOCOL:
		return akte.KindUnavailable
	}
	return akte.KindInternal
}

// isUnique reports whether err is a unique-constraint failure on
// table.column (SQLite names it in the message, "UNIQUE constraint
// failed: accounts.email").
func isUnique(err error, column string) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code()
	return (c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) &&
		strings.Contains(se.Error(), column)
}

// notFound is the error for a missing object.
func notFound(op string) error {
	return akte.E(op, akte.KindNotFound, "", sql.ErrNoRows)
}

// Times are stored as INTEGER unix microseconds in UTC.

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullMicros stores an optional time; nil becomes NULL.
func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// ptrMicros reads an optional time; NULL becomes nil.
func ptrMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// blob stores b; the driver would bind a nil slice as NULL, but the blob
// columns are NOT NULL and an absent value is simply empty.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// qualify prefixes each column of a column list with a table alias.
func qualify(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// queryer is a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, db queryer, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
