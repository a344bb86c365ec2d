package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

// TakeAttempts decides on one attempt under each key in one transaction
// that holds the keys' row locks from the read to the write: missing rows
// are created first (a concurrent creator is waited for), then all are
// read FOR UPDATE, so concurrent calls naming a key, from any replica,
// queue there and each reads what its predecessor committed. Rows are
// created and locked in the order of their keys, so that two calls with
// overlapping keys cannot deadlock.
func (s *Store) TakeAttempts(ctx context.Context, keys []string, take func([]akte.Attempts) ([]akte.Attempts, bool)) ([]akte.Attempts, bool, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var (
		out []akte.Attempts
		ok  bool
	)
	sorted := slices.Sorted(slices.Values(keys))
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO attempts (key, n)
			SELECT k, 0 FROM unnest($1::text[]) AS k ORDER BY k ON CONFLICT (key) DO NOTHING`, sorted); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT key, n, start_at, next_at FROM attempts WHERE key = ANY($1) ORDER BY key FOR UPDATE`, sorted)
		if err != nil {
			return err
		}
		found := map[string]akte.Attempts{}
		for rows.Next() {
			var (
				key         string
				a           akte.Attempts
				start, next *time.Time
			)
			if err := rows.Scan(&key, &a.N, &start, &next); err != nil {
				rows.Close()
				return err
			}
			a.Start, a.Next = timeOf(start), timeOf(next)
			found[key] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		cur := make([]akte.Attempts, len(keys))
		for i, k := range keys {
			cur[i] = found[k]
		}
		out, ok = take(cur)
		if !ok {
			return nil
		}
		for i, k := range keys {
			if _, err := tx.Exec(ctx, `UPDATE attempts SET n = $2, start_at = $3, next_at = $4 WHERE key = $1`,
				k, out[i].N, zeroNull(out[i].Start), zeroNull(out[i].Next)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, wrap("postgres.TakeAttempts", err)
	}
	return out, ok, nil
}

// ReleaseAttempts gives one attempt of each key back.
func (s *Store) ReleaseAttempts(ctx context.Context, keys ...string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `UPDATE attempts SET n = GREATEST(n - 1, 0) WHERE key = ANY($1)`, keys)
	return wrap("postgres.ReleaseAttempts", err)
}

// ClearAttempts forgets the counters of the keys.
func (s *Store) ClearAttempts(ctx context.Context, keys ...string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `DELETE FROM attempts WHERE key = ANY($1)`, keys)
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
