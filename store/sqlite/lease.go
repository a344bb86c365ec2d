package sqlite

import (
	"context"
	"time"
)

// AcquireLease takes the lease if it is free, expired or already ours, in
// one statement, so two replicas racing for it cannot both win.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	n, err := affected(s.db.ExecContext(ctx, `INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE leases.holder = excluded.holder OR leases.until <= ?`,
		name, holder, micros(until), micros(now)))
	if err != nil {
		return false, wrap("sqlite.AcquireLease", err)
	}
	return n == 1, nil
}

// ReleaseLease ends the lease if holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
	return wrap("sqlite.ReleaseLease", err)
}
