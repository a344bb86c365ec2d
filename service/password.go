package service

import (
	"context"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/mail"
)

// NewPassword is the client's re-wrapping after a password change: new
// Argon2id parameters, the new login secret, and the same user master key
// sealed under the new password key.
type NewPassword struct {
	KDF           akte.KDFParams
	LoginSecret   []byte
	UMKByPassword []byte
}

func validateNewPassword(op string, n NewPassword) error {
	if err := validateKDF(op, n.KDF); err != nil {
		return err
	}
	if err := validateSecret(op, "login_secret", n.LoginSecret); err != nil {
		return err
	}
	return validateWrapped(op, "umk_by_password", n.UMKByPassword)
}

// setPassword stores a new password wrapping on the account.
func (s *Service) setPassword(ctx context.Context, op string, a *akte.Account, n NewPassword) error {
	hash, err := s.hashSecret(ctx, n.LoginSecret)
	if err != nil {
		return internal(op, err)
	}
	a.KDF, a.LoginHash, a.Keys.UMKByPassword, a.PasswordChanged = n.KDF, hash, n.UMKByPassword, s.nowUTC()
	return s.updateAccount(ctx, op, a)
}

// ChangePassword replaces the password of a logged-in user who proves the
// old one and a TOTP code. The user master key stays, so all data stays
// readable; the other sessions end.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, oldSecret []byte, code string, n NewPassword) error {
	const op = "password.change"
	if err := validateSecret(op, "old_login_secret", oldSecret); err != nil {
		return err
	}
	if err := validateNewPassword(op, n); err != nil {
		return err
	}
	a := p.Account
	if err := s.proveSecondFactor(ctx, op, a, p.Session.DeviceID, oldSecret, code); err != nil {
		return err
	}
	if err := s.setPassword(ctx, op, a, n); err != nil {
		return err
	}
	if err := s.endOtherSessions(ctx, a.ID, p.Session.ID); err != nil {
		return internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, Object: "account:" + string(a.ID), ActorID: string(a.ID), ActorRole: "patient", DeviceID: p.Session.DeviceID})
	s.mail(ctx, op, a, mail.PasswordChanged{})
	return nil
}

// proveSecondFactor checks the login secret and a fresh TOTP code of a
// logged-in user. The attempt is counted first on the session's device:
// guesses through a session delay that session's device, not the owner's
// others. (The holder of a session can test passwords against the wrapped
// keys anyway, so the answer may say which factor was wrong.)
func (s *Service) proveSecondFactor(ctx context.Context, op string, a *akte.Account, device akte.DeviceID, secret []byte, code string) error {
	c := counter{deviceKey(a.ID, device), s.loginLimit()}
	n, err := s.take(ctx, op, c)
	if err != nil {
		return err
	}
	fail := func(code string, err error) error {
		s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, Object: "account:" + string(a.ID), ActorID: string(a.ID), ActorRole: "patient",
			DeviceID: device, Result: akte.ResultDenied, Cause: code})
		if n == s.cfg.FailureFree {
			s.mailFailureNotice(ctx, a, n)
		}
		return err
	}
	ok, err := s.verifySecret(ctx, a.LoginHash, secret)
	if err != nil {
		s.release(ctx, c.key)
		return internal(op, err)
	}
	if !ok {
		return fail("wrong_password", akte.R(op, akte.KindUnauthenticated, "old_password_wrong", nil, ""))
	}
	step, ok := s.checkTOTP(a, code)
	if !ok {
		return fail("wrong_totp", akte.R(op, akte.KindUnauthenticated, "totp_wrong", nil, ""))
	}
	if advanced, err := s.store.AdvanceTOTP(ctx, a.ID, step); err != nil {
		s.release(ctx, c.key)
		return internal(op, err)
	} else if !advanced {
		return fail("totp_reused", akte.R(op, akte.KindUnauthenticated, "totp_reused", nil, ""))
	}
	s.clear(ctx, c.key)
	return nil
}

func (s *Service) endOtherSessions(ctx context.Context, id akte.AccountID, keep string) error {
	all, err := s.store.Sessions(ctx, id)
	if err != nil {
		return err
	}
	for _, ses := range all {
		if ses.ID != keep {
			if err := s.store.DeleteSession(ctx, id, ses.ID); err != nil && !akte.Is(err, akte.KindNotFound) {
				return err
			}
		}
	}
	return nil
}

// RecoveryGrant is the first step of a reset with the recovery key: the
// user master key sealed under the recovery key, and a short-lived token for
// the second step.
type RecoveryGrant struct {
	Token         string
	UMKByRecovery []byte
}

// dummyRecoveryHash is checked against for an unknown address.
var dummyRecoveryHash = fastHash(make([]byte, 32))

// RecoverStart checks the recovery verifier (derived from the recovery key
// on the client) and a TOTP code. The attempt is counted first, like a
// login from a client without a device secret: on the account's counter
// and the client address's. A wrong key, a wrong or used code and an
// unknown address answer alike.
func (s *Service) RecoverStart(ctx context.Context, cl Client, email string, verifier []byte, code string) (*RecoveryGrant, error) {
	const op = "password.recover"
	email, err := normalizeEmail(op, email)
	if err != nil {
		return nil, err
	}
	if err := validateSecret(op, "recovery_verifier", verifier); err != nil {
		return nil, err
	}
	a, err := s.store.AccountByEmail(ctx, email)
	if err != nil && !akte.Is(err, akte.KindNotFound) {
		return nil, internal(op, err)
	}
	cs := s.secretCounters(a, email, cl.Addr)
	n, err := s.take(ctx, op, cs...)
	if err != nil {
		return nil, err
	}
	ev := akte.Event{Operation: op, ActorRole: "anonymous", ClientAddr: cl.Addr}
	fail := func(code string) (*RecoveryGrant, error) {
		ev.Result, ev.Cause = akte.ResultDenied, code
		s.event(ctx, ev)
		if a != nil && n == s.cfg.FailureFree {
			s.mailFailureNotice(ctx, a, n)
		}
		return nil, akte.R(op, akte.KindUnauthenticated, "recovery_failed", nil, "")
	}
	stored := dummyRecoveryHash
	if a != nil {
		stored = a.RecoveryHash
		ev.AccountID, ev.Object = a.ID, "account:"+string(a.ID)
	}
	ok := fastVerify(stored, verifier)
	switch {
	case a == nil:
		return fail("unknown_account")
	case !ok:
		return fail("wrong_recovery_key")
	}
	step, ok := s.checkTOTP(a, code)
	switch {
	case !ok:
		return fail("wrong_totp")
	case step <= a.TOTPLastCounter:
		return fail("totp_reused")
	case a.BlockedAt != nil:
		s.release(ctx, keys(cs)...)
		ev.Result, ev.Cause = akte.ResultDenied, "account_blocked"
		s.event(ctx, ev)
		return nil, errAccountBlocked(op)
	}
	if advanced, err := s.store.AdvanceTOTP(ctx, a.ID, step); err != nil {
		s.release(ctx, keys(cs)...)
		return nil, internal(op, err)
	} else if !advanced {
		return fail("totp_reused")
	}
	now := s.nowUTC()
	token := randomToken(32)
	if err := s.store.CreateToken(ctx, &akte.Token{Hash: hashBytes(string(akte.TokenRecovery), token), Purpose: akte.TokenRecovery,
		AccountID: a.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.ResetTTL)}); err != nil {
		s.release(ctx, keys(cs)...)
		return nil, internal(op, err)
	}
	s.clear(ctx, cs[0].key)
	s.release(ctx, keys(cs[1:])...)
	ev.ActorID, ev.ActorRole = string(a.ID), "patient"
	s.event(ctx, ev)
	return &RecoveryGrant{Token: token, UMKByRecovery: a.Keys.UMKByRecovery}, nil
}

// RecoverComplete sets the new password wrapping of the same user master
// key; all data stays; every session ends.
func (s *Service) RecoverComplete(ctx context.Context, cl Client, token string, n NewPassword) error {
	const op = "password.recover_complete"
	if err := validateNewPassword(op, n); err != nil {
		return err
	}
	if _, err := s.take(ctx, op, s.anonCounter(op, cl.Addr)); err != nil {
		return err
	}
	t, err := s.store.Token(ctx, akte.TokenRecovery, hashBytes(string(akte.TokenRecovery), token))
	if akte.Is(err, akte.KindNotFound) {
		return invalid(op, "recovery_token_invalid", nil)
	}
	if err != nil {
		return internal(op, err)
	}
	if t.UsedAt != nil {
		return akte.R(op, akte.KindUsed, "recovery_token_used", nil, "")
	}
	if !s.nowUTC().Before(t.ExpiresAt) {
		return akte.R(op, akte.KindExpired, "recovery_token_expired", nil, "")
	}
	if err := s.store.UseToken(ctx, t.Hash, s.nowUTC()); err != nil {
		if akte.Is(err, akte.KindConflict) {
			return akte.R(op, akte.KindUsed, "recovery_token_used", nil, "")
		}
		return internal(op, err)
	}
	a, err := s.store.Account(ctx, t.AccountID)
	if err != nil {
		return internal(op, err)
	}
	if err := s.setPassword(ctx, op, a, n); err != nil {
		return err
	}
	if _, err := s.store.DeleteSessions(ctx, a.ID, ""); err != nil {
		return internal(op, err)
	}
	s.clear(ctx, accountKey(a.ID))
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, Object: "account:" + string(a.ID), ActorID: string(a.ID), ActorRole: "patient", ClientAddr: cl.Addr})
	s.mail(ctx, op, a, mail.PasswordRecovered{})
	return nil
}

// ResetStart mails a reset code for the reset without recovery key, which
// voids the older ones and gets fresh attempts. An unknown address gets
// the same answer after the same work and no mail.
func (s *Service) ResetStart(ctx context.Context, cl Client, email string) error {
	const op = "password.reset_start"
	email, err := normalizeEmail(op, email)
	if err != nil {
		return err
	}
	if _, err := s.take(ctx, op, s.anonCounter(op, cl.Addr), s.mailCounter(email)); err != nil {
		return err
	}
	a, err := s.store.AccountByEmail(ctx, email)
	if err != nil && !akte.Is(err, akte.KindNotFound) {
		return internal(op, err)
	}
	s.clear(ctx, s.codeCounter(akte.TokenPasswordReset, email).key)
	ev := akte.Event{Operation: op, ActorRole: "anonymous", ClientAddr: cl.Addr}
	if a == nil {
		ev.Result, ev.Cause = akte.ResultDenied, "unknown_account"
		s.event(ctx, ev)
		return nil
	}
	ev.AccountID, ev.Object = a.ID, "account:"+string(a.ID)
	s.event(ctx, ev)
	mins := int(s.cfg.ResetTTL / time.Minute)
	s.later(ctx, func(ctx context.Context) {
		s.issueCode(ctx, a, akte.TokenPasswordReset, s.cfg.ResetTTL, func(code string) mail.Template {
			return mail.ResetCode{Code: code, Minutes: mins}
		})
	})
	return nil
}

// ResetRequest completes a reset without the recovery key: the client made
// a new user master key, recovery key and key pair.
type ResetRequest struct {
	Email               string
	Code                string
	TOTP                string
	AcknowledgeDataLoss bool
	KDF                 akte.KDFParams
	LoginSecret         []byte
	RecoveryVerifier    []byte
	Keys                akte.KeyBundle
	// Record holds new record keys: the old ones cannot be opened without
	// the old user master key.
	Record *akte.Record
}

// ResetComplete erases the encrypted data of the account and installs the
// new keys. It refuses unless the request acknowledges the loss of the
// data, of which the client warned (the reason data_loss_warning).
func (s *Service) ResetComplete(ctx context.Context, cl Client, r ResetRequest) error {
	const op = "password.reset"
	if !r.AcknowledgeDataLoss {
		return invalid(op, "data_loss_unacknowledged", nil)
	}
	email, err := normalizeEmail(op, r.Email)
	if err != nil {
		return err
	}
	if err := validateKDF(op, r.KDF); err != nil {
		return err
	}
	if err := validateSecret(op, "login_secret", r.LoginSecret); err != nil {
		return err
	}
	if err := validateSecret(op, "recovery_verifier", r.RecoveryVerifier); err != nil {
		return err
	}
	if err := validateKeys(op, r.Keys); err != nil {
		return err
	}
	if err := validateRecordKeys(op, r.Record); err != nil {
		return err
	}
	// The attempt is counted on the purpose's code counter first; the TOTP
	// code is checked only with the right mailed code, and a wrong one
	// answers exactly as a wrong mailed code does.
	cc := s.codeCounter(akte.TokenPasswordReset, email)
	if _, err := s.take(ctx, op, s.anonCounter(op, cl.Addr), cc); err != nil {
		return err
	}
	wrong := invalid(op, "reset_code_wrong", nil)
	ev := akte.Event{Operation: op, ActorRole: "anonymous", ClientAddr: cl.Addr, Result: akte.ResultDenied}
	fail := func(code string, err error) error {
		ev.Cause = code
		s.event(ctx, ev)
		return err
	}
	a, t, err := s.checkCode(ctx, op, akte.TokenPasswordReset, email, r.Code, wrong)
	if a != nil {
		ev.AccountID = a.ID
	}
	if err != nil {
		return fail(reasonOf(err), err)
	}
	step, ok := s.checkTOTP(a, r.TOTP)
	switch {
	case !ok:
		return fail("wrong_totp", wrong)
	case step <= a.TOTPLastCounter:
		return fail("totp_reused", wrong)
	case a.BlockedAt != nil:
		return fail("account_blocked", errAccountBlocked(op))
	}
	if advanced, err := s.store.AdvanceTOTP(ctx, a.ID, step); err != nil {
		return internal(op, err)
	} else if !advanced {
		return fail("totp_reused", wrong)
	}
	if err := s.useToken(ctx, op, t); err != nil {
		return fail(reasonOf(err), err)
	}
	if err := s.eraseEncryptedData(ctx, a); err != nil {
		return internal(op, err)
	}
	// A provider has no record (decision 0034): the record keys every
	// client makes are not stored for one.
	if _, perr := s.store.Provider(ctx, a.ID); akte.Is(perr, akte.KindNotFound) {
		rec := *r.Record
		rec.AccountID = a.ID
		if err := s.store.ReplaceRecordKeys(ctx, &rec); akte.Is(err, akte.KindNotFound) {
			rec.CreatedAt = s.nowUTC()
			err = s.store.CreateRecord(ctx, &rec)
			if err != nil {
				return recordErr(op, err)
			}
		} else if err != nil {
			return recordErr(op, err)
		}
	} else if perr != nil {
		return internal(op, perr)
	}
	hash, err := s.hashSecret(ctx, r.LoginSecret)
	if err != nil {
		return internal(op, err)
	}
	a.KDF, a.LoginHash, a.RecoveryHash, a.Keys, a.PasswordChanged = r.KDF, hash, fastHash(r.RecoveryVerifier), r.Keys, s.nowUTC()
	if err := s.updateAccount(ctx, op, a); err != nil {
		return err
	}
	if _, err := s.store.DeleteSessions(ctx, a.ID, ""); err != nil {
		return internal(op, err)
	}
	s.clear(ctx, cc.key, accountKey(a.ID))
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, Object: "account:" + string(a.ID), ActorID: string(a.ID), ActorRole: "patient", ClientAddr: cl.Addr})
	s.mail(ctx, op, a, mail.PasswordReset{})
	return nil
}

// eraseEncryptedData removes every item of the account's record from the
// metadata store and every ciphertext from the blob store. The old keys are
// replaced by the caller, so nothing that might remain could be opened
// either. It is idempotent: an erase cut short is finished by the next.
func (s *Service) eraseEncryptedData(ctx context.Context, a *akte.Account) error {
	its, err := s.store.Items(ctx, a.ID, "")
	if err != nil {
		return err
	}
	ups, err := s.store.Uploads(ctx, a.ID, s.nowUTC().Add(time.Hour))
	if err != nil {
		return err
	}
	for _, it := range append(its, ups...) {
		if err := s.store.DeleteItem(ctx, it.ID); err != nil && !akte.Is(err, akte.KindNotFound) {
			return err
		}
	}
	if s.blobs == nil {
		return nil
	}
	return s.deleteBlobs(ctx, recordPrefix(a.ID))
}
