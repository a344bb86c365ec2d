package service

import (
	"context"
	"net/url"

	"github.com/akte/akte"
)

// ResumeResult is what a registration that was interrupted needs again:
// the TOTP secret the patient may not have added to an app yet, and the
// key bundle from which the client opens the recovery key with the
// password.
type ResumeResult struct {
	Account    *akte.Account
	TOTPSecret string
	TOTPURI    string
}

// ResumeRegistration shows an unfinished registration again to whoever
// proves its password (issue 12, item 1; docs/decisions/0024-resumable-registration.md).
// A registration is unfinished until the first login, which is the first
// time the authenticator is proven to the server: until then the TOTP
// secret protects nothing the password does not, and a patient whose tab
// was discarded while they were in the authenticator app is not locked
// out. The attempt counts like a login's on the account's and the client
// address's counters; an unknown address and a wrong password answer alike
// (login_failed) and cost the same time. Only with the password proven
// does the answer say that the registration is finished or the account
// blocked.
func (s *Service) ResumeRegistration(ctx context.Context, cl Client, email string, loginSecret []byte) (*ResumeResult, error) {
	const op = "account.resume"
	email, err := normalizeEmail(op, email)
	if err != nil {
		return nil, err
	}
	if err := validateSecret(op, "login_secret", loginSecret); err != nil {
		return nil, err
	}
	a, err := s.store.AccountByEmail(ctx, email)
	if err != nil && !akte.Is(err, akte.KindNotFound) {
		return nil, internal(op, err)
	}
	if akte.Is(err, akte.KindNotFound) {
		a = nil
	}
	cs := s.secretCounters(a, email, cl.Addr)
	n, err := s.take(ctx, op, cs...)
	if err != nil {
		return nil, err
	}
	ev := akte.Event{Operation: op, ActorRole: "patient", ClientAddr: cl.Addr}
	hash := dummyHash
	if a != nil {
		hash = a.LoginHash
		ev.AccountID, ev.ActorID, ev.Object = a.ID, string(a.ID), "account:"+string(a.ID)
	}
	ok, err := s.verifySecret(ctx, hash, loginSecret)
	if err != nil {
		s.release(ctx, keys(cs)...)
		return nil, internal(op, err)
	}
	if a == nil || !ok {
		ev.Result, ev.Cause = akte.ResultDenied, map[bool]string{true: "unknown_account", false: "wrong_password"}[a == nil]
		s.event(ctx, ev)
		if a != nil && n == s.cfg.FailureFree {
			s.mailFailureNotice(ctx, a, n)
		}
		return nil, errLoginFailed(op)
	}
	// The password is proven: it was no guess.
	s.release(ctx, keys(cs)...)
	if a.BlockedAt != nil {
		ev.Result, ev.Cause = akte.ResultDenied, "account_blocked"
		s.event(ctx, ev)
		return nil, errAccountBlocked(op)
	}
	if a.TOTPLastCounter != 0 {
		ev.Result, ev.Cause = akte.ResultDenied, "registration_finished"
		s.event(ctx, ev)
		return nil, akte.R(op, akte.KindConflict, "registration_finished", nil, "")
	}
	s.event(ctx, ev)
	return &ResumeResult{Account: a, TOTPSecret: a.TOTPSecret, TOTPURI: s.totpURI(a.Email, a.TOTPSecret)}, nil
}

// totpURI is the otpauth:// address of an account's TOTP secret (Key URI
// Format): SHA-1, 6 digits, 30 s, as Register makes it.
func (s *Service) totpURI(email, secret string) string {
	v := url.Values{}
	v.Set("issuer", s.cfg.TOTPIssuer)
	v.Set("period", "30")
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("secret", secret)
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + s.cfg.TOTPIssuer + ":" + email, RawQuery: v.Encode()}
	return u.String()
}
