package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/akte/akte"
)

// TakeAttempts decides on one attempt under each key in one write
// transaction (BEGIN IMMEDIATE): SQLite runs one writer at a time, so the
// reads, take's decision and the writes cannot interleave with another
// call's.
func (s *Store) TakeAttempts(ctx context.Context, keys []string, take func([]akte.Attempts) ([]akte.Attempts, bool)) ([]akte.Attempts, bool, error) {
	var (
		out []akte.Attempts
		ok  bool
	)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT key, n, start_at, next_at FROM attempts WHERE key IN (SELECT value FROM json_each(?))`, keyList(keys))
		if err != nil {
			return err
		}
		found := map[string]akte.Attempts{}
		for rows.Next() {
			var (
				key         string
				a           akte.Attempts
				start, next sql.NullInt64
			)
			if err := rows.Scan(&key, &a.N, &start, &next); err != nil {
				rows.Close()
				return err
			}
			a.Start, a.Next = timeOf(start), timeOf(next)
			found[key] = a
		}
		if err := rows.Close(); err != nil {
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
			if _, err := tx.ExecContext(ctx, `INSERT INTO attempts (key, n, start_at, next_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET n = excluded.n, start_at = excluded.start_at, next_at = excluded.next_at`,
				k, out[i].N, zeroNull(out[i].Start), zeroNull(out[i].Next)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, wrap("sqlite.TakeAttempts", err)
	}
	return out, ok, nil
}

// ReleaseAttempts gives one attempt of each key back.
func (s *Store) ReleaseAttempts(ctx context.Context, keys ...string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE attempts SET n = max(n - 1, 0) WHERE key IN (SELECT value FROM json_each(?))`, keyList(keys))
	return wrap("sqlite.ReleaseAttempts", err)
}

// ClearAttempts forgets the counters of the keys.
func (s *Store) ClearAttempts(ctx context.Context, keys ...string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM attempts WHERE key IN (SELECT value FROM json_each(?))`, keyList(keys))
	return wrap("sqlite.ClearAttempts", err)
}

// DeleteAttemptsBefore removes counters whose Start and Next are before t.
func (s *Store) DeleteAttemptsBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := affected(s.db.ExecContext(ctx, `DELETE FROM attempts
		WHERE (start_at IS NULL OR start_at < ?1) AND (next_at IS NULL OR next_at < ?1)`, micros(t)))
	return n, wrap("sqlite.DeleteAttemptsBefore", err)
}

// keyList passes keys as one JSON array (json_each spreads it), so that
// one statement serves any number of keys.
func keyList(keys []string) string {
	b, _ := json.Marshal(keys)
	return string(b)
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
