package service

import (
	"context"
	"crypto/rand"
	"errors"
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
	// Lang is the account's language ("de", "en"; "" for German): its
	// mails' and the web app's.
	Lang string
	// Consents answer the required texts (processing, privacy, terms)
	// at their current versions, as shown; Via is the client's kind
	// (decision 0044).
	Consents []ConsentAnswer
	Via      akte.ConsentVia
}

// RegisterResult is returned once; the TOTP secret is not shown again.
// DeviceSecret is the registering device's secret (see LoginRequest).
type RegisterResult struct {
	AccountID    akte.AccountID
	TOTPSecret   string
	TOTPURI      string
	DeviceSecret string
}

// Register creates an unconfirmed account and mails the confirmation code.
// The registering device is confirmed with the account. A registration is
// counted per client address, per server and as a mail to the address
// before anything is done. An address that is taken gets the same answer
// (with a TOTP secret and ids that lead nowhere) after the same work, and
// its holder a notice: the answer tells nobody whether it is registered.
// The KVNR is not checked here: only confirmed accounts hold one
// (ConfirmEmail), so registering cannot test whether a KVNR is taken.
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
	if r.Lang, err = validateLang(op, r.Lang); err != nil {
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
	if err := validVia(op, r.Via); err != nil {
		return nil, err
	}
	texts, err := s.checkRegistrationConsents(op, r.Consents)
	if err != nil {
		return nil, err
	}
	rec := *r.Record
	return s.enrol(ctx, cl, op, "patient", enrolment{Email: r.Email, KVNR: r.KVNR, BirthDate: r.BirthDate, Lang: r.Lang, KDF: r.KDF,
		LoginSecret: r.LoginSecret, RecoveryVerifier: r.RecoveryVerifier, Keys: r.Keys, DeviceID: r.DeviceID, DeviceName: r.DeviceName,
		Consents: texts, Via: r.Via},
		func(a *akte.Account) error {
			rec.AccountID, rec.Quota, rec.CreatedAt = a.ID, 0, a.CreatedAt
			return s.store.CreateAccount(ctx, a, &rec)
		})
}

// enrolment is what every registration stores of its account, validated.
type enrolment struct {
	Email, KVNR, BirthDate, Lang  string
	KDF                           akte.KDFParams
	LoginSecret, RecoveryVerifier []byte
	Keys                          akte.KeyBundle
	DeviceID                      akte.DeviceID
	DeviceName                    string
	// Consents are the texts agreed to with the registration (none for
	// a provider), recorded via Via.
	Consents []akte.ConsentText
	Via      akte.ConsentVia
}

// enrol is the work of a registration after its request was validated,
// the same for patients and providers (role names the new account's
// actor in its first event): the counters, the TOTP secret, the account
// stored by insert (with the account's record or provider entry, in one
// transaction), its device, its event and the confirmation code; or, for
// a taken address, the same answer and the holder's notice.
func (s *Service) enrol(ctx context.Context, cl Client, op, role string, r enrolment, insert func(*akte.Account) error) (*RegisterResult, error) {
	now := s.nowUTC()
	// One mail goes to the address either way: the code or the notice.
	if _, err := s.take(ctx, op,
		counter{"register:addr:" + cl.Addr, PerHour(s.cfg.RegisterPerAddr)},
		counter{"register:server", PerHour(s.cfg.RegisterPerServer)},
		s.mailCounter(r.Email)); err != nil {
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
		ID: akte.AccountID(randomToken(15)), Email: r.Email, KVNR: r.KVNR, BirthDate: r.BirthDate, Lang: r.Lang,
		KDF: r.KDF, LoginHash: hash, RecoveryHash: fastHash(r.RecoveryVerifier), Keys: r.Keys,
		TOTPSecret: key.Secret(), CreatedAt: now, PasswordChanged: now,
	}
	deviceSecret := randomToken(32)
	res := &RegisterResult{AccountID: a.ID, TOTPSecret: key.Secret(), TOTPURI: s.totpURI(r.Email, key.Secret()), DeviceSecret: deviceSecret}
	holder, err := s.createAccount(ctx, a, func() error { return insert(a) })
	if err != nil {
		return nil, recordErr(op, err)
	}
	if holder != nil {
		// Two events, as the new account's path writes its device and
		// an event: the same work.
		s.event(ctx, akte.Event{Operation: op, ActorRole: "anonymous", ClientAddr: cl.Addr, Result: akte.ResultDenied, Cause: "email_taken"})
		s.event(ctx, akte.Event{AccountID: holder.ID, Operation: "account.register_attempt", Object: "account:" + string(holder.ID),
			ActorRole: "anonymous", ClientAddr: cl.Addr, Result: akte.ResultDenied, Cause: "email_taken"})
		// In both languages: the request's language need not be the
		// holder's, and choosing the holder's would tell the stranger
		// nothing but would make the notice depend on the request.
		s.send(ctx, r.Email, "", mail.EmailTaken{})
		return res, nil
	}
	// The account is stored whole (with its record or provider entry).
	// From here on a failure removes it again; should the process die
	// before, what remains is a whole but unconfirmed account: the user
	// asks for a new code, or the job deletes it after 4 weeks.
	undo := func(err error) (*RegisterResult, error) {
		if derr := s.store.DeleteAccount(context.WithoutCancel(ctx), a.ID); derr != nil {
			s.log.Error("undo registration", "account", a.ID, "err", derr)
		}
		if derr := s.store.EndConsents(context.WithoutCancel(ctx), a.ID, now); derr != nil {
			s.log.Error("undo registration", "account", a.ID, "err", derr)
		}
		return nil, internal(op, err)
	}
	d := &akte.Device{AccountID: a.ID, ID: r.DeviceID, Name: r.DeviceName, CreatedAt: now, ConfirmedAt: &now, LastSeenAt: now,
		SecretHash: tokenHash(deviceSecret)}
	if err := s.store.CreateDevice(ctx, d); err != nil {
		return undo(err)
	}
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, Object: "account:" + string(a.ID), ActorID: string(a.ID), ActorRole: role, DeviceID: d.ID, ClientAddr: cl.Addr})
	for _, t := range r.Consents {
		if _, err := s.record(ctx, a.ID, t, akte.ConsentGiven, r.Via, string(a.ID), role, d.ID, cl.Addr); err != nil {
			return undo(err)
		}
	}
	s.later(ctx, func(ctx context.Context) { s.sendEmailCode(ctx, a) })
	return res, nil
}

// createAccount stores a new account with insert, or returns the
// account that holds the address. An account holding it that was never
// confirmed and is older than its first code (an abandoned registration,
// or one made by somebody who cannot read the address's mail) is replaced:
// nobody can squat an address.
func (s *Service) createAccount(ctx context.Context, a *akte.Account, insert func() error) (*akte.Account, error) {
	for range 2 {
		err := insert()
		if r, _ := akte.ReasonOf(err); !akte.Is(err, akte.KindConflict) || r != "" {
			return nil, err // also record_id_taken: the address is free
		}
		old, err := s.store.AccountByEmail(ctx, a.Email)
		if akte.Is(err, akte.KindNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		if old.Confirmed() || s.nowUTC().Before(old.CreatedAt.Add(s.cfg.EmailCodeTTL)) {
			return old, nil
		}
		if err := s.eraseEncryptedData(ctx, old); err != nil {
			return nil, err
		}
		if err := s.store.DeleteAccount(ctx, old.ID); err != nil && !akte.Is(err, akte.KindNotFound) {
			return nil, err
		}
		s.event(ctx, akte.Event{AccountID: old.ID, Operation: "account.delete_unconfirmed", Object: "account:" + string(old.ID),
			ActorID: "system", ActorRole: "system", Cause: "replaced"})
	}
	return nil, errors.New("address taken and freed again twice during one registration")
}

// newCode returns an 8-digit numeric code.
func newCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(100_000_000))
	return fmt.Sprintf("%08d", n.Int64())
}

// issueCode stores a new code of the purpose for the account, which voids
// the older ones, and mails it. It runs after the answer (later), so that
// the answer does not tell that a code was issued; a failure is logged and
// the user asks again.
func (s *Service) issueCode(ctx context.Context, a *akte.Account, purpose akte.TokenPurpose, ttl time.Duration, message func(code string) mail.Template) {
	now := s.nowUTC()
	code := newCode()
	t := &akte.Token{Hash: hashBytes(string(purpose), string(a.ID), code), Purpose: purpose,
		AccountID: a.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err := s.store.CreateToken(ctx, t)
	if err == nil {
		var m mail.Message
		if m, err = mail.Compose(a.Email, langOf(a), message(code)); err == nil {
			err = s.mailer.Send(ctx, m)
		}
	}
	if err != nil {
		s.log.Error("issue code", "purpose", purpose, "err", err)
	}
}

func (s *Service) sendEmailCode(ctx context.Context, a *akte.Account) {
	mins := int(s.cfg.EmailCodeTTL / time.Minute)
	s.issueCode(ctx, a, akte.TokenEmailConfirm, s.cfg.EmailCodeTTL, func(code string) mail.Template {
		return mail.EmailCode{Code: code, Minutes: mins}
	})
}

// ResendCode mails a new confirmation code, which voids the older ones
// and gets fresh attempts. An unknown or confirmed address gets the same
// answer after the same work and no mail.
func (s *Service) ResendCode(ctx context.Context, cl Client, email string) error {
	const op = "account.resend_code"
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
	s.clear(ctx, s.codeCounter(akte.TokenEmailConfirm, email).key)
	ev := akte.Event{Operation: op, ActorRole: "anonymous", ClientAddr: cl.Addr}
	if a == nil || a.Confirmed() {
		ev.Result, ev.Cause = akte.ResultDenied, "nothing_to_confirm"
		if a != nil {
			ev.AccountID = a.ID
		}
		s.event(ctx, ev)
		return nil
	}
	ev.AccountID = a.ID
	s.event(ctx, ev)
	s.later(ctx, func(ctx context.Context) { s.sendEmailCode(ctx, a) })
	return nil
}

// ConfirmEmail checks a mailed code and confirms the account's address.
// The attempt is counted first, per client address and on the purpose's
// code counter: after CodeAttempts guesses no code of the purpose is
// checked until a new one is issued. The confirmation is refused if
// another confirmed account holds the KVNR (the first to confirm holds it;
// an operator can release it, see AdminReleaseKVNR).
func (s *Service) ConfirmEmail(ctx context.Context, cl Client, email, code string) error {
	const op = "account.confirm"
	email, err := normalizeEmail(op, email)
	if err != nil {
		return err
	}
	if len(code) != 8 {
		return invalid(op, "code_format", map[string]any{"digits": 8})
	}
	cc := s.codeCounter(akte.TokenEmailConfirm, email)
	if _, err := s.take(ctx, op, s.anonCounter(op, cl.Addr), cc); err != nil {
		return err
	}
	ev := akte.Event{Operation: op, ActorRole: "anonymous", ClientAddr: cl.Addr}
	fail := func(err error) error {
		ev.Result, ev.Cause = akte.ResultDenied, reasonOf(err)
		s.event(ctx, ev)
		return err
	}
	a, t, err := s.checkCode(ctx, op, akte.TokenEmailConfirm, email, code, akte.R(op, akte.KindInvalid, "code_wrong", nil, ""))
	if a != nil {
		ev.AccountID = a.ID
	}
	if err != nil {
		return fail(err)
	}
	if err := s.useToken(ctx, op, t); err != nil {
		return fail(err)
	}
	if !a.Confirmed() {
		now := s.nowUTC()
		a.ConfirmedAt = &now
		err := s.store.UpdateAccount(ctx, a)
		if r, _ := akte.ReasonOf(err); r == "" && akte.Is(err, akte.KindConflict) {
			return fail(akte.R(op, akte.KindConflict, "kvnr_taken", nil, ""))
		} else if r == "account_changed" {
			return fail(akte.R(op, akte.KindConflict, r, nil, ""))
		} else if err != nil {
			return internal(op, err)
		}
	}
	s.clear(ctx, cc.key)
	ev.Object, ev.ActorID, ev.ActorRole = "account:"+string(a.ID), string(a.ID), "patient"
	s.event(ctx, ev)
	return nil
}

// checkCode finds the live code of a purpose for an address (a newer code
// voided the older ones). An unknown address and a wrong or voided code
// answer wrong alike, after the same lookups; a used or expired code says
// so (only the mailbox's holder knows it). The caller counted the attempt.
// The account is returned whenever the address has one.
func (s *Service) checkCode(ctx context.Context, op string, purpose akte.TokenPurpose, email, code string, wrong error) (*akte.Account, *akte.Token, error) {
	a, err := s.store.AccountByEmail(ctx, email)
	if err != nil && !akte.Is(err, akte.KindNotFound) {
		return nil, nil, internal(op, err)
	}
	var id akte.AccountID
	if a != nil {
		id = a.ID
	}
	t, err := s.store.Token(ctx, purpose, hashBytes(string(purpose), string(id), code))
	if akte.Is(err, akte.KindNotFound) || (err == nil && (a == nil || t.AccountID != id)) {
		return a, nil, wrong
	}
	if err != nil {
		return a, nil, internal(op, err)
	}
	if t.UsedAt != nil {
		return a, nil, errCodeUsed(op)
	}
	if !s.nowUTC().Before(t.ExpiresAt) {
		return a, nil, akte.R(op, akte.KindExpired, "code_expired", nil, "")
	}
	return a, t, nil
}

func errCodeUsed(op string) error {
	return akte.R(op, akte.KindUsed, "code_used", nil, "")
}

// useToken marks a checked code used; of two concurrent uses one wins.
func (s *Service) useToken(ctx context.Context, op string, t *akte.Token) error {
	err := s.store.UseToken(ctx, t.Hash, s.nowUTC())
	if akte.Is(err, akte.KindConflict) {
		return errCodeUsed(op)
	}
	if err != nil {
		return internal(op, err)
	}
	return nil
}

// reasonOf is the reason code of an error for an event.
func reasonOf(err error) string {
	if r, _ := akte.ReasonOf(err); r != "" {
		return r
	}
	return akte.KindOf(err).String()
}

// SetLang sets the caller's language: the mails' and the web app's.
func (s *Service) SetLang(ctx context.Context, p *Principal, lang string) error {
	const op = "account.change"
	if lang != "de" && lang != "en" {
		return invalid(op, "lang_invalid", nil)
	}
	if err := s.store.SetAccountLang(ctx, p.Account.ID, lang); err != nil {
		return internal(op, err)
	}
	p.Account.Lang = lang
	s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "account:" + string(p.Account.ID), ActorID: string(p.Account.ID),
		ActorRole: "patient", DeviceID: p.Session.DeviceID, Cause: lang})
	return nil
}
