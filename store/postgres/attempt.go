package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

// TakeAttempt decides on one attempt under key in one transaction that
// holds the key's row lock from the read to the write: the row is created
// first if missing (a concurrent creator is waited for), then read FOR
// UPDATE, so concurrent calls for one key, from any replica, queue there
// and each reads what its predecessor committed.
func (s *Store) TakeAttempt(ctx context.Context, key string, take func(akte.Attempts) (akte.Attempts, bool)) (akte.Attempts, bool, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var (
		out akte.Attempts
		ok  bool
	)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO attempts (key, n) VALUES ($1, 0) ON CONFLICT (key) DO NOTHING`, key); err != nil {
			return err
		}
		var (
			cur         akte.Attempts
			start, next *time.Time
		)
		if err := tx.QueryRow(ctx, `SELECT n, start_at, next_at FROM attempts WHERE key = $1 FOR UPDATE`, key).
			Scan(&cur.N, &start, &next); err != nil {
			return err
		}
		cur.Start, cur.Next = timeOf(start), timeOf(next)
		out, ok = take(cur)
		if !ok {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE attempts SET n = $2, start_at = $3, next_at = $4 WHERE key = $1`,
			key, out.N, zeroNull(out.Start), zeroNull(out.Next))
		return err
	})
	if err != nil {
		return akte.Attempts{}, false, wrap("postgres.TakeAttempt", err)
	}
	return out, ok, nil
}

// ReleaseAttempt gives one attempt of key back.
func (s *Store) ReleaseAttempt(ctx context.Context, key string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `UPDATE attempts SET n = GREATEST(n - 1, 0) WHERE key = $1`, key)
	return wrap("postgres.ReleaseAttempt", err)
}

// ClearAttempts forgets the counter of key.
func (s *Store) ClearAttempts(ctx context.Context, key string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `DELETE FROM attempts WHERE key = $1`, key)
	return wrap("postgres.ClearAttempts", err)
}

// DeleteAttemptsBefore removes counters whose Start and Next are before t.
func (s *Store) DeleteAttemptsBefore(ctx context.Context, t time.Time) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `DELETE FROM attempts
		WHERE (start_at IS NULL OR start_at < $1) AND (next_at IS NULL OR next_at < $1)`, ts(t)))
	return n, wrap("postgres.DeleteAttemptsBefore", err)
}

// zeroNull stores a time that may be zero; the zero time becomes NULL.
func zeroNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := ts(t)
	return &v
}

// timeOf reads a time that may be NULL; NULL becomes the zero time.
func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
