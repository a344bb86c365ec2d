// Package postgres implements akte.Store on PostgreSQL, using pgx and a
// connection pool, for deployments with more than one server process.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jackc/puddle/v2"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/akte/akte"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Defaults for settings the URL may override.
const (
	// DefaultStatementTimeout bounds one statement on the server
	// (statement_timeout), so a query stuck on a lock fails instead of
	// holding a connection.
	DefaultStatementTimeout = "10s"
	// DefaultConnectTimeout bounds opening one connection
	// (connect_timeout).
	DefaultConnectTimeout = 5 * time.Second
	// DefaultOpTimeout bounds a whole method call on the client
	// (op_timeout), so a server that stops answering without closing the
	// connection cannot hang a caller whose context has no deadline.
	DefaultOpTimeout = 30 * time.Second
)

// migrateTimeout bounds applying the migrations in Open, including the
// wait for another replica that is applying them. A migration that needs
// more than statement_timeout for one statement sets its own with SET
// LOCAL.
const migrateTimeout = 5 * time.Minute

// maxAttempts is how often a transaction runs when it keeps failing with
// a serialization failure or deadlock.
const maxAttempts = 5

// Store is an akte.Store backed by PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool      *pgxpool.Pool
	opTimeout time.Duration
}

var _ akte.Store = (*Store)(nil)

// Open connects to the database at url and applies any migrations not yet
// applied. url is a PostgreSQL URL or key=value string as pgx takes it,
// such as
//
//	postgres://akte:PASSWORD@db.example.org:5432/akte?sslmode=verify-full
//
// with these optional parameters besides the usual ones:
//
//	pool_max_conns      connections in the pool (pgxpool; default max(4, CPUs))
//	statement_timeout   per statement, on the server (default 10s)
//	connect_timeout     per connection attempt, in seconds (default 5)
//	op_timeout          per method call, on the client (default 30s)
//
// Migrations take a PostgreSQL advisory lock, so replicas that start
// together apply them once. Errors never contain the password.
func Open(ctx context.Context, url string) (*Store, error) {
	const op = "postgres.Open"
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx redacts the password in its message only on a best-effort
		// basis, so say less.
		return nil, &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "db_url_invalid", Err: errors.New("cannot parse the connection string")}
	}
	params := cfg.ConnConfig.RuntimeParams
	opTimeout := DefaultOpTimeout
	if v, ok := params["op_timeout"]; ok {
		delete(params, "op_timeout") // ours, not a server setting
		opTimeout, err = time.ParseDuration(v)
		if err != nil || opTimeout <= 0 {
			return nil, &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "db_url_invalid", Err: fmt.Errorf("op_timeout %q is not a positive duration", v)}
		}
	}
	if _, ok := params["statement_timeout"]; !ok {
		params["statement_timeout"] = DefaultStatementTimeout
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, akte.E(op, akte.KindInternal, "", err)
	}
	s := &Store{pool: pool, opTimeout: opTimeout}
	mctx, cancel := context.WithTimeout(ctx, migrateTimeout)
	defer cancel()
	if err := s.migrate(mctx); err != nil {
		pool.Close()
		return nil, wrap(op, err)
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	// Replicas that start together wait for the one that migrates; they
	// look every second (goose's default is every 5).
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, uint64(migrateTimeout/time.Second)))
	if err != nil {
		return err
	}
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithDisableGlobalRegistry(true),
		goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Pool returns the connection pool, for tests and maintenance.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap("postgres.Ping", s.pool.Ping(ctx))
}

// Close closes the pool, waiting for connections in use to be returned.
// A second Close does nothing. When the server stopped answering, pgx may
// wait up to 15 seconds for a connection it had to cancel.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// ctx bounds a method call by the store's op timeout, unless ctx ends
// sooner.
func (s *Store) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opTimeout)
}

// tx runs fn in a transaction (READ COMMITTED) and commits if fn returns
// nil. When the transaction fails with a serialization failure or a
// deadlock, which PostgreSQL resolves by aborting one side, tx runs it
// again, up to maxAttempts times; fn must therefore have no effects outside
// the transaction.
func (s *Store) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, s.pool, fn)
		if err == nil || !retryable(err) || attempt == maxAttempts {
			return err
		}
		// Back off 5, 10, 20, 40 ms, with jitter so that the two sides of
		// a deadlock do not meet again.
		d := time.Duration(5<<(attempt-1)) * time.Millisecond
		d += rand.N(d)
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// SQLSTATE codes the store looks at.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected)
}

// wrap turns a database error into an *akte.Error of the kind the
// akte.Store contract names. Errors that already are *akte.Error pass
// through.
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
	if err == nil {
		return akte.KindOther
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return akte.KindNotFound
	}
	// A server's answer decides, also inside a connection error.
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return sqlStateKind(pe.Code)
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		pgconn.Timeout(err),
		errors.Is(err, puddle.ErrClosedPool), errors.Is(err, pgconn.ErrConnClosed),
		errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return akte.KindUnavailable
	}
	return akte.KindInternal
}

// sqlStateKind classifies an error the server reported.
func sqlStateKind(code string) akte.Kind {
	switch code {
	case codeUniqueViolation:
		return akte.KindConflict
	case codeForeignKeyViolation:
		// The object the new row belongs to does not exist.
		return akte.KindNotFound
	case codeSerializationFailure, codeDeadlockDetected, // still failing after the retries
		"55P03", // lock_not_available
		"57014", // query_canceled, also by statement_timeout
		"25P03": // idle_in_transaction_session_timeout
		return akte.KindUnavailable
	}
	switch code[:2] {
	case "08", // connection exception
		"53", // insufficient resources: disk full, too many connections
		"57": // operator intervention: shutdown, crash, cannot connect now
		return akte.KindUnavailable
	}
	return akte.KindInternal
}

// isUnique reports whether err is a unique violation of the constraint.
func isUnique(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == codeUniqueViolation && pe.ConstraintName == constraint
}

// notFound is the error for a missing object.
func notFound(op string) error {
	return akte.E(op, akte.KindNotFound, "", pgx.ErrNoRows)
}

// affected returns the rows a statement changed.
func affected(tag pgconn.CommandTag, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// Times go to the server truncated to the microsecond, which is all
// timestamptz keeps (the server would round), and come back in UTC.

func ts(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

func nullTS(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ts(*t)
	return &v
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// blob stores b; pgx would bind a nil slice as NULL, but the bytea columns
// are NOT NULL and an absent value is simply empty.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// querier is the pool or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
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

// qualify prefixes each column of a column list with a table alias.
func qualify(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
