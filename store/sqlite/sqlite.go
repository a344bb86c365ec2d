// Package sqlite implements akte.Store on a single SQLite file, through
// zombiezen.com/go/sqlite (the pure-Go SQLite of modernc.org, called
// directly, without database/sql) and its connection pool.
package sqlite

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"zombiezen.com/go/sqlite"
	"zombiezen.com/go/sqlite/sqlitex"

	"github.com/akte/akte"
)

// busyTimeout is how long a connection waits for another one's write lock
// (another process's) before it gives up with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// maxReaders is the size of the pool that reads run on: one connection per
// CPU the Go scheduler runs on, and one more. Reading a page is CPU work in
// SQLite (the file is mapped), so more connections add no throughput, only
// requests that interleave on the CPUs and all finish late; with a few, a
// query runs through and the others wait their turn in order. Measured at
// 32 concurrent listing clients on 2 CPUs: p99 of a page 25 ms with 32
// connections, 18–21 ms with 2 or 3 (decision 0009).
var maxReaders = runtime.GOMAXPROCS(0) + 1

// readerMmapSize is how much of the database file a read connection maps;
// SQLite caps it at its compile-time maximum (2 GiB less 64 KiB on 64-bit
// Linux) and reads the rest of a larger file with read calls.
const readerMmapSize = 1 << 31

// Store is an akte.Store backed by SQLite. It is safe for concurrent use.
//
// Writes run on one read-write connection (SQLite has one writer at a
// time; requests queue for the connection in order instead of polling for
// the lock), reads on a pool of maxReaders read-only connections that map
// the file. WAL gives every read the last committed state.
type Store struct {
	rw, ro *sqlitex.Pool
	// conns holds the statements prepared on each connection (conn).
	conns  sync.Map // *sqlite.Conn → *conn
	closed atomic.Bool
}

var _ akte.Store = (*Store)(nil)

// Open opens the database file at path, creating it if needed (0600, see
// private), and applies any migrations not yet applied.
//
// The file runs in WAL mode; writes commit with synchronous=FULL (a
// committed transaction survives a power cut, which matters for single-use
// tokens and TOTP counters), foreign keys on, and secure_delete: what is
// deleted is overwritten with zeros in the file, so that a deleted account
// cannot be read back from it (Scrub then empties the WAL). Transactions begin
// IMMEDIATE: they take the write lock up front, so writers of other
// processes queue on the busy timeout instead of failing when a reader
// tries to upgrade.
func Open(ctx context.Context, path string) (*Store, error) {
	const op = "sqlite.Open"
	if err := private(path); err != nil {
		return nil, akte.E(op, akte.KindInternal, "", fmt.Errorf("database file: %w", err))
	}
	uri := fileURI(path)
	rw, err := sqlitex.NewPool(uri, sqlitex.PoolOptions{
		Flags:    sqlite.OpenReadWrite | sqlite.OpenCreate | sqlite.OpenWAL | sqlite.OpenURI,
		PoolSize: 1,
		PrepareConn: func(c *sqlite.Conn) error {
			c.SetBusyTimeout(busyTimeout)
			return pragmas(c, "synchronous = FULL", "foreign_keys = ON", "secure_delete = ON")
		},
	})
	if err != nil {
		return nil, akte.E(op, akte.KindUnavailable, "", err)
	}
	s := &Store{rw: rw}
	if err := s.migrate(ctx); err != nil {
		rw.Close()
		return nil, wrap(op, err)
	}
	// After the migrations: a read-only connection cannot create the file.
	s.ro, err = sqlitex.NewPool(uri+"?mode=ro", sqlitex.PoolOptions{
		Flags:    sqlite.OpenReadOnly | sqlite.OpenURI,
		PoolSize: maxReaders,
		PrepareConn: func(c *sqlite.Conn) error {
			c.SetBusyTimeout(busyTimeout)
			return pragmas(c, fmt.Sprintf("mmap_size = %d", readerMmapSize))
		},
	})
	if err != nil {
		rw.Close()
		return nil, akte.E(op, akte.KindUnavailable, "", err)
	}
	return s, nil
}

// pragmas sets the pragmas of a new connection, each outside a
// transaction (where foreign_keys would do nothing).
func pragmas(c *sqlite.Conn, ps ...string) error {
	for _, p := range ps {
		if err := sqlitex.ExecuteTransient(c, "PRAGMA "+p, nil); err != nil {
			return err
		}
	}
	return nil
}

// fileURI is path as a file: URI without query, so that characters such as
// '?' or '#' in it are not taken for syntax.
func fileURI(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return wrap("sqlite.Ping", s.read(ctx, func(c *conn) error {
		return c.one(`SELECT 1`, nil, func(*row) {})
	}))
}

// Close closes the database. Queries in progress are interrupted (they
// fail as KindUnavailable); it returns when they have ended.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return wrap("sqlite.Close", errors.Join(s.ro.Close(), s.rw.Close()))
}

var errClosed = errors.New("sqlite: database is closed")

// read runs fn on a read-only connection.
func (s *Store) read(ctx context.Context, fn func(*conn) error) error {
	return s.with(ctx, s.ro, fn)
}

// write runs fn on the read-write connection; each statement commits on its
// own.
func (s *Store) write(ctx context.Context, fn func(*conn) error) error {
	return s.with(ctx, s.rw, fn)
}

// tx runs fn in a transaction (BEGIN IMMEDIATE) and commits if fn returns
// nil.
func (s *Store) tx(ctx context.Context, fn func(*conn) error) error {
	return s.write(ctx, func(c *conn) (err error) {
		end, err := sqlitex.ImmediateTransaction(c.Conn)
		if err != nil {
			return err
		}
		defer end(&err)
		return fn(c)
	})
}

// with takes a connection of p for fn; it waits for one until ctx ends,
// and ctx's end interrupts the query.
func (s *Store) with(ctx context.Context, p *sqlitex.Pool, fn func(*conn) error) error {
	if s.closed.Load() {
		return errClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	sc, err := p.Take(ctx)
	if err != nil {
		if s.closed.Load() {
			return errClosed
		}
		return err
	}
	defer p.Put(sc)
	return fn(s.conn(sc))
}

// conn is a connection with the statements prepared on it. Each stays
// prepared for the connection's life and is only reset after a run:
// zombiezen's Conn.Prepare, which also caches, clears the bindings of a
// cached statement, and in this SQLite a statement that uses an index on
// a bound parameter is then prepared again on its next run (the page
// query and the session lookup were, every time; a third of the
// listing's CPU in decision 0009's profile).
type conn struct {
	*sqlite.Conn
	stmts map[string]*sqlite.Stmt
}

func (s *Store) conn(sc *sqlite.Conn) *conn {
	if c, ok := s.conns.Load(sc); ok {
		return c.(*conn)
	}
	c, _ := s.conns.LoadOrStore(sc, &conn{Conn: sc, stmts: map[string]*sqlite.Stmt{}})
	return c.(*conn)
}

// prep returns the statement of query with args bound to its parameters.
func (c *conn) prep(query string, args []any) (*sqlite.Stmt, error) {
	st := c.stmts[query]
	if st == nil {
		var err error
		if st, err = c.Prepare(query); err != nil {
			return nil, err
		}
		c.stmts[query] = st
	}
	if n := st.BindParamCount(); n != len(args) {
		return nil, fmt.Errorf("sqlite: %d arguments for %d parameters", len(args), n)
	}
	for i, a := range args {
		if err := bind(st, i+1, a); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// bind binds a to parameter i: nil as NULL, strings and integers of any
// named type, booleans as 0 or 1, byte slices as blobs (nil as an empty
// blob: the blob columns are NOT NULL, and absent means empty).
func bind(st *sqlite.Stmt, i int, a any) error {
	switch v := a.(type) {
	case nil:
		st.BindNull(i)
	case string:
		st.BindText(i, v)
	case int64:
		st.BindInt64(i, v)
	case []byte:
		st.BindBytes(i, v)
	default:
		rv := reflect.ValueOf(a)
		switch rv.Kind() {
		case reflect.String:
			st.BindText(i, rv.String())
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			st.BindInt64(i, rv.Int())
		case reflect.Uint8, reflect.Uint16, reflect.Uint32:
			st.BindInt64(i, int64(rv.Uint()))
		case reflect.Bool:
			st.BindBool(i, rv.Bool())
		default:
			return fmt.Errorf("sqlite: argument %d: unsupported type %T", i, a)
		}
	}
	return nil
}

// errStop ends a query early without an error.
var errStop = errors.New("stop")

// query runs query with args and calls fn for every row, until fn returns
// an error (errStop ends it without one).
func (c *conn) query(query string, args []any, fn func(*row) error) error {
	st, err := c.prep(query, args)
	if err != nil {
		return err
	}
	defer st.Reset()
	r := &row{st: st}
	for {
		ok, err := st.Step()
		if err != nil || !ok {
			return err
		}
		r.i = 0
		if err := fn(r); err != nil {
			if err == errStop {
				return nil
			}
			return err
		}
	}
}

// one calls fn for the first row of query; errNoRows if there is none.
func (c *conn) one(query string, args []any, fn func(*row)) error {
	found := false
	err := c.query(query, args, func(r *row) error {
		found = true
		fn(r)
		return errStop
	})
	if err == nil && !found {
		err = errNoRows
	}
	return err
}

// errNoRows is a query's answer without a row; kindOf reads it as
// KindNotFound.
var errNoRows = errors.New("sqlite: no rows")

// exec runs a statement and returns how many rows it changed.
func (c *conn) exec(query string, args ...any) (int, error) {
	if err := c.query(query, args, func(*row) error { return nil }); err != nil {
		return 0, err
	}
	return c.Changes(), nil
}

// row reads the columns of the current row one after the other: the scans
// read them in the order of their column lists (Go evaluates the calls in a
// composite literal from left to right).
type row struct {
	st *sqlite.Stmt
	i  int
}

func (r *row) next() int {
	r.i++
	return r.i - 1
}

func (r *row) text() string { return r.st.ColumnText(r.next()) }

// len is the length of the next column, which it does not read.
func (r *row) len() int { return r.st.ColumnLen(r.i) }

// bytes appends a text or blob column to b.
func (r *row) bytes(b []byte) []byte {
	c := r.st.ColumnReader(r.next()) // SQLite's memory, valid until the next row
	n := c.Len()
	b = slices.Grow(b, n)
	c.Read(b[len(b) : len(b)+n])
	return b[:len(b)+n]
}

func (r *row) int64() int64 { return r.st.ColumnInt64(r.next()) }

// blob is a copy of a blob column; nil if it is empty or NULL.
func (r *row) blob() []byte {
	if r.len() == 0 {
		r.next()
		return nil
	}
	return r.bytes(nil)
}

// Times are stored as INTEGER unix microseconds in UTC; NULL marks an
// absent optional time.

func (r *row) time() time.Time { return fromMicros(r.int64()) }

func (r *row) timePtr() *time.Time {
	i := r.next()
	if r.st.ColumnType(i) == sqlite.TypeNull {
		return nil
	}
	t := fromMicros(r.st.ColumnInt64(i))
	return &t
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullMicros stores an optional time; nil becomes NULL.
func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// list reads every row of a query on a read connection.
func list[T any](ctx context.Context, s *Store, scan func(*row) T, query string, args ...any) ([]T, error) {
	var out []T
	err := s.read(ctx, func(c *conn) error {
		return c.query(query, args, func(r *row) error {
			out = append(out, scan(r))
			return nil
		})
	})
	return out, err
}

// update runs a statement that must change a row; KindNotFound when it
// changes none.
func (s *Store) update(ctx context.Context, op, query string, args ...any) error {
	var n int
	err := s.write(ctx, func(c *conn) (err error) {
		n, err = c.exec(query, args...)
		return err
	})
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// changes runs a statement on the read-write connection and returns how
// many rows it changed.
func (s *Store) changes(ctx context.Context, op, query string, args ...any) (int, error) {
	var n int
	err := s.write(ctx, func(c *conn) (err error) {
		n, err = c.exec(query, args...)
		return err
	})
	return n, wrap(op, err)
}

// exists reports whether query finds a row.
func (c *conn) exists(query string, args ...any) (bool, error) {
	err := c.one(query, args, func(*row) {})
	if kindOf(err) == akte.KindNotFound {
		return false, nil
	}
	return err == nil, err
}

// qualify prefixes each column of a column list with a table alias.
func qualify(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// placeholders is n parameters for a VALUES list: "?, ?, ?".
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
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
	case errors.Is(err, errNoRows):
		return akte.KindNotFound
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, errClosed):
		return akte.KindUnavailable
	}
	switch code := sqlite.ErrCode(err); code {
	case sqlite.ResultError: // not an SQLite error, or a generic one
		return akte.KindInternal
	case sqlite.ResultConstraintUnique, sqlite.ResultConstraintPrimaryKey:
		return akte.KindConflict
	case sqlite.ResultConstraintForeignKey:
		// The object the new row belongs to does not exist.
		return akte.KindNotFound
	default:
		switch code.ToPrimary() {
		case sqlite.ResultBusy, sqlite.ResultLocked, sqlite.ResultIOErr, sqlite.ResultCantOpen, sqlite.ResultFull,
			sqlite.ResultNoMem, sqlite.ResultReadOnly, sqlite.ResultInterrupt, sqlite.ResultProtocol:
			return akte.KindUnavailable
		}
	}
	return akte.KindInternal
}

// notFound is the error for a missing object.
func notFound(op string) error {
	return akte.E(op, akte.KindNotFound, "", errNoRows)
}
