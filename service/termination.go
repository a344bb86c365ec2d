package service

import (
	"context"
	"fmt"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/mail"
)

// The account's notice (Kündigung, issue 16 item 7; docs/rights.md): the
// owner gives it, the data stays intact and the notice revocable for the
// grace period (Config.TerminationGrace, 28 days), reminders go out a
// week and a day before, and then the jobs delete the record's items and
// blobs, the keys, the sessions and the account, for good.

// terminationReminders are the reminders before the deletion, by how long
// before it they go (the notice's Notices counts them).
var terminationReminders = []time.Duration{7 * 24 * time.Hour, 24 * time.Hour}

// Terminate gives the caller's account notice; a notice given before is
// kept as it was.
func (s *Service) Terminate(ctx context.Context, p *Principal) (*akte.Termination, error) {
	const op = "account.terminate"
	if t, err := s.store.Termination(ctx, p.Account.ID); err == nil {
		return t, nil
	} else if !akte.Is(err, akte.KindNotFound) {
		return nil, internal(op, err)
	}
	now := s.nowUTC()
	t := &akte.Termination{AccountID: p.Account.ID, RequestedAt: now, DeleteAt: now.Add(s.cfg.TerminationGrace)}
	// A grace shorter than a reminder's lead skips that reminder.
	for _, lead := range terminationReminders {
		if s.cfg.TerminationGrace <= lead {
			t.Notices++
		}
	}
	if err := s.store.SetTermination(ctx, t); err != nil {
		return nil, internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "account:" + string(p.Account.ID), ActorID: string(p.Account.ID),
		ActorRole: "patient", DeviceID: p.Session.DeviceID})
	s.mail(ctx, op, p.Account, mail.TerminationStarted{Date: t.DeleteAt.Format("2006-01-02"), Days: int(s.cfg.TerminationGrace.Hours() / 24)})
	return t, nil
}

// TerminationOf returns the caller's notice; KindNotFound if none.
func (s *Service) TerminationOf(ctx context.Context, p *Principal) (*akte.Termination, error) {
	t, err := s.store.Termination(ctx, p.Account.ID)
	if akte.Is(err, akte.KindNotFound) {
		return nil, akte.R("account.read", akte.KindNotFound, "termination_none", nil, "")
	}
	if err != nil {
		return nil, internal("account.read", err)
	}
	return t, nil
}

// KeepAccount takes the caller's notice back (not a deletion after the
// withdrawal of the processing consent: giving it again does that).
func (s *Service) KeepAccount(ctx context.Context, p *Principal) error {
	const op = "account.keep"
	if t, err := s.store.Termination(ctx, p.Account.ID); err == nil && t.Withdrawal {
		return akte.R(op, akte.KindNotFound, "termination_none", nil, "")
	}
	err := s.store.DeleteTermination(ctx, p.Account.ID)
	if akte.Is(err, akte.KindNotFound) {
		return akte.R(op, akte.KindNotFound, "termination_none", nil, "")
	}
	if err != nil {
		return internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "account:" + string(p.Account.ID), ActorID: string(p.Account.ID),
		ActorRole: "patient", DeviceID: p.Session.DeviceID})
	s.mail(ctx, op, p.Account, mail.TerminationKept{})
	return nil
}

// runTerminations sends the reminders due and deletes the accounts whose
// grace ended. Each step is idempotent: a deletion cut short is finished
// by the next round (the notice goes with the account, last).
func (s *Service) runTerminations(ctx context.Context, now time.Time) error {
	ts, err := s.store.Terminations(ctx)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if !now.Before(t.DeleteAt) {
			if err := s.terminate(ctx, t.AccountID); err != nil {
				return err
			}
			continue
		}
		for i, lead := range terminationReminders {
			if t.Notices > i || now.Before(t.DeleteAt.Add(-lead)) {
				continue
			}
			sent, err := s.store.SetTerminationNotices(ctx, t.AccountID, i+1)
			if err != nil {
				return err
			}
			if a, err := s.store.Account(ctx, t.AccountID); sent && err == nil {
				s.mail(ctx, "account.terminate", a, mail.TerminationReminder{Date: t.DeleteAt.Format("2006-01-02"), Days: int(lead.Hours() / 24)})
			}
		}
	}
	return nil
}

// terminate deletes the account's health data (items, uploads, blobs),
// its keys, sessions, devices and the account itself, and records that in
// the system's protocol by counts.
func (s *Service) terminate(ctx context.Context, id akte.AccountID) error {
	a, err := s.store.Account(ctx, id)
	if akte.Is(err, akte.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	its, err := s.store.Items(ctx, id, "")
	if err != nil {
		return err
	}
	if err := s.eraseEncryptedData(ctx, a); err != nil {
		return err
	}
	// The usage data stay 15 months for billing, with the end (decision 0047).
	if err := s.store.EndUsage(ctx, id, s.nowUTC()); err != nil && !akte.Is(err, akte.KindNotFound) {
		return err
	}
	if err := s.store.DeleteAccount(ctx, id); err != nil && !akte.Is(err, akte.KindNotFound) {
		return err
	}
	// The consent evidence stays, 3 years from now (decision 0044).
	if err := s.store.EndConsents(ctx, id, s.nowUTC()); err != nil {
		return err
	}
	if err := s.store.Scrub(ctx); err != nil {
		return err
	}
	s.event(ctx, akte.Event{AccountID: id, Operation: "account.terminated", Object: "account:" + string(id), ActorID: "system", ActorRole: "system",
		Cause: fmt.Sprintf("items=%d", len(its))})
	s.log.Info("jobs: deleted a terminated account", "items", len(its))
	return nil
}
