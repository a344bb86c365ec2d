package service

import (
	"context"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/mail"
)

// StartEmailChange begins moving the logged-in owner's account to another
// address (issue 12, item 8; docs/decisions/0027-email-change.md). The
// owner proves the password and a code of the authenticator, counted like
// the password change's; a code goes to the new address, and the address
// changes only when it comes back (ConfirmEmailChange): nobody moves an
// account to an address they cannot read. An address another account
// holds is refused as email_taken: said only to someone who proved the
// password and a second factor, whose codes count once each.
func (s *Service) StartEmailChange(ctx context.Context, p *Principal, loginSecret []byte, code, newEmail string) error {
	const op = "account.email_change_start"
	email, err := normalizeEmail(op, newEmail)
	if err != nil {
		return err
	}
	if err := validateSecret(op, "login_secret", loginSecret); err != nil {
		return err
	}
	a := p.Account
	if email == a.Email {
		return invalid(op, "email_unchanged", nil)
	}
	if err := s.proveSecondFactor(ctx, op, a, p.Session.DeviceID, loginSecret, code); err != nil {
		return err
	}
	ev := akte.Event{AccountID: a.ID, Operation: op, Object: "account:" + string(a.ID), ActorID: string(a.ID), ActorRole: "patient", DeviceID: p.Session.DeviceID}
	if _, err := s.store.AccountByEmail(ctx, email); err == nil {
		ev.Result, ev.Cause = akte.ResultDenied, "email_taken"
		s.event(ctx, ev)
		return akte.R(op, akte.KindConflict, "email_taken", nil, "")
	} else if !akte.Is(err, akte.KindNotFound) {
		return internal(op, err)
	}
	if _, err := s.take(ctx, op, s.mailCounter(email)); err != nil {
		return err
	}
	now := s.nowUTC()
	c := newCode()
	t := &akte.Token{Hash: emailChangeHash(a.ID, email, c), Purpose: akte.TokenEmailChange, AccountID: a.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.EmailCodeTTL)}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return internal(op, err)
	}
	s.send(ctx, email, langOf(a), mail.EmailChangeCode{Code: c, Minutes: int(s.cfg.EmailCodeTTL / time.Minute)})
	s.event(ctx, ev)
	return nil
}

// emailChangeHash binds a code to the account and the new address, so a
// code mailed for one address cannot confirm another.
func emailChangeHash(id akte.AccountID, email, code string) []byte {
	return hashBytes(string(akte.TokenEmailChange), string(id), email, code)
}

// ConfirmEmailChange moves the account to the new address with the code
// mailed there. The codes of an address count like the confirmation's; the
// old address is told, and keeps nothing: the next login is with the new
// one.
func (s *Service) ConfirmEmailChange(ctx context.Context, p *Principal, newEmail, code string) (*akte.Account, error) {
	const op = "account.email_change"
	email, err := normalizeEmail(op, newEmail)
	if err != nil {
		return nil, err
	}
	if len(code) != 8 {
		return nil, invalid(op, "code_format", map[string]any{"digits": 8})
	}
	a := p.Account
	cc := s.codeCounter(akte.TokenEmailChange, email)
	if _, err := s.take(ctx, op, cc); err != nil {
		return nil, err
	}
	ev := akte.Event{AccountID: a.ID, Operation: op, Object: "account:" + string(a.ID), ActorID: string(a.ID), ActorRole: "patient", DeviceID: p.Session.DeviceID}
	fail := func(err error) (*akte.Account, error) {
		ev.Result, ev.Cause = akte.ResultDenied, reasonOf(err)
		s.event(ctx, ev)
		return nil, err
	}
	t, err := s.store.Token(ctx, akte.TokenEmailChange, emailChangeHash(a.ID, email, code))
	switch {
	case akte.Is(err, akte.KindNotFound):
		return fail(akte.R(op, akte.KindInvalid, "code_wrong", nil, ""))
	case err != nil:
		return nil, internal(op, err)
	case t.UsedAt != nil:
		return fail(errCodeUsed(op))
	case !s.nowUTC().Before(t.ExpiresAt):
		return fail(akte.R(op, akte.KindExpired, "code_expired", nil, ""))
	}
	if err := s.useToken(ctx, op, t); err != nil {
		return fail(err)
	}
	err = s.store.SetAccountEmail(ctx, a.ID, email)
	if akte.Is(err, akte.KindConflict) {
		return fail(akte.R(op, akte.KindConflict, "email_taken", nil, ""))
	} else if err != nil {
		return nil, internal(op, err)
	}
	s.clear(ctx, cc.key)
	old := a.Email
	changed := *a
	changed.Email = email
	s.send(ctx, old, langOf(a), mail.EmailChanged{New: email})
	s.event(ctx, ev)
	return &changed, nil
}
