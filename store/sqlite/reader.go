package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// The store's hot reads — the session lookup of every authenticated
// request, an item by id, a page of a listing — run on a pool of
// read-only connections that call SQLite directly (modernc.org/sqlite/lib)
// instead of going through database/sql and the driver. A page of 101 rows
// took 147 µs on it against 317 µs the other way, 32 at once on two CPUs
// at 1 million items (docs/benchmarks.md, decision 0009): the driver opens every connection with SQLITE_OPEN_FULLMUTEX, so each of the
// page's 2,400 column reads takes and releases a mutex, and it allocates
// every column value, which database/sql then converts by reflection. A
// reader connection is used by one goroutine at a time (the pool hands it
// out), so it is opened SQLITE_OPEN_NOMUTEX, and a scanned value is copied
// once, straight from SQLite's memory into its destination. Reader
// connections map the database file (mmap_size), which saves a read
// system call and a copy per page of the file; writes still go through
// database/sql on the read-write pool, and WAL gives every read the last
// committed state.

// maxReaders bounds the reader connections: one per CPU the Go scheduler
// runs on, and one more. Reads of a page are CPU work in SQLite (the file
// is mapped), so more connections add no throughput, only requests that
// interleave on the CPUs and all finish late; with a few connections a
// query runs through, and the others wait their turn in order (a channel
// serves its waiters first come, first served). Measured at 32 concurrent
// listing clients on 2 CPUs: p99 of a page 25 ms with 32 connections,
// 18–21 ms with 2 or 3 (docs/benchmarks.md).
var maxReaders = runtime.GOMAXPROCS(0) + 1

// readerMmapSize is how much of the database file a reader maps; SQLite
// caps it at its compile-time maximum (2 GiB less 64 KiB on 64-bit Linux)
// and reads the rest of a larger file with read calls.
const readerMmapSize = 1 << 31

var errReaderClosed = errors.New("sqlite: database is closed")

// reader is the pool of read-only connections.
type reader struct {
	name string      // file: URI with mode=ro
	idle chan *rconn // capacity maxReaders, so a put never blocks
	mu   sync.Mutex  // guards open and shut, and sends on idle
	open int
	shut bool
}

func newReader(name string) *reader {
	return &reader{name: name, idle: make(chan *rconn, maxReaders)}
}

// get returns an idle connection, opens one while fewer than maxReaders
// are open, or waits for one to be put back.
func (r *reader) get(ctx context.Context) (*rconn, error) {
	select {
	case c, ok := <-r.idle:
		if !ok {
			return nil, errReaderClosed
		}
		return c, nil
	default:
	}
	r.mu.Lock()
	if r.shut {
		r.mu.Unlock()
		return nil, errReaderClosed
	}
	if r.open < maxReaders {
		r.open++
		r.mu.Unlock()
		c, err := openReader(r.name)
		if err != nil {
			r.mu.Lock()
			r.open--
			r.mu.Unlock()
		}
		return c, err
	}
	r.mu.Unlock()
	select {
	case c, ok := <-r.idle:
		if !ok {
			return nil, errReaderClosed
		}
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// put returns c to the pool, or closes it after the pool was closed.
func (r *reader) put(c *rconn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shut {
		c.closeConn()
		return
	}
	r.idle <- c
}

// close closes the idle connections and makes get fail; connections in
// use close when they are put back.
func (r *reader) close() {
	r.mu.Lock()
	if r.shut {
		r.mu.Unlock()
		return
	}
	r.shut = true
	close(r.idle)
	r.mu.Unlock()
	for c := range r.idle {
		c.closeConn()
	}
}

// rconn is one read-only connection with its prepared statements.
type rconn struct {
	tls   *libc.TLS
	db    uintptr
	stmts map[string]uintptr
	buf   uintptr // C memory the bound text and blob arguments are copied to
	cap   int
}

func openReader(name string) (*rconn, error) {
	tls := libc.NewTLS()
	c := &rconn{tls: tls, stmts: map[string]uintptr{}, cap: 256}
	c.buf = libc.Xmalloc(tls, uint64(c.cap))
	pp := libc.Xmalloc(tls, 8)
	zName, err := libc.CString(name)
	if c.buf == 0 || pp == 0 || err != nil {
		libc.Xfree(tls, pp)
		c.closeConn()
		return nil, errors.New("sqlite: out of memory")
	}
	defer libc.Xfree(tls, pp)
	defer libc.Xfree(tls, zName)
	rc := sqlite3.Xsqlite3_open_v2(tls, zName, pp,
		sqlite3.SQLITE_OPEN_READONLY|sqlite3.SQLITE_OPEN_NOMUTEX|sqlite3.SQLITE_OPEN_URI, 0)
	c.db = loadPtr(pp)
	if rc != sqlite3.SQLITE_OK {
		err := c.err(rc)
		c.closeConn()
		return nil, err
	}
	sqlite3.Xsqlite3_busy_timeout(tls, c.db, int32(busyTimeout.Milliseconds()))
	if err := c.exec(fmt.Sprintf("PRAGMA mmap_size=%d", readerMmapSize)); err != nil {
		c.closeConn()
		return nil, err
	}
	return c, nil
}

func (c *rconn) exec(q string) error {
	z, err := libc.CString(q)
	if err != nil {
		return err
	}
	defer libc.Xfree(c.tls, z)
	if rc := sqlite3.Xsqlite3_exec(c.tls, c.db, z, 0, 0, 0); rc != sqlite3.SQLITE_OK {
		return c.err(rc)
	}
	return nil
}

func (c *rconn) closeConn() {
	for _, st := range c.stmts {
		sqlite3.Xsqlite3_finalize(c.tls, st)
	}
	if c.db != 0 {
		sqlite3.Xsqlite3_close_v2(c.tls, c.db)
	}
	libc.Xfree(c.tls, c.buf)
	c.tls.Close()
	c.db, c.stmts, c.buf = 0, nil, 0
}

// libError is an SQLite result code with its message; kindOf reads its
// Code as that of the driver's errors.
type libError struct {
	code int
	msg  string
}

func (e *libError) Error() string { return e.msg }
func (e *libError) Code() int     { return e.code }

func (c *rconn) err(rc int32) error {
	msg := libc.GoString(sqlite3.Xsqlite3_errstr(c.tls, rc))
	if c.db != 0 {
		if m := libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db)); m != msg {
			msg += ": " + m
		}
	}
	return &libError{code: int(rc), msg: fmt.Sprintf("sqlite: %s (%d)", msg, rc)}
}

// stmt returns the connection's prepared statement for query.
func (c *rconn) stmt(query string) (uintptr, error) {
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	z, err := libc.CString(query)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(c.tls, z)
	pp := libc.Xmalloc(c.tls, 8)
	if pp == 0 {
		return 0, errors.New("sqlite: out of memory")
	}
	defer libc.Xfree(c.tls, pp)
	if rc := sqlite3.Xsqlite3_prepare_v3(c.tls, c.db, z, -1, sqlite3.SQLITE_PREPARE_PERSISTENT, pp, 0); rc != sqlite3.SQLITE_OK {
		return 0, c.err(rc)
	}
	st := loadPtr(pp)
	c.stmts[query] = st
	return st, nil
}

// bind binds args to st's parameters: texts and blobs are copied into the
// connection's buffer, which stays unchanged until the statement is reset.
// It replaces each argument with its argValue.
func (c *rconn) bind(st uintptr, args []any) error {
	n := 0
	for i, a := range args {
		v, err := argValue(a)
		if err != nil {
			return fmt.Errorf("sqlite: argument %d: %w", i+1, err)
		}
		args[i] = v
		switch v := v.(type) {
		case string:
			n += len(v)
		case []byte:
			n += len(v)
		}
	}
	if n > c.cap {
		p := libc.Xrealloc(c.tls, c.buf, uint64(n))
		if p == 0 {
			return errors.New("sqlite: out of memory")
		}
		c.buf, c.cap = p, n
	}
	mem := cmem(c.buf, c.cap)
	off := 0
	for i, a := range args {
		idx := int32(i + 1)
		var rc int32
		switch v := a.(type) {
		case nil:
			rc = sqlite3.Xsqlite3_bind_null(c.tls, st, idx)
		case int64:
			rc = sqlite3.Xsqlite3_bind_int64(c.tls, st, idx, v)
		case float64:
			rc = sqlite3.Xsqlite3_bind_double(c.tls, st, idx, v)
		case string:
			copy(mem[off:], v)
			rc = sqlite3.Xsqlite3_bind_text(c.tls, st, idx, c.buf+uintptr(off), int32(len(v)), 0)
			off += len(v)
		case []byte:
			if v == nil { // as the driver binds it
				rc = sqlite3.Xsqlite3_bind_null(c.tls, st, idx)
				break
			}
			// A non-NULL pointer even for an empty blob: SQLite binds a
			// NULL pointer as NULL.
			copy(mem[off:], v)
			rc = sqlite3.Xsqlite3_bind_blob(c.tls, st, idx, c.buf+uintptr(off), int32(len(v)), 0)
			off += len(v)
		}
		if rc != sqlite3.SQLITE_OK {
			return c.err(rc)
		}
	}
	return nil
}

// argValue reduces an argument to int64, float64, string, []byte or nil,
// as database/sql's default converter does for the driver.
func argValue(a any) (any, error) {
	switch v := a.(type) {
	case nil, int64, float64, string, []byte:
		return v, nil
	case int:
		return int64(v), nil
	case bool:
		if v {
			return int64(1), nil
		}
		return int64(0), nil
	}
	rv := reflect.ValueOf(a)
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return int64(rv.Uint()), nil
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return rv.Bytes(), nil
		}
	}
	return nil, fmt.Errorf("unsupported type %T", a)
}

// query runs query with args and calls each for every row, with a scanner
// valid until each returns. It stops early when each returns errStop.
func (r *reader) query(ctx context.Context, query string, args []any, each func(*rowScanner) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := r.get(ctx)
	if err != nil {
		return err
	}
	defer r.put(c)
	st, err := c.stmt(query)
	if err != nil {
		return err
	}
	// Reset, not clear_bindings: every run binds all parameters anew, and
	// clearing them expires the statement (it is prepared again) whenever
	// a parameter may influence the query plan.
	defer sqlite3.Xsqlite3_reset(c.tls, st)
	if err := c.bind(st, args); err != nil {
		return err
	}
	row := &rowScanner{c: c, st: st}
	for {
		switch rc := sqlite3.Xsqlite3_step(c.tls, st); rc {
		case sqlite3.SQLITE_ROW:
			if err := each(row); err != nil {
				if err == errStop {
					return nil
				}
				return err
			}
		case sqlite3.SQLITE_DONE:
			return nil
		default:
			return c.err(rc)
		}
	}
}

var errStop = errors.New("stop")

// readRow is the first row of a query, as *sql.Row: Scan answers
// sql.ErrNoRows when there is none.
type readRow struct {
	r     *reader
	ctx   context.Context
	query string
	args  []any
}

func (q readRow) Scan(dest ...any) error {
	found := false
	err := q.r.query(q.ctx, q.query, q.args, func(s *rowScanner) error {
		found = true
		if err := s.Scan(dest...); err != nil {
			return err
		}
		return errStop
	})
	if err == nil && !found {
		err = sql.ErrNoRows
	}
	return err
}

// rowScanner scans the current row of a stepped statement.
type rowScanner struct {
	c  *rconn
	st uintptr
}

func (s *rowScanner) columns() int {
	return int(sqlite3.Xsqlite3_column_count(s.c.tls, s.st))
}

// raw is a text or blob column in SQLite's memory, valid until the next
// row; nil if it is NULL or empty (the driver reads an empty blob as nil).
func (s *rowScanner) raw(col int) []byte {
	p := sqlite3.Xsqlite3_column_blob(s.c.tls, s.st, int32(col))
	n := int(sqlite3.Xsqlite3_column_bytes(s.c.tls, s.st, int32(col)))
	if p == 0 || n == 0 {
		return nil
	}
	return cmem(p, n)
}

// lend is a text column as a string in SQLite's memory, valid until the
// next row: it must not be kept.
func (s *rowScanner) lend(col int) string {
	b := s.raw(col)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func (s *rowScanner) int64(col int) int64 {
	return sqlite3.Xsqlite3_column_int64(s.c.tls, s.st, int32(col))
}

// Scan copies the row's columns into dest as database/sql would (with the
// driver's conventions: an empty blob reads as nil); *sql.RawBytes points
// into SQLite's memory and is valid only until the next row.
func (s *rowScanner) Scan(dest ...any) error {
	tls, st := s.c.tls, s.st
	if n := int(sqlite3.Xsqlite3_column_count(tls, st)); n != len(dest) {
		return fmt.Errorf("sqlite: %d columns, %d destinations", n, len(dest))
	}
	for i, d := range dest {
		col := int32(i)
		typ := sqlite3.Xsqlite3_column_type(tls, st, col)
		var raw []byte
		if typ == sqlite3.SQLITE_TEXT || typ == sqlite3.SQLITE_BLOB {
			raw = s.raw(i)
		}
		switch d := d.(type) {
		case *string:
			if typ == sqlite3.SQLITE_TEXT || typ == sqlite3.SQLITE_BLOB {
				*d = string(raw)
				continue
			}
		case *int64:
			if typ == sqlite3.SQLITE_INTEGER {
				*d = sqlite3.Xsqlite3_column_int64(tls, st, col)
				continue
			}
		case *[]byte:
			switch typ {
			case sqlite3.SQLITE_NULL:
				*d = nil
				continue
			case sqlite3.SQLITE_TEXT, sqlite3.SQLITE_BLOB:
				*d = bytesClone(raw)
				continue
			}
		case *sql.RawBytes:
			switch typ {
			case sqlite3.SQLITE_NULL:
				*d = nil
				continue
			case sqlite3.SQLITE_TEXT, sqlite3.SQLITE_BLOB:
				*d = raw
				continue
			}
		}
		if err := scanValue(d, columnValue(tls, st, col, typ, raw)); err != nil {
			return fmt.Errorf("sqlite: column %d: %w", i, err)
		}
	}
	return nil
}

func bytesClone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// columnValue is the column as the driver would hand it to database/sql.
func columnValue(tls *libc.TLS, st uintptr, col, typ int32, raw []byte) any {
	switch typ {
	case sqlite3.SQLITE_INTEGER:
		return sqlite3.Xsqlite3_column_int64(tls, st, col)
	case sqlite3.SQLITE_FLOAT:
		return sqlite3.Xsqlite3_column_double(tls, st, col)
	case sqlite3.SQLITE_TEXT:
		return string(raw)
	case sqlite3.SQLITE_BLOB:
		return bytesClone(raw)
	}
	return nil
}

// scanValue stores v (int64, float64, string, []byte or nil) in dest: an
// sql.Scanner, or a pointer to a string, integer, bool or byte-slice kind.
func scanValue(dest, v any) error {
	if sc, ok := dest.(sql.Scanner); ok {
		return sc.Scan(v)
	}
	rv := reflect.ValueOf(dest)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("destination %T is not a pointer", dest)
	}
	e := rv.Elem()
	switch e.Kind() {
	case reflect.String:
		switch v := v.(type) {
		case string:
			e.SetString(v)
			return nil
		case []byte:
			e.SetString(string(v))
			return nil
		case int64:
			e.SetString(strconv.FormatInt(v, 10))
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v, ok := v.(int64); ok && !e.OverflowInt(v) {
			e.SetInt(v)
			return nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v, ok := v.(int64); ok && v >= 0 && !e.OverflowUint(uint64(v)) {
			e.SetUint(uint64(v))
			return nil
		}
	case reflect.Bool:
		if v, ok := v.(int64); ok {
			e.SetBool(v != 0)
			return nil
		}
	case reflect.Float32, reflect.Float64:
		if v, ok := v.(float64); ok {
			e.SetFloat(v)
			return nil
		}
	case reflect.Slice:
		if e.Type().Elem().Kind() == reflect.Uint8 {
			switch v := v.(type) {
			case nil:
				e.SetZero()
				return nil
			case []byte:
				e.SetBytes(v)
				return nil
			case string:
				e.SetBytes([]byte(v))
				return nil
			}
		}
	}
	return fmt.Errorf("cannot store %T in %T", v, dest)
}

// cmem is the n bytes of C memory at p (SQLite's, or libc.Xmalloc'd).
func cmem(p uintptr, n int) []byte { return unsafe.Slice((*byte)(unsafe.Add(nil, p)), n) }

// loadPtr reads the pointer stored at p (an out parameter).
func loadPtr(p uintptr) uintptr { return *(*uintptr)(unsafe.Add(nil, p)) }
