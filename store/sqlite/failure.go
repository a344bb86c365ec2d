package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

// accountFailureKey is the throttling key of an account's failures, which
// DeleteAccount removes with the account. It must match the key the
// service uses.
func accountFailureKey(id akte.AccountID) string { return "account:" + string(id) }

// AddFailure records a failed attempt under key.
func (s *Store) AddFailure(ctx context.Context, key string, at time.Time) error {
	_, err := s.changes(ctx, "sqlite.AddFailure", `INSERT INTO failures (key, at) VALUES (?, ?)`, key, micros(at))
	return err
}

// Failures counts the failures under key at or after since and returns the
// time of the latest one (zero if there is none).
func (s *Store) Failures(ctx context.Context, key string, since time.Time) (n int, last time.Time, err error) {
	err = s.read(ctx, func(c *conn) error {
		return c.one(`SELECT count(*), max(at) FROM failures WHERE key = ? AND at >= ?`, []any{key, micros(since)},
			func(r *row) {
				n = int(r.int64())
				if t := r.timePtr(); t != nil {
					last = *t
				}
			})
	})
	if err != nil {
		return 0, time.Time{}, wrap("sqlite.Failures", err)
	}
	return n, last, nil
}

// ClearFailures forgets the failures under key.
func (s *Store) ClearFailures(ctx context.Context, key string) error {
	_, err := s.changes(ctx, "sqlite.ClearFailures", `DELETE FROM failures WHERE key = ?`, key)
	return err
}

// DeleteFailuresBefore removes failures older than t.
func (s *Store) DeleteFailuresBefore(ctx context.Context, t time.Time) (int, error) {
	return s.changes(ctx, "sqlite.DeleteFailuresBefore", `DELETE FROM failures WHERE at < ?`, micros(t))
}
