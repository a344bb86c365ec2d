package sqlite

import (
	"context"
	"time"
)

// AcquireLease takes the lease if it is free, expired or already ours, in
// one statement, so two replicas racing for it cannot both win.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	n, err := s.changes(ctx, "sqlite.AcquireLease", `INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE leases.holder = excluded.holder OR leases.until <= ?`,
		name, holder, micros(until), micros(now))
	return n == 1, err
}

// ReleaseLease ends the lease if holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := s.changes(ctx, "sqlite.ReleaseLease", `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
	return err
}
