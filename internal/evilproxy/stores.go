package evilproxy

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"zombiezen.com/go/sqlite"
	"zombiezen.com/go/sqlite/sqlitex"

	"github.com/akte/akte"
	"github.com/akte/akte/blob/disk"
	"github.com/akte/akte/blob/s3"
)

// Stores are a server's database and blob store, opened directly: what an
// operator (or a thief of a backup) can change behind the clients' backs.
type Stores struct {
	pg    *sql.DB      // PostgreSQL
	lite  *sqlite.Conn // or SQLite
	Blobs akte.BlobStore
}

// OpenStores opens the stores of a server started with --data data and
// the --db and --blobs URLs dbURL and blobsURL (empty: the defaults under
// data, as akte serve has them). S3 credentials come from
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
func OpenStores(ctx context.Context, data, dbURL, blobsURL string) (*Stores, error) {
	s := &Stores{}
	var err error
	switch {
	case dbURL == "" || strings.HasPrefix(dbURL, "sqlite://"):
		path := strings.TrimPrefix(dbURL, "sqlite://")
		if dbURL == "" {
			path = filepath.Join(data, "akte.db")
		}
		if s.lite, err = sqlite.OpenConn(path, sqlite.OpenReadWrite); err == nil {
			// The server holds the database open: wait for its locks.
			s.lite.SetBusyTimeout(10 * time.Second)
		}
	default:
		s.pg, err = sql.Open("pgx", dbURL)
	}
	if err != nil {
		return nil, fmt.Errorf("evilproxy: open database: %w", err)
	}
	switch {
	case blobsURL == "" || strings.HasPrefix(blobsURL, "file://"):
		dir := strings.TrimPrefix(blobsURL, "file://")
		if blobsURL == "" {
			dir = filepath.Join(data, "blobs")
		}
		s.Blobs, err = disk.Open(dir)
	default:
		if _, perr := url.Parse(blobsURL); perr != nil {
			err = perr
			break
		}
		s.Blobs, err = s3.Open(ctx, blobsURL, os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"))
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("evilproxy: open blob store: %w", err)
	}
	return s, nil
}

// Close closes the database.
func (s *Stores) Close() error {
	if s.lite != nil {
		return s.lite.Close()
	}
	return s.pg.Close()
}

// pgQuery rewrites ? placeholders to PostgreSQL's $1, $2, ...
func pgQuery(q string) string {
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Exec runs a statement (? placeholders, for either database) and returns
// the number of rows it changed.
func (s *Stores) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	if s.lite != nil {
		defer s.lite.SetInterrupt(s.lite.SetInterrupt(ctx.Done()))
		if err := sqlitex.ExecuteTransient(s.lite, q, &sqlitex.ExecOptions{Args: args}); err != nil {
			return 0, fmt.Errorf("evilproxy: %s: %w", q, err)
		}
		return int64(s.lite.Changes()), nil
	}
	res, err := s.pg.ExecContext(ctx, pgQuery(q), args...)
	if err != nil {
		return 0, fmt.Errorf("evilproxy: %s: %w", q, err)
	}
	return res.RowsAffected()
}

// Row is the first row of a query; Scan returns sql.ErrNoRows if there is
// none.
type Row interface{ Scan(dest ...any) error }

// QueryRow runs a query (? placeholders) that returns at most one row.
func (s *Stores) QueryRow(ctx context.Context, q string, args ...any) Row {
	if s.pg != nil {
		return s.pg.QueryRowContext(ctx, pgQuery(q), args...)
	}
	defer s.lite.SetInterrupt(s.lite.SetInterrupt(ctx.Done()))
	var r liteRow
	err := sqlitex.ExecuteTransient(s.lite, q, &sqlitex.ExecOptions{Args: args, ResultFunc: func(st *sqlite.Stmt) error {
		if r.vals != nil {
			return nil
		}
		r.vals = []any{}
		for i := range st.ColumnCount() {
			switch st.ColumnType(i) {
			case sqlite.TypeInteger:
				r.vals = append(r.vals, st.ColumnInt64(i))
			case sqlite.TypeFloat:
				r.vals = append(r.vals, st.ColumnFloat(i))
			case sqlite.TypeText:
				r.vals = append(r.vals, st.ColumnText(i))
			case sqlite.TypeBlob:
				b := make([]byte, st.ColumnLen(i))
				st.ColumnBytes(i, b)
				r.vals = append(r.vals, b)
			default:
				r.vals = append(r.vals, nil)
			}
		}
		return nil
	}})
	switch {
	case err != nil:
		r.err = fmt.Errorf("evilproxy: %s: %w", q, err)
	case r.vals == nil:
		r.err = sql.ErrNoRows
	}
	return r
}

// liteRow is the first row of an SQLite query: int64, float64, string,
// []byte or nil values, stored into Scan's destinations by their kind.
type liteRow struct {
	vals []any
	err  error
}

func (r liteRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	if len(dest) != len(r.vals) {
		return fmt.Errorf("evilproxy: %d columns, %d destinations", len(r.vals), len(dest))
	}
	for i, d := range dest {
		e := reflect.ValueOf(d)
		if e.Kind() != reflect.Pointer || e.IsNil() {
			return fmt.Errorf("evilproxy: destination %d is not a pointer", i)
		}
		e = e.Elem()
		v := reflect.ValueOf(r.vals[i])
		switch n, isInt := r.vals[i].(int64); {
		case isInt && e.CanInt() && !e.OverflowInt(n):
			e.SetInt(n)
		case isInt && e.CanUint() && n >= 0 && !e.OverflowUint(uint64(n)):
			e.SetUint(uint64(n))
		case r.vals[i] == nil:
			e.SetZero()
		case v.Type().ConvertibleTo(e.Type()):
			e.Set(v.Convert(e.Type()))
		default:
			return fmt.Errorf("evilproxy: cannot store %T in %s", r.vals[i], e.Type())
		}
	}
	return nil
}

// Blob reads a whole blob.
func (s *Stores) Blob(ctx context.Context, key string) ([]byte, error) {
	r, err := s.Blobs.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// PutBlob replaces a blob.
func (s *Stores) PutBlob(ctx context.Context, key string, b []byte) error {
	_, err := s.Blobs.Put(ctx, key, bytes.NewReader(b))
	return err
}
