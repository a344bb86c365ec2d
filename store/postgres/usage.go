package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

// NoteAccess records an access as the quarter's last, unless a later one
// is. An account without usage data (a provider) gets none.
func (s *Store) NoteAccess(ctx context.Context, account akte.AccountID, quarter string, at time.Time) error {
	_, err := s.changes(ctx, "postgres.NoteAccess", `INSERT INTO usage_quarters (account_id, quarter, last_access)
		SELECT account_id, $1, $2 FROM account_usage WHERE account_id = $3
		ON CONFLICT (account_id, quarter) DO UPDATE SET last_access = GREATEST(usage_quarters.last_access, excluded.last_access)`,
		quarter, ts(at), account)
	return err
}

// SetUsageInsurer names the insurer that opened the account.
func (s *Store) SetUsageInsurer(ctx context.Context, account akte.AccountID, insurer string) error {
	return s.exec(ctx, "postgres.SetUsageInsurer", `UPDATE account_usage SET insurer = $1 WHERE account_id = $2`, insurer, account)
}

// EndUsage records the end of the account, keeping an earlier one.
func (s *Store) EndUsage(ctx context.Context, account akte.AccountID, at time.Time) error {
	return s.exec(ctx, "postgres.EndUsage", `UPDATE account_usage SET terminated_at = coalesce(terminated_at, $1) WHERE account_id = $2`, ts(at), account)
}

// DeleteUsage removes the account's usage data.
func (s *Store) DeleteUsage(ctx context.Context, account akte.AccountID) error {
	const op = "postgres.DeleteUsage"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var n int
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM usage_quarters WHERE account_id = $1`, account); err != nil {
			return err
		}
		var err error
		n, err = affected(tx.Exec(ctx, `DELETE FROM account_usage WHERE account_id = $1`, account))
		return err
	})
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// UsageData lists the account's usage data, or every account's, by
// registration.
func (s *Store) UsageData(ctx context.Context, account akte.AccountID) ([]*akte.UsageData, error) {
	const op = "postgres.UsageData"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	us, err := list(ctx, s.pool, func(r scanner) (*akte.UsageData, error) {
		var u akte.UsageData
		if err := r.Scan(&u.AccountID, &u.RegisteredAt, &u.Insurer, &u.TerminatedAt); err != nil {
			return nil, err
		}
		u.RegisteredAt, u.TerminatedAt = u.RegisteredAt.UTC(), utc(u.TerminatedAt)
		return &u, nil
	}, `SELECT account_id, registered_at, insurer, terminated_at FROM account_usage WHERE $1 IN ('', account_id) ORDER BY registered_at, account_id`, account)
	if err != nil {
		return nil, wrap(op, err)
	}
	type quarter struct {
		id akte.AccountID
		q  akte.QuarterAccess
	}
	qs, err := list(ctx, s.pool, func(r scanner) (quarter, error) {
		var q quarter
		err := r.Scan(&q.id, &q.q.Quarter, &q.q.LastAccess)
		q.q.LastAccess = q.q.LastAccess.UTC()
		return q, err
	}, `SELECT account_id, quarter, last_access FROM usage_quarters WHERE $1 IN ('', account_id) ORDER BY quarter DESC`, account)
	if err != nil {
		return nil, wrap(op, err)
	}
	by := make(map[akte.AccountID]*akte.UsageData, len(us))
	for _, u := range us {
		by[u.AccountID] = u
	}
	for _, q := range qs {
		if u := by[q.id]; u != nil {
			u.Quarters = append(u.Quarters, q.q)
		}
	}
	return us, nil
}

// PruneUsage removes quarters before first and the accounts ended before
// endedBefore.
func (s *Store) PruneUsage(ctx context.Context, first string, endedBefore time.Time) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var n int
	err := s.tx(ctx, func(tx pgx.Tx) error {
		k, err := affected(tx.Exec(ctx, `DELETE FROM usage_quarters WHERE quarter < $1
			OR account_id IN (SELECT account_id FROM account_usage WHERE terminated_at < $2)`, first, ts(endedBefore)))
		if err != nil {
			return err
		}
		m, err := affected(tx.Exec(ctx, `DELETE FROM account_usage WHERE terminated_at < $1`, ts(endedBefore)))
		n = k + m
		return err
	})
	return n, wrap("postgres.PruneUsage", err)
}
