package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

func openTest(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type (
	named     string
	namedInt  int32
	namedUint uint32
	namedBlob []byte
)

// TestReaderScan checks that the reader stores every kind of value in the
// destinations the store's scans use, as database/sql would, and refuses
// what database/sql refuses.
func TestReaderScan(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "akte.db"))
	var (
		str               string
		n                 named
		i64               int64
		i32               namedInt
		u32               namedUint
		b                 bool
		f                 float64
		blob, empty, null []byte
		nb                namedBlob
		ni, nn            sql.NullInt64
		ns                sql.NullString
		raw               sql.RawBytes
		fromInt           string
	)
	err := s.queryRow(t.Context(), `SELECT ?, ?, ?, ?, ?, ?, ?, ?, x'', NULL, ?, ?, NULL, ?, ?, 42`,
		"text", named("named"), int64(-1)<<40, namedInt(-7), namedUint(4000000000), true, 1.5,
		[]byte{0, 1, 0xff}, namedBlob("nb"), 9, "ns", []byte("raw")).
		Scan(&str, &n, &i64, &i32, &u32, &b, &f, &blob, &empty, &null, &nb, &ni, &nn, &ns, &raw, &fromInt)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{str, n, i64, i32, u32, b, f, blob, empty, null, nb, ni, nn, ns, fromInt}
	want := []any{"text", named("named"), int64(-1) << 40, namedInt(-7), namedUint(4000000000), true, 1.5,
		[]byte{0, 1, 0xff}, []byte(nil), []byte(nil), namedBlob("nb"), sql.NullInt64{Int64: 9, Valid: true}, sql.NullInt64{},
		sql.NullString{String: "ns", Valid: true}, "42"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scanned\n %#v\nwant\n %#v", got, want)
	}
	// raw pointed into SQLite's memory, valid only during the scan: it is
	// not compared.
	for _, tt := range []struct {
		query string
		dest  any
	}{
		{`SELECT NULL`, new(string)},
		{`SELECT 'x'`, new(int64)},
		{`SELECT 300`, new(int8)},
		{`SELECT -1`, new(uint32)},
		{`SELECT 1`, new(struct{})},
	} {
		if err := s.queryRow(t.Context(), tt.query).Scan(tt.dest); err == nil {
			t.Errorf("%s into %T: no error", tt.query, tt.dest)
		}
	}
	if err := s.queryRow(t.Context(), `SELECT 1, 2`).Scan(new(int64)); err == nil {
		t.Error("2 columns into 1 destination: no error")
	}
	if err := s.queryRow(t.Context(), `SELECT ?`, struct{}{}).Scan(new(int64)); err == nil {
		t.Error("struct argument: no error")
	}
	if err := s.queryRow(t.Context(), `SELECT 1 WHERE 0`).Scan(new(int64)); !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("no row: %v, want sql.ErrNoRows", err)
	}
	if err := s.queryRow(t.Context(), `SELEC 1`).Scan(new(int64)); kindOf(err) != akte.KindInternal {
		t.Errorf("syntax error: %v (%v), want KindInternal", err, kindOf(err))
	}
	var isNull bool
	if err := s.queryRow(t.Context(), `SELECT ? IS NULL`, []byte(nil)).Scan(&isNull); err != nil || !isNull {
		t.Errorf("nil []byte argument is NULL = %v (%v), want true", isNull, err)
	}
	if err := s.queryRow(t.Context(), `SELECT ? IS NULL`, []byte{}).Scan(&isNull); err != nil || isNull {
		t.Errorf("empty []byte argument is NULL = %v (%v), want false", isNull, err)
	}
}

// TestReaderPath opens a database whose path has URI syntax in it.
func TestReaderPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a?b#c d%20")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s := openTest(t, filepath.Join(dir, "akte.db"))
	var n int64
	if err := s.queryRow(t.Context(), `SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
}

// TestReaderPool runs more reads at once than the pool has connections,
// while a writer commits: every read sees a committed state, the pool
// stays in bounds, and a read that cannot get a connection before its
// context ends fails as unavailable.
func TestReaderPool(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "akte.db"))
	if _, err := s.db.Exec(`CREATE TABLE t (n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.db.Exec(`INSERT INTO t (n) VALUES (?)`, i); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var readers sync.WaitGroup
	for range 4 * maxReaders {
		readers.Go(func() {
			last := int64(-1)
			for range 50 {
				var n, sum int64
				if err := s.queryRow(t.Context(), `SELECT count(*), coalesce(sum(n), 0) FROM t`).Scan(&n, &sum); err != nil {
					t.Error(err)
					return
				}
				// Rows 1..n, committed in order: a read sees a prefix.
				if sum != n*(n+1)/2 || n < last {
					t.Errorf("read count %d sum %d after count %d", n, sum, last)
					return
				}
				last = n
			}
		})
	}
	readers.Wait()
	close(stop)
	wg.Wait()
	s.rd.mu.Lock()
	open := s.rd.open
	s.rd.mu.Unlock()
	if open > maxReaders || open < 1 {
		t.Errorf("%d reader connections open, want 1 to %d", open, maxReaders)
	}

	// All connections taken: a read waits for one until its context ends.
	var held []*rconn
	for range maxReaders {
		c, err := s.rd.get(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := s.queryRow(ctx, `SELECT 1`).Scan(new(int64))
	if kindOf(err) != akte.KindUnavailable {
		t.Errorf("read with every connection taken: %v (%v), want KindUnavailable", err, kindOf(err))
	}
	// A connection put back goes to a waiting read.
	done := make(chan error)
	go func() { done <- s.queryRow(t.Context(), `SELECT 1`).Scan(new(int64)) }()
	time.Sleep(20 * time.Millisecond)
	s.rd.put(held[0])
	if err := <-done; err != nil {
		t.Errorf("read after a connection came back: %v", err)
	}
	for _, c := range held[1:] {
		s.rd.put(c)
	}
}

// TestReaderClosed checks that reads after Close fail as unavailable and
// that a connection in use while the store closes is closed when put back.
func TestReaderClosed(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "akte.db"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.rd.get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.rd.put(c)
	if c.db != 0 {
		t.Error("connection not closed")
	}
	_, err = s.Account(t.Context(), "a1")
	if akte.KindOf(err) != akte.KindUnavailable {
		t.Errorf("Account after Close: %v, want KindUnavailable", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
