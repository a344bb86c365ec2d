package service

import (
	"context"
	"fmt"
	"time"

	"github.com/akte/akte"
)

// Usage data for billing (issue 16 item 8, decision 0047): registration,
// the insurer that opened the account, the last access in each of the
// last five quarters and the end, kept apart from health data and for up
// to 15 months after the end.
const (
	usageQuarters = 5
	usageKeep     = 15 * 30 * 24 * time.Hour // after the account ended
)

// noteAccess records an access of the account as its latest in the
// quarter. It runs at login and when a session is used on a later day than
// it was last seen (Authenticate), so a day is its precision: all the
// billing needs, at a write per session and day.
func (s *Service) noteAccess(ctx context.Context, id akte.AccountID, now time.Time) {
	if err := s.store.NoteAccess(ctx, id, akte.Quarter(now), now); err != nil {
		s.log.Error("note access for usage data", "err", err)
	}
}

// AdminUsage lists the usage data of every account for the operator.
func (s *Service) AdminUsage(ctx context.Context, op Operator) ([]*akte.UsageData, error) {
	us, err := s.store.UsageData(ctx, "")
	if err != nil {
		return nil, internal("admin.usage", err)
	}
	s.event(ctx, akte.Event{Operation: "admin.usage", ActorID: op.actor(), ActorRole: "operator"})
	return us, nil
}

// AdminBackup records a backup the operator made (akte admin backup) and
// how many older ones it deleted, by counts.
func (s *Service) AdminBackup(ctx context.Context, op Operator, files, removed int) {
	s.event(ctx, akte.Event{Operation: "admin.backup", ActorID: op.actor(), ActorRole: "operator", Cause: fmt.Sprintf("files=%d removed=%d", files, removed)})
}

// pruneUsage deletes quarters older than the last five and the usage data
// of accounts that ended more than 15 months ago, recorded by count.
func (s *Service) pruneUsage(ctx context.Context, now time.Time) error {
	first := akte.Quarter(now.AddDate(0, -3*(usageQuarters-1), 0))
	n, err := s.store.PruneUsage(ctx, first, now.Add(-usageKeep))
	if err != nil || n == 0 {
		return err
	}
	s.event(ctx, akte.Event{Operation: "usage.prune", ActorID: "system", ActorRole: "system", Cause: fmt.Sprintf("rows=%d", n)})
	return nil
}

// UsageOf answers the caller's own usage data (GDPR Art. 15: the report
// shows them), or nil for an account without (a provider).
func (s *Service) UsageOf(ctx context.Context, p *Principal) (*akte.UsageData, error) {
	const op = "account.usage"
	us, err := s.store.UsageData(ctx, p.Account.ID)
	if err != nil {
		return nil, internal(op, err)
	}
	if len(us) == 0 {
		return nil, nil
	}
	return us[0], nil
}
