package postgres

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
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `INSERT INTO failures (key, at) VALUES ($1, $2)`, key, ts(at))
	return wrap("postgres.AddFailure", err)
}

// Failures counts the failures under key at or after since and returns the
// time of the latest one (zero if there is none).
func (s *Store) Failures(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var (
		n    int
		last *time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT count(*), max(at) FROM failures WHERE key = $1 AND at >= $2`,
		key, ts(since)).Scan(&n, &last)
	if err != nil {
		return 0, time.Time{}, wrap("postgres.Failures", err)
	}
	if last == nil {
		return n, time.Time{}, nil
	}
	return n, last.UTC(), nil
}

// ClearFailures forgets the failures under key.
func (s *Store) ClearFailures(ctx context.Context, key string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `DELETE FROM failures WHERE key = $1`, key)
	return wrap("postgres.ClearFailures", err)
}

// DeleteFailuresBefore removes failures older than t.
func (s *Store) DeleteFailuresBefore(ctx context.Context, t time.Time) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `DELETE FROM failures WHERE at < $1`, ts(t)))
	return n, wrap("postgres.DeleteFailuresBefore", err)
}
