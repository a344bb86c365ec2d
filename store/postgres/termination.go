package postgres

import (
	"context"

	"github.com/akte/akte"
)

const terminationColumns = `account_id, requested_at, delete_at, notices, withdrawal`

func scanTermination(s scanner) (*akte.Termination, error) {
	var t akte.Termination
	if err := s.Scan(&t.AccountID, &t.RequestedAt, &t.DeleteAt, &t.Notices, &t.Withdrawal); err != nil {
		return nil, err
	}
	t.RequestedAt, t.DeleteAt = t.RequestedAt.UTC(), t.DeleteAt.UTC()
	return &t, nil
}

// SetTermination records the account's notice, replacing an earlier one.
func (s *Store) SetTermination(ctx context.Context, t *akte.Termination) error {
	return s.exec(ctx, "postgres.SetTermination", `INSERT INTO terminations (`+terminationColumns+`) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account_id) DO UPDATE SET requested_at = excluded.requested_at, delete_at = excluded.delete_at, notices = excluded.notices,
		withdrawal = excluded.withdrawal`,
		t.AccountID, ts(t.RequestedAt), ts(t.DeleteAt), t.Notices, t.Withdrawal)
}

// Termination returns the account's notice.
func (s *Store) Termination(ctx context.Context, account akte.AccountID) (*akte.Termination, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	t, err := scanTermination(s.pool.QueryRow(ctx, `SELECT `+terminationColumns+` FROM terminations WHERE account_id = $1`, account))
	if err != nil {
		return nil, wrap("postgres.Termination", err)
	}
	return t, nil
}

// Terminations lists every notice by its deletion time.
func (s *Store) Terminations(ctx context.Context) ([]*akte.Termination, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ts, err := list(ctx, s.pool, scanTermination, `SELECT `+terminationColumns+` FROM terminations ORDER BY delete_at, account_id`)
	return ts, wrap("postgres.Terminations", err)
}

// DeleteTermination takes the account's notice back.
func (s *Store) DeleteTermination(ctx context.Context, account akte.AccountID) error {
	return s.exec(ctx, "postgres.DeleteTermination", `DELETE FROM terminations WHERE account_id = $1`, account)
}

// SetTerminationNotices records that the reminders up to n were sent, if
// fewer were before (of two rounds at once, one sends).
func (s *Store) SetTerminationNotices(ctx context.Context, account akte.AccountID, n int) (bool, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	k, err := affected(s.pool.Exec(ctx, `UPDATE terminations SET notices = $1 WHERE account_id = $2 AND notices < $1`, n, account))
	return k > 0, wrap("postgres.SetTerminationNotices", err)
}

// Scrub is a no-op: a deleted row is gone from every dump and query at
// once; its bytes stay in the table's files until VACUUM reuses the space
// (docs/operations.md says how an operator forces that).
func (s *Store) Scrub(ctx context.Context) error { return nil }
