package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/akte/akte"
	"github.com/akte/akte/mail"
)

// Prelogin returns the client's Argon2id parameters for an e-mail address.
// For an unknown address it returns parameters derived from the server
// secret, stable per address, so the answer does not tell whether the
// address is registered.
func (s *Service) Prelogin(ctx context.Context, email string) (akte.KDFParams, error) {
	const op = "account.prelogin"
	email, err := normalizeEmail(op, email)
	if err != nil {
		return akte.KDFParams{}, err
	}
	a, err := s.store.AccountByEmail(ctx, email)
	if err == nil {
		return a.KDF, nil
	}
	if !akte.Is(err, akte.KindNotFound) {
		return akte.KDFParams{}, internal(op, err)
	}
	return s.fakeKDF(email), nil
}

func (s *Service) fakeKDF(email string) akte.KDFParams {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("akte fake kdf salt\x00" + email))
	return akte.KDFParams{Alg: "argon2id", Salt: m.Sum(nil)[:16], Memory: s.cfg.ClientKDFMemory, Time: s.cfg.ClientKDFTime, Threads: s.cfg.ClientKDFThreads}
}

// LoginRequest is a login with the login secret and a TOTP code from a
// device.
type LoginRequest struct {
	Email       string
	LoginSecret []byte
	TOTP        string
	DeviceID    akte.DeviceID
	DeviceName  string
}

// LoginResult is a new session. Token is shown once; the server keeps only
// its hash.
type LoginResult struct {
	Token   string
	Session *akte.Session
	Account *akte.Account
}

// Throttling keys.
func accountKey(id akte.AccountID) string { return "account:" + string(id) }
func addrKey(addr string) string          { return "addr:" + addr }
func emailKey(email string) string {
	return fmt.Sprintf("email:%x", hashBytes("akte throttle", email)[:16])
}

// throttled answers KindRateLimited while a key is in its back-off: after
// FailureFree failures each further attempt must wait 2, 4, 8, ... seconds
// (at most MaxDelay) after the previous failure.
func (s *Service) throttled(ctx context.Context, op, key string, free int) error {
	now := s.nowUTC()
	n, last, err := s.store.Failures(ctx, key, now.Add(-s.cfg.FailureWindow))
	if err != nil {
		return internal(op, err)
	}
	if n < free {
		return nil
	}
	delay := s.cfg.MaxDelay
	if shift := n - free + 1; shift < 20 {
		delay = min(time.Duration(1<<shift)*time.Second, s.cfg.MaxDelay)
	}
	if wait := last.Add(delay).Sub(now); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		return &akte.Error{Op: op, Kind: akte.KindRateLimited,
			Message: fmt.Sprintf("Zu viele Fehlversuche. Bitte warten Sie %d Sekunden und versuchen Sie es dann erneut.", secs),
			Err:     RetryAfter(wait)}
	}
	return nil
}

// RetryAfter is attached to rate-limit errors so the API can set the
// Retry-After header.
type RetryAfter time.Duration

func (r RetryAfter) Error() string { return fmt.Sprintf("retry after %s", time.Duration(r)) }

// failure records a failed attempt under the keys and returns the number of
// failures now counted for the first key.
func (s *Service) failure(ctx context.Context, keys ...string) int {
	now := s.nowUTC()
	n := 0
	for i, k := range keys {
		if err := s.store.AddFailure(ctx, k, now); err != nil {
			s.log.Error("record failure", "err", err)
			continue
		}
		if i == 0 {
			n, _, _ = s.store.Failures(ctx, k, now.Add(-s.cfg.FailureWindow))
		}
	}
	return n
}

// Login checks the login secret and TOTP code and opens a session on a
// confirmed device. Unknown e-mail and wrong secret answer alike and cost the
// same time. A device seen for the first time gets a confirmation link by
// mail and KindDeviceUnconfirmed.
func (s *Service) Login(ctx context.Context, cl Client, r LoginRequest) (*LoginResult, error) {
	const op = "session.login"
	email, err := normalizeEmail(op, r.Email)
	if err != nil {
		return nil, err
	}
	if err := validateSecret(op, "login_secret", r.LoginSecret); err != nil {
		return nil, err
	}
	if err := validateDevice(op, r.DeviceID, r.DeviceName); err != nil {
		return nil, err
	}
	a, err := s.store.AccountByEmail(ctx, email)
	if err != nil && !akte.Is(err, akte.KindNotFound) {
		return nil, internal(op, err)
	}
	key := emailKey(email)
	if a != nil {
		key = accountKey(a.ID)
	}
	if err := s.throttled(ctx, op, key, s.cfg.FailureFree); err != nil {
		return nil, err
	}
	if err := s.throttled(ctx, op, addrKey(cl.Addr), s.cfg.FailureFree); err != nil {
		return nil, err
	}
	ev := akte.Event{Operation: op, ActorRole: "patient", DeviceID: r.DeviceID, ClientAddr: cl.Addr}
	fail := func(code string, err error) (*LoginResult, error) {
		n := s.failure(ctx, key, addrKey(cl.Addr))
		ev.Result, ev.Code = akte.ResultFailed, code
		s.event(ctx, ev)
		if a != nil && n == s.cfg.FailureFree {
			s.mailFailureNotice(ctx, a, n)
		}
		return nil, err
	}
	badCredentials := akte.E(op, akte.KindUnauthenticated, "E-Mail-Adresse oder Passwort ist falsch.", nil)
	hash := dummyHash
	if a != nil {
		hash = a.LoginHash
		ev.AccountID, ev.ActorID, ev.Object = a.ID, string(a.ID), "account:"+string(a.ID)
	}
	ok, err := s.verifySecret(ctx, hash, r.LoginSecret)
	if err != nil {
		return nil, internal(op, err)
	}
	if a == nil {
		return fail("unknown_account", badCredentials)
	}
	if !ok {
		return fail("wrong_password", badCredentials)
	}
	if a.BlockedAt != nil {
		return fail("account_blocked", akte.E(op, akte.KindBlocked, "Dieses Konto ist gesperrt. Bitte wenden Sie sich an den Betreiber.", nil))
	}
	if !a.Confirmed() {
		return fail("email_unconfirmed", akte.E(op, akte.KindForbidden, "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse mit dem zugesandten Code.", nil))
	}
	counter, ok := s.checkTOTP(a, r.TOTP)
	if !ok {
		return fail("wrong_totp", akte.E(op, akte.KindUnauthenticated, "Der Code aus der Authenticator-App ist falsch.", nil))
	}
	if counter <= a.TOTPLastCounter {
		return fail("totp_reused", akte.E(op, akte.KindUnauthenticated, "Dieser Code aus der Authenticator-App wurde bereits verwendet. Bitte warten Sie auf den nächsten.", nil))
	}
	d, err := s.store.Device(ctx, a.ID, r.DeviceID)
	switch {
	case akte.Is(err, akte.KindNotFound):
		if err := s.newDevice(ctx, a, r.DeviceID, r.DeviceName); err != nil {
			return nil, internal(op, err)
		}
		ev.Result, ev.Code = akte.ResultFailed, "device_unconfirmed"
		s.event(ctx, ev)
		return nil, errDeviceUnconfirmed(op)
	case err != nil:
		return nil, internal(op, err)
	case d.BlockedAt != nil:
		return fail("device_blocked", akte.E(op, akte.KindBlocked, "Dieses Gerät ist gesperrt.", nil))
	case d.ConfirmedAt == nil:
		if err := s.resendDeviceLink(ctx, a, d); err != nil {
			return nil, internal(op, err)
		}
		ev.Result, ev.Code = akte.ResultFailed, "device_unconfirmed"
		s.event(ctx, ev)
		return nil, errDeviceUnconfirmed(op)
	}
	advanced, err := s.store.AdvanceTOTP(ctx, a.ID, counter)
	if err != nil {
		return nil, internal(op, err)
	}
	if !advanced {
		return fail("totp_reused", akte.E(op, akte.KindUnauthenticated, "Dieser Code aus der Authenticator-App wurde bereits verwendet. Bitte warten Sie auf den nächsten.", nil))
	}
	res, err := s.openSession(ctx, cl, a, d)
	if err != nil {
		return nil, internal(op, err)
	}
	if err := s.store.ClearFailures(ctx, key); err != nil {
		s.log.Error("clear failures", "err", err)
	}
	ev.Object = "session:" + res.Session.ID
	s.event(ctx, ev)
	return res, nil
}

func errDeviceUnconfirmed(op string) error {
	return akte.E(op, akte.KindDeviceUnconfirmed, "Anmeldung von einem neuen Gerät: Wir haben Ihnen einen Bestätigungslink per E-Mail geschickt. Öffnen Sie ihn und melden Sie sich dann erneut an.", nil)
}

// checkTOTP accepts the code of the current 30-second step and of one step
// either side (clock skew) and returns the step it matched.
func (s *Service) checkTOTP(a *akte.Account, code string) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	step := s.nowUTC().Unix() / 30
	opts := hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for _, c := range []int64{step - 1, step, step + 1} {
		want, err := hotp.GenerateCodeCustom(a.TOTPSecret, uint64(c), opts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return c, true
		}
	}
	return 0, false
}

func (s *Service) openSession(ctx context.Context, cl Client, a *akte.Account, d *akte.Device) (*LoginResult, error) {
	now := s.nowUTC()
	token := randomToken(32)
	ses := &akte.Session{
		ID: randomToken(10), TokenHash: tokenHash(token), AccountID: a.ID, DeviceID: d.ID,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionMax),
		ClientAddr: cl.Addr, UserAgent: truncate(cl.UserAgent, 200), ClientKey: randomBytes(32),
	}
	if err := s.store.CreateSession(ctx, ses); err != nil {
		return nil, err
	}
	d.LastSeenAt = now
	if err := s.store.UpdateDevice(ctx, d); err != nil {
		s.log.Error("update device", "err", err)
	}
	return &LoginResult{Token: token, Session: ses, Account: a}, nil
}

func (s *Service) mailFailureNotice(ctx context.Context, a *akte.Account, n int) {
	err := s.mailer.Send(ctx, mail.Message{
		To:      a.Email,
		Subject: "Akte: Fehlgeschlagene Anmeldeversuche / Failed login attempts",
		Text: fmt.Sprintf("Guten Tag,\n\nfür Ihr Konto gab es gerade %d fehlgeschlagene Anmeldeversuche. "+
			"Weitere Versuche werden nun verzögert.\nWaren Sie das nicht, ändern Sie Ihr Passwort und prüfen Sie Ihre Geräte.\n\n"+
			"---\nThere were %d failed login attempts on your account; further attempts are delayed.\n"+
			"If this was not you, change your password and check your devices.\n", n, n),
	})
	if err != nil {
		s.log.Error("mail failure notice", "err", err)
	}
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
