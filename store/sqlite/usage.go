package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

// NoteAccess records an access as the quarter's last, unless a later one
// is. An account without usage data (a provider) gets none.
func (s *Store) NoteAccess(ctx context.Context, account akte.AccountID, quarter string, at time.Time) error {
	_, err := s.changes(ctx, "sqlite.NoteAccess", `INSERT INTO usage_quarters (account_id, quarter, last_access)
		SELECT account_id, ?, ? FROM account_usage WHERE account_id = ?
		ON CONFLICT (account_id, quarter) DO UPDATE SET last_access = max(last_access, excluded.last_access)`, quarter, micros(at), account)
	return err
}

// SetUsageInsurer names the insurer that opened the account.
func (s *Store) SetUsageInsurer(ctx context.Context, account akte.AccountID, insurer string) error {
	return s.update(ctx, "sqlite.SetUsageInsurer", `UPDATE account_usage SET insurer = ? WHERE account_id = ?`, insurer, account)
}

// EndUsage records the end of the account, keeping an earlier one.
func (s *Store) EndUsage(ctx context.Context, account akte.AccountID, at time.Time) error {
	return s.update(ctx, "sqlite.EndUsage", `UPDATE account_usage SET terminated_at = coalesce(terminated_at, ?) WHERE account_id = ?`, micros(at), account)
}

// DeleteUsage removes the account's usage data.
func (s *Store) DeleteUsage(ctx context.Context, account akte.AccountID) error {
	return wrap("sqlite.DeleteUsage", s.write(ctx, func(c *conn) error {
		if _, err := c.exec(`DELETE FROM usage_quarters WHERE account_id = ?`, account); err != nil {
			return err
		}
		n, err := c.exec(`DELETE FROM account_usage WHERE account_id = ?`, account)
		if err == nil && n == 0 {
			return notFound("sqlite.DeleteUsage")
		}
		return err
	}))
}

// UsageData lists the account's usage data, or every account's, by
// registration.
func (s *Store) UsageData(ctx context.Context, account akte.AccountID) ([]*akte.UsageData, error) {
	const op = "sqlite.UsageData"
	us, err := list(ctx, s, func(r *row) *akte.UsageData {
		return &akte.UsageData{AccountID: akte.AccountID(r.text()), RegisteredAt: r.time(), Insurer: r.text(), TerminatedAt: r.timePtr()}
	}, `SELECT account_id, registered_at, insurer, terminated_at FROM account_usage WHERE ? IN ('', account_id) ORDER BY registered_at, account_id`, account)
	if err != nil {
		return nil, wrap(op, err)
	}
	type quarter struct {
		id akte.AccountID
		q  akte.QuarterAccess
	}
	qs, err := list(ctx, s, func(r *row) quarter {
		return quarter{akte.AccountID(r.text()), akte.QuarterAccess{Quarter: r.text(), LastAccess: r.time()}}
	}, `SELECT account_id, quarter, last_access FROM usage_quarters WHERE ? IN ('', account_id) ORDER BY quarter DESC`, account)
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
	var n int
	err := s.write(ctx, func(c *conn) error {
		for _, q := range []struct {
			query string
			args  []any
		}{
			{`DELETE FROM usage_quarters WHERE quarter < ? OR account_id IN (SELECT account_id FROM account_usage WHERE terminated_at < ?)`, []any{first, micros(endedBefore)}},
			{`DELETE FROM account_usage WHERE terminated_at < ?`, []any{micros(endedBefore)}},
		} {
			k, err := c.exec(q.query, q.args...)
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	return n, wrap("sqlite.PruneUsage", err)
}
