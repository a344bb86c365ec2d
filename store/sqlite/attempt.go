package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/akte/akte"
)

// TakeAttempt decides on one attempt under key in one write transaction
// (BEGIN IMMEDIATE): SQLite runs one writer at a time, so the read, take's
// decision and the write cannot interleave with another call's.
func (s *Store) TakeAttempt(ctx context.Context, key string, take func(akte.Attempts) (akte.Attempts, bool)) (akte.Attempts, bool, error) {
	var (
		out akte.Attempts
		ok  bool
	)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var (
			cur         akte.Attempts
			start, next sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `SELECT n, start_at, next_at FROM attempts WHERE key = ?`, key).Scan(&cur.N, &start, &next)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			cur.Start, cur.Next = timeOf(start), timeOf(next)
		}
		out, ok = take(cur)
		if !ok {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO attempts (key, n, start_at, next_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET n = excluded.n, start_at = excluded.start_at, next_at = excluded.next_at`,
			key, out.N, zeroNull(out.Start), zeroNull(out.Next))
		return err
	})
	if err != nil {
		return akte.Attempts{}, false, wrap("sqlite.TakeAttempt", err)
	}
	return out, ok, nil
}

// ReleaseAttempt gives one attempt of key back.
func (s *Store) ReleaseAttempt(ctx context.Context, key string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE attempts SET n = max(n - 1, 0) WHERE key = ?`, key)
	return wrap("sqlite.ReleaseAttempt", err)
}

// ClearAttempts forgets the counter of key.
func (s *Store) ClearAttempts(ctx context.Context, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM attempts WHERE key = ?`, key)
	return wrap("sqlite.ClearAttempts", err)
}

// DeleteAttemptsBefore removes counters whose Start and Next are before t.
func (s *Store) DeleteAttemptsBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := affected(s.db.ExecContext(ctx, `DELETE FROM attempts
		WHERE (start_at IS NULL OR start_at < ?1) AND (next_at IS NULL OR next_at < ?1)`, micros(t)))
	return n, wrap("sqlite.DeleteAttemptsBefore", err)
}

// zeroNull stores a time that may be zero; the zero time becomes NULL.
func zeroNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micros(t)
}

// timeOf reads a time that may be NULL; NULL becomes the zero time.
func timeOf(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}
