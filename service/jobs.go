package service

import (
	"context"
	"time"

	"github.com/akte/akte"
)

// RunJobs does one round of the periodic maintenance: it deletes accounts
// never confirmed within UnconfirmedTTL, expired sessions, stale tokens and
// attempt counters, uploads idle for UploadExpiry and chunks that belong
// to no item; it sequences the audit events, signs the checkpoints due
// and applies the audit retention (client addresses past AddrRetention,
// expired entries); it tells patients of emergency access about to open
// and records it when it has. Each step is idempotent, so a round cut short is
// finished by the next.
func (s *Service) RunJobs(ctx context.Context) error {
	now := s.nowUTC()
	ids, err := s.store.UnconfirmedAccountsBefore(ctx, now.Add(-s.cfg.UnconfirmedTTL))
	if err != nil {
		return err
	}
	for _, id := range ids {
		a, err := s.store.Account(ctx, id)
		if akte.Is(err, akte.KindNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := s.eraseEncryptedData(ctx, a); err != nil {
			return err
		}
		if err := s.store.DeleteAccount(ctx, id); err != nil && !akte.Is(err, akte.KindNotFound) {
			return err
		}
		if err := s.store.EndConsents(ctx, id, now); err != nil {
			return err
		}
		s.event(ctx, akte.Event{AccountID: id, Operation: "account.delete_unconfirmed", Object: "account:" + string(id), ActorID: "system", ActorRole: "system"})
	}
	if err := s.runReminders(ctx, now); err != nil {
		return err
	}
	if err := s.runTerminations(ctx, now); err != nil {
		return err
	}
	if err := s.expireConsents(ctx, now); err != nil {
		return err
	}
	if err := s.runActivations(ctx, now); err != nil {
		return err
	}
	if err := s.pruneUsage(ctx, now); err != nil {
		return err
	}
	// Attempt counters go once the longest window that counts them ended.
	attemptWindow := max(s.cfg.FailureWindow, time.Hour)
	steps := []func() (int, error){
		func() (int, error) { return s.store.DeleteExpiredSessions(ctx, now, now.Add(-s.cfg.SessionIdle)) },
		func() (int, error) { return s.store.DeleteTokensBefore(ctx, now.Add(-24*time.Hour)) },
		func() (int, error) { return s.store.DeleteAttemptsBefore(ctx, now.Add(-attemptWindow)) },
		func() (int, error) { return s.store.DeletePasskeyChallengesBefore(ctx, now) },
	}
	for _, step := range steps {
		if _, err := step(); err != nil {
			return err
		}
	}
	// A sequencer that cannot append (the database refuses, or a forged
	// row takes an index) must not stop the other jobs; it is logged.
	if err := s.AuditRound(ctx); err != nil {
		s.log.Error("audit sequencer", "err", err)
	}
	// Emergency representatives: the reminder a day before access opens,
	// and the opening's record (decision 0036).
	if err := s.emergencyJobs(ctx, now); err != nil {
		return err
	}
	if n, err := s.auditRetention(ctx, now); err != nil {
		return err
	} else if n > 0 {
		s.log.Info("jobs: audit retention deleted expired events", "count", n)
	}
	if s.blobs != nil {
		n, err := s.cleanUploads(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			s.log.Info("jobs: removed abandoned uploads and orphaned chunks", "count", n)
		}
	}
	if len(ids) > 0 {
		s.log.Info("jobs: deleted unconfirmed accounts", "count", len(ids))
	}
	return nil
}
