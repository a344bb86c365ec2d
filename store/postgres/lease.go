package postgres

import (
	"context"
	"time"
)

// AcquireLease takes the lease if it is free, expired or already ours, in
// one statement: ON CONFLICT locks the row and evaluates the condition on
// its latest version, so two replicas racing for it cannot both win.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE leases.holder = excluded.holder OR leases.until <= $4`,
		name, holder, ts(until), ts(now)))
	if err != nil {
		return false, wrap("postgres.AcquireLease", err)
	}
	return n == 1, nil
}

// ReleaseLease ends the lease if holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder)
	return wrap("postgres.ReleaseLease", err)
}
