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
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"

	"github.com/akte/akte"
	"github.com/akte/akte/blob/disk"
	"github.com/akte/akte/blob/s3"
)

// Stores are a server's database and blob store, opened directly: what an
// operator (or a thief of a backup) can change behind the clients' backs.
type Stores struct {
	DB       *sql.DB
	Blobs    akte.BlobStore
	postgres bool
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
		// The server holds the database open: wait for its locks.
		s.DB, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	default:
		s.DB, err = sql.Open("pgx", dbURL)
		s.postgres = true
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
		s.DB.Close()
		return nil, fmt.Errorf("evilproxy: open blob store: %w", err)
	}
	return s, nil
}

// Close closes the database.
func (s *Stores) Close() error { return s.DB.Close() }

// query rewrites ? placeholders to PostgreSQL's $1, $2, ...
func (s *Stores) query(q string) string {
	if !s.postgres {
		return q
	}
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
	res, err := s.DB.ExecContext(ctx, s.query(q), args...)
	if err != nil {
		return 0, fmt.Errorf("evilproxy: %s: %w", q, err)
	}
	return res.RowsAffected()
}

// QueryRow runs a query (? placeholders) that returns at most one row.
func (s *Stores) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.DB.QueryRowContext(ctx, s.query(q), args...)
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
