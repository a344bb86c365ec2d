package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"github.com/akte/akte"
)

// TakeAttempts decides on one attempt under each key in one write
// transaction (BEGIN IMMEDIATE, on the one write connection): the reads,
// take's decision and the writes cannot interleave with another call's.
func (s *Store) TakeAttempts(ctx context.Context, keys []string, take func([]akte.Attempts) ([]akte.Attempts, bool)) ([]akte.Attempts, bool, error) {
	var (
		out []akte.Attempts
		ok  bool
	)
	err := s.tx(ctx, func(c *conn) error {
		found := map[string]akte.Attempts{}
		err := c.query(`SELECT key, n, start_at, next_at FROM attempts WHERE key IN (SELECT value FROM json_each(?))`,
			[]any{keyList(keys)}, func(r *row) error {
				found[r.text()] = akte.Attempts{N: int(r.int64()), Start: r.zeroTime(), Next: r.zeroTime()}
				return nil
			})
		if err != nil {
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
			if _, err := c.exec(`INSERT INTO attempts (key, n, start_at, next_at) VALUES (?, ?, ?, ?)
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
	_, err := s.changes(ctx, "sqlite.ReleaseAttempts",
		`UPDATE attempts SET n = max(n - 1, 0) WHERE key IN (SELECT value FROM json_each(?))`, keyList(keys))
	return err
}

// ClearAttempts forgets the counters of the keys.
func (s *Store) ClearAttempts(ctx context.Context, keys ...string) error {
	_, err := s.changes(ctx, "sqlite.ClearAttempts",
		`DELETE FROM attempts WHERE key IN (SELECT value FROM json_each(?))`, keyList(keys))
	return err
}

// DeleteAttemptsBefore removes counters whose Start and Next are before t.
func (s *Store) DeleteAttemptsBefore(ctx context.Context, t time.Time) (int, error) {
	return s.changes(ctx, "sqlite.DeleteAttemptsBefore", `DELETE FROM attempts
		WHERE (start_at IS NULL OR start_at < ?1) AND (next_at IS NULL OR next_at < ?1)`, micros(t))
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

// zeroTime reads a time that may be NULL; NULL becomes the zero time.
func (r *row) zeroTime() time.Time {
	if t := r.timePtr(); t != nil {
		return *t
	}
	return time.Time{}
}
