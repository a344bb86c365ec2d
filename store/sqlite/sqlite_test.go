package sqlite_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/store/sqlite"
	"github.com/akte/akte/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) akte.Store {
		return open(t, filepath.Join(t.TempDir(), "akte.db"))
	})
}

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestPragmas checks the settings every connection must run with: WAL,
// synchronous=FULL, foreign keys and a busy timeout.
func TestPragmas(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "akte.db"))
	db := s.DB()
	// Several connections at once, so that the checks do not all land on
	// the connection Open happened to use.
	db.SetMaxIdleConns(4)
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	}
	for range 4 {
		conn, err := db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, tt := range tests {
			var got string
			if err := conn.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
			}
		}
	}
}

// TestReopen checks that an existing file keeps its data and that Open does
// not apply migrations twice.
func TestReopen(t *testing.T) {
	// The name has characters that mean something in a URI.
	path := filepath.Join(t.TempDir(), "akte 100%?x=1#y.db")
	versions := func(s *sqlite.Store) (n int, max int64) {
		t.Helper()
		err := s.DB().QueryRowContext(t.Context(),
			`SELECT count(*), max(version_id) FROM goose_db_version`).Scan(&n, &max)
		if err != nil {
			t.Fatalf("goose_db_version: %v", err)
		}
		return n, max
	}

	s := open(t, path)
	a := &akte.Account{ID: "acc-1", Email: "a@example.org", KVNR: "A123456789"}
	if err := s.CreateAccount(t.Context(), a, nil); err != nil {
		t.Fatal(err)
	}
	n1, v1 := versions(s)
	if v1 < 1 {
		t.Fatalf("schema version %d after Open, want at least 1", v1)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}

	s = open(t, path)
	if _, err := s.Account(t.Context(), a.ID); err != nil {
		t.Errorf("Account after reopen: %v", err)
	}
	if n2, v2 := versions(s); n2 != n1 || v2 != v1 {
		t.Errorf("after reopen: %d migration rows, version %d; want %d, %d", n2, v2, n1, v1)
	}
}

// TestBeginImmediate checks that a transaction takes the write lock when
// it begins, so a second one waits at BEGIN instead of failing with
// SQLITE_BUSY when it first writes.
func TestBeginImmediate(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "akte.db"))
	tx1, err := s.DB().BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	began := make(chan error, 1)
	go func() {
		tx2, err := s.DB().BeginTx(t.Context(), nil)
		if err == nil {
			err = tx2.Rollback()
		}
		began <- err
	}()
	select {
	case err := <-began:
		t.Fatalf("second transaction began while the first held the write lock (err %v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := tx1.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-began; err != nil {
		t.Fatalf("second transaction: %v", err)
	}
}

// TestFilesPrivate: the database and its -wal and -shm files are created
// 0600 under an open directory and without a umask, and an older
// installation's wider modes are narrowed on open.
func TestFilesPrivate(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "akte.db")
	check := func(when string) {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: %s has mode %#o, want 0600", when, filepath.Base(p), fi.Mode().Perm())
			}
		}
	}
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(t.Context(), "CREATE TABLE perm_check (a)"); err != nil {
		t.Fatal(err)
	}
	check("new database")
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Chmod(p, 0o644)
	}
	s2 := open(t, path) // while the first is open, as a second process would
	check("reopened")
	s2.Close()
	s.Close()
}
