package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/testsrv"
)

// TestTxRetriesDeadlock makes two transactions lock two rows in opposite
// order. PostgreSQL aborts one of them with a deadlock; tx must run it again
// so that both succeed.
func TestTxRetriesDeadlock(t *testing.T) {
	// deadlock_timeout is how long a lock wait lasts before the server
	// looks for a cycle (default 1s).
	s, err := Open(t.Context(), testsrv.Postgres(t)+"&deadlock_timeout=50ms")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.pool.Exec(t.Context(), `INSERT INTO secrets (name, value) VALUES ('a', ''), ('b', '')`); err != nil {
		t.Fatal(err)
	}
	var (
		attempts atomic.Int32
		locked   sync.WaitGroup // both hold their first lock
	)
	locked.Add(2)
	run := func(first, second string) error {
		try := 0
		return s.tx(t.Context(), func(tx pgx.Tx) error {
			try++
			attempts.Add(1)
			if _, err := tx.Exec(t.Context(), `UPDATE secrets SET value = value || 'x' WHERE name = $1`, first); err != nil {
				return err
			}
			if try == 1 {
				locked.Done()
				locked.Wait()
			}
			_, err := tx.Exec(t.Context(), `UPDATE secrets SET value = value || 'x' WHERE name = $1`, second)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run("a", "b") }()
	go func() { errs <- run("b", "a") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("transaction: %v", err)
		}
	}
	// At least one deadlock victim ran again; on a loaded machine the
	// retried victim can be chosen once more, so more attempts are fine as
	// long as each transaction committed exactly once (checked below).
	if n := attempts.Load(); n < 3 {
		t.Errorf("%d attempts, want at least 3 (a deadlock victim run again)", n)
	}
	var a, b []byte
	if err := s.pool.QueryRow(t.Context(), `SELECT (SELECT value FROM secrets WHERE name = 'a'),
		(SELECT value FROM secrets WHERE name = 'b')`).Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if string(a) != "xx" || string(b) != "xx" {
		t.Errorf("values %q, %q after both transactions, want xx, xx", a, b)
	}
}

// TestTxGivesUp checks that a transaction that keeps failing with a
// serialization failure runs maxAttempts times and then reports
// KindUnavailable, and that other errors are not retried.
func TestTxGivesUp(t *testing.T) {
	s, err := Open(t.Context(), testsrv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	err = s.tx(t.Context(), func(pgx.Tx) error {
		n++
		return &pgconn.PgError{Code: codeSerializationFailure}
	})
	if n != maxAttempts || !akte.Is(wrap("test", err), akte.KindUnavailable) {
		t.Errorf("%d attempts, error %v; want %d, KindUnavailable", n, err, maxAttempts)
	}
	n = 0
	err = s.tx(t.Context(), func(pgx.Tx) error {
		n++
		return &pgconn.PgError{Code: codeUniqueViolation}
	})
	if n != 1 || !akte.Is(wrap("test", err), akte.KindConflict) {
		t.Errorf("%d attempts, error %v; want 1, KindConflict", n, err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	n = 0
	err = s.tx(ctx, func(pgx.Tx) error {
		n++
		cancel()
		return &pgconn.PgError{Code: codeDeadlockDetected}
	})
	if n != 1 || !akte.Is(wrap("test", err), akte.KindUnavailable) {
		t.Errorf("cancelled: %d attempts, error %v; want 1, KindUnavailable", n, err)
	}
}
