package service

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/akte/akte"
	"github.com/akte/akte/mail"
)

// RegisterRequest carries what the client prepared: the login secret (half
// of the password split), the recovery verifier and the wrapped keys. The
// password, the password key, the user master key and the recovery key never
// reach the server.
type RegisterRequest struct {
	Email            string
	KVNR             string
	BirthDate        string
	KDF              akte.KDFParams
	LoginSecret      []byte
	RecoveryVerifier []byte
	Keys             akte.KeyBundle
	DeviceID         akte.DeviceID
	DeviceName       string
	// Record holds the record keys the client made (ID, wrapped keys,
	// category keys); the account id and quota are the server's.
	Record *akte.Record
}

// RegisterResult is returned once; the TOTP secret is not shown again.
type RegisterResult struct {
	AccountID  akte.AccountID
	TOTPSecret string
	TOTPURI    string
}

// Register creates an unconfirmed account and mails the confirmation code.
// The registering device is confirmed with the account.
func (s *Service) Register(ctx context.Context, cl Client, r RegisterRequest) (*RegisterResult, error) {
	const op = "account.register"
	now := s.nowUTC()
	var err error
	if r.Email, err = normalizeEmail(op, r.Email); err != nil {
		return nil, err
	}
	if r.KVNR, err = validateKVNR(op, r.KVNR); err != nil {
		return nil, err
	}
	if r.BirthDate, err = validateBirthDate(op, r.BirthDate, now); err != nil {
		return nil, err
	}
	if err := validateKDF(op, r.KDF); err != nil {
		return nil, err
	}
	if err := validateSecret(op, "login_secret", r.LoginSecret); err != nil {
		return nil, err
	}
	if err := validateSecret(op, "recovery_verifier", r.RecoveryVerifier); err != nil {
		return nil, err
	}
	if err := validateKeys(op, r.Keys); err != nil {
		return nil, err
	}
	if err := validateDevice(op, r.DeviceID, r.DeviceName); err != nil {
		return nil, err
	}
	if err := validateRecordKeys(op, r.Record); err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.cfg.TOTPIssuer, AccountName: r.Email, SecretSize: 20, Algorithm: otp.AlgorithmSHA1, Digits: otp.DigitsSix, Period: 30})
	if err != nil {
		return nil, internal(op, err)
	}
	hash, err := s.hashSecret(ctx, r.LoginSecret)
	if err != nil {
		return nil, internal(op, err)
	}
	a := &akte.Account{
		ID: akte.AccountID(randomToken(15)), Email: r.Email, KVNR: r.KVNR, BirthDate: r.BirthDate,
		KDF: r.KDF, LoginHash: hash, RecoveryHash: fastHash(r.RecoveryVerifier), Keys: r.Keys,
		TOTPSecret: key.Secret(), CreatedAt: now, PasswordChanged: now,
	}
	rec := *r.Record
	rec.AccountID, rec.Quota, rec.CreatedAt = a.ID, 0, now
	if err := s.store.CreateAccount(ctx, a, &rec); err != nil {
		if akte.Is(err, akte.KindConflict) {
			s.event(ctx, akte.Event{Operation: op, ActorRole: "anonymous", ClientAddr: cl.Addr, Result: akte.ResultFailed, Code: "conflict"})
			return nil, err
		}
		return nil, internal(op, err)
	}
	// Account and record are stored together. From here on a failure
	// removes them again; should the process die before, what remains is
	// a whole but unconfirmed account: the user asks for a new code, or the
	// job deletes it after 4 weeks.
	undo := func(err error) (*RegisterResult, error) {
		if derr := s.store.DeleteAccount(context.WithoutCancel(ctx), a.ID); derr != nil {
			s.log.Error("undo registration", "account", a.ID, "err", derr)
		}
		return nil, internal(op, err)
	}
	d := &akte.Device{AccountID: a.ID, ID: r.DeviceID, Name: r.DeviceName, CreatedAt: now, ConfirmedAt: &now, LastSeenAt: now}
	if err := s.store.CreateDevice(ctx, d); err != nil {
		return undo(err)
	}
	if err := s.sendEmailCode(ctx, a); err != nil {
		return undo(err)
	}
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, Object: "account:" + string(a.ID), ActorID: string(a.ID), ActorRole: "patient", DeviceID: d.ID, ClientAddr: cl.Addr})
	return &RegisterResult{AccountID: a.ID, TOTPSecret: key.Secret(), TOTPURI: key.URL()}, nil
}

// newCode returns an 8-digit numeric code.
func newCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(100_000_000))
	return fmt.Sprintf("%08d", n.Int64())
}

func (s *Service) sendEmailCode(ctx context.Context, a *akte.Account) error {
	now := s.nowUTC()
	code := newCode()
	t := &akte.Token{Hash: hashBytes(string(akte.TokenEmailConfirm), string(a.ID), code), Purpose: akte.TokenEmailConfirm,
		AccountID: a.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.EmailCodeTTL)}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return err
	}
	mins := int(s.cfg.EmailCodeTTL / time.Minute)
	return s.mailer.Send(ctx, mail.Message{
		To:      a.Email,
		Subject: "Akte: Bestätigen Sie Ihre E-Mail-Adresse / Confirm your e-mail address",
		Text: fmt.Sprintf("Guten Tag,\n\nbitte bestätigen Sie Ihre E-Mail-Adresse mit diesem Code (gültig %d Minuten):\n\nCode: %s\n\n"+
			"Wenn Sie sich nicht bei Akte registriert haben, ignorieren Sie diese Nachricht.\n\n"+
			"---\nPlease confirm your e-mail address with the code above (valid for %d minutes).\n", mins, code, mins),
	})
}

// ResendCode mails a new confirmation code. It answers the same whether or
// not the address is registered.
func (s *Service) ResendCode(ctx context.Context, cl Client, email string) error {
	const op = "account.resend_code"
	email, err := normalizeEmail(op, email)
	if err != nil {
		return err
	}
	a, err := s.store.AccountByEmail(ctx, email)
	if akte.Is(err, akte.KindNotFound) {
		return nil
	}
	if err != nil {
		return internal(op, err)
	}
	if a.Confirmed() {
		return nil
	}
	if t, err := s.store.LatestToken(ctx, a.ID, akte.TokenEmailConfirm); err == nil && s.nowUTC().Sub(t.CreatedAt) < time.Minute {
		return akte.E(op, akte.KindRateLimited, "Ein Code wurde gerade erst verschickt. Bitte warten Sie eine Minute.", nil)
	}
	if err := s.sendEmailCode(ctx, a); err != nil {
		return internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, ActorRole: "anonymous", ClientAddr: cl.Addr})
	return nil
}

// ConfirmEmail checks a mailed code and confirms the account's address.
func (s *Service) ConfirmEmail(ctx context.Context, cl Client, email, code string) error {
	const op = "account.confirm"
	email, err := normalizeEmail(op, email)
	if err != nil {
		return err
	}
	if len(code) != 8 {
		return invalid(op, "Der Code hat 8 Ziffern.")
	}
	a, err := s.store.AccountByEmail(ctx, email)
	if akte.Is(err, akte.KindNotFound) {
		return akte.E(op, akte.KindInvalid, "Der Code ist falsch.", nil)
	}
	if err != nil {
		return internal(op, err)
	}
	fail := func(code string, err error) error {
		s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, ActorRole: "anonymous", ClientAddr: cl.Addr, Result: akte.ResultFailed, Code: code})
		return err
	}
	t, err := s.checkCode(ctx, op, a.ID, akte.TokenEmailConfirm, code)
	if err != nil {
		return fail(akte.KindOf(err).String(), err)
	}
	if err := s.store.UseToken(ctx, t.Hash, s.nowUTC()); err != nil {
		if akte.Is(err, akte.KindConflict) {
			return fail("used", akte.E(op, akte.KindUsed, "Dieser Code wurde bereits verwendet.", nil))
		}
		return internal(op, err)
	}
	if !a.Confirmed() {
		now := s.nowUTC()
		a.ConfirmedAt = &now
		if err := s.store.UpdateAccount(ctx, a); err != nil {
			return internal(op, err)
		}
	}
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, Object: "account:" + string(a.ID), ActorID: string(a.ID), ActorRole: "patient", ClientAddr: cl.Addr})
	return nil
}

// checkCode finds the unused, unexpired token a mailed code stands for.
// Wrong guesses count against the newest token of that purpose; after
// CodeAttempts of them every code of that purpose is void until a new one is
// requested.
func (s *Service) checkCode(ctx context.Context, op string, id akte.AccountID, purpose akte.TokenPurpose, code string) (*akte.Token, error) {
	latest, err := s.store.LatestToken(ctx, id, purpose)
	if akte.Is(err, akte.KindNotFound) {
		return nil, akte.E(op, akte.KindInvalid, "Der Code ist falsch.", nil)
	}
	if err != nil {
		return nil, internal(op, err)
	}
	if latest.Attempts >= s.cfg.CodeAttempts {
		return nil, akte.E(op, akte.KindRateLimited, "Zu viele falsche Codes. Bitte fordern Sie einen neuen Code an.", nil)
	}
	t, err := s.store.Token(ctx, purpose, hashBytes(string(purpose), string(id), code))
	if akte.Is(err, akte.KindNotFound) || (err == nil && t.AccountID != id) {
		if _, err := s.store.CountTokenAttempt(ctx, latest.Hash); err != nil {
			return nil, internal(op, err)
		}
		return nil, akte.E(op, akte.KindInvalid, "Der Code ist falsch.", nil)
	}
	if err != nil {
		return nil, internal(op, err)
	}
	if t.UsedAt != nil {
		return nil, akte.E(op, akte.KindUsed, "Dieser Code wurde bereits verwendet.", nil)
	}
	if !s.nowUTC().Before(t.ExpiresAt) {
		return nil, akte.E(op, akte.KindExpired, "Der Code ist abgelaufen. Bitte fordern Sie einen neuen Code an.", nil)
	}
	return t, nil
}
