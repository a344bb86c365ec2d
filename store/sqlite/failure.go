package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/akte/akte"
)

// accountFailureKey is the throttling key of an account's failures, which
// DeleteAccount removes with the account. It must match the key the
// service uses.
func accountFailureKey(id akte.AccountID) string { return "account:" + string(id) }

// AddFailure records a failed attempt under key.
func (s *Store) AddFailure(ctx context.Context, key string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO failures (key, at) VALUES (?, ?)`, key, micros(at))
	return wrap("sqlite.AddFailure", err)
}

// Failures counts the failures under key at or after since and returns the
// time of the latest one (zero if there is none).
func (s *Store) Failures(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	var (
		n    int
		last sql.NullInt64
	)
	err := s.db.QueryRowContext(ctx, `SELECT count(*), max(at) FROM failures WHERE key = ? AND at >= ?`,
		key, micros(since)).Scan(&n, &last)
	if err != nil {
		return 0, time.Time{}, wrap("sqlite.Failures", err)
	}
	if !last.Valid {
		return n, time.Time{}, nil
	}
	return n, fromMicros(last.Int64), nil
}

// ClearFailures forgets the failures under key.
func (s *Store) ClearFailures(ctx context.Context, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM failures WHERE key = ?`, key)
	return wrap("sqlite.ClearFailures", err)
}

// DeleteFailuresBefore removes failures older than t.
func (s *Store) DeleteFailuresBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := affected(s.db.ExecContext(ctx, `DELETE FROM failures WHERE at < ?`, micros(t)))
	return n, wrap("sqlite.DeleteFailuresBefore", err)
}
