package service

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/akte/akte"
	"github.com/akte/akte/mail"
)

// Prelogin returns the client's Argon2id parameters for an e-mail address.
// For an unknown address it returns parameters derived from the server
// secret, stable per address, so the answer does not tell whether the
// address is registered. It is limited per client address.
func (s *Service) Prelogin(ctx context.Context, cl Client, email string) (akte.KDFParams, error) {
	const op = "account.prelogin"
	email, err := normalizeEmail(op, email)
	if err != nil {
		return akte.KDFParams{}, err
	}
	if _, err := s.take(ctx, op, counter{"prelogin:addr:" + cl.Addr, PerHour(s.cfg.PreloginPerAddr)}); err != nil {
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
// device. DeviceSecret is the secret the server gave the device at its
// last login or registration, if the client keeps one.
type LoginRequest struct {
	Email       string
	LoginSecret []byte
	TOTP        string
	// Passkey, if set, is the second factor instead of TOTP: the JSON of
	// the PublicKeyCredential navigator.credentials.get returned for a
	// challenge of BeginPasskeyLogin.
	Passkey      []byte
	DeviceID     akte.DeviceID
	DeviceName   string
	DeviceSecret string
	// DeviceKey is the Ed25519 public key of a client that will ask for
	// the session's escrowed key (Service.SessionKey); empty: it never
	// gets it.
	DeviceKey []byte
}

// LoginResult is a new session. Token is shown once; the server keeps only
// its hash. DeviceSecret is the device's new secret, which replaces the
// one it had.
type LoginResult struct {
	Token        string
	Session      *akte.Session
	Account      *akte.Account
	DeviceSecret string
	// RecordID is the account's own record ("" if it has none).
	RecordID akte.RecordID
}

// errLoginFailed is the one answer to a wrong password, a wrong or used
// TOTP code and an unknown address: a different answer for a wrong code
// would confirm a guessed password.
func errLoginFailed(op string) error {
	return akte.R(op, akte.KindUnauthenticated, "login_failed", nil, "")
}

func errAccountBlocked(op string) error {
	return akte.R(op, akte.KindBlocked, "account_blocked", nil, "")
}

// Login checks the login secret and TOTP code (or, instead of the code, a
// passkey assertion) and opens a session on a confirmed device. The attempt is counted before anything is checked: on
// the device's own counter if the request shows the device secret of a
// confirmed device of the account, else on the account's and the client
// address's (docs/decisions/0015-attempt-limits.md). Unknown e-mail, wrong
// secret and wrong or used code answer alike and cost the same time. Only
// after both factors are proven does the answer say that the account is
// blocked or unconfirmed. A device seen for the first time gets a
// confirmation link by mail and KindDeviceUnconfirmed.
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
	if len(r.DeviceSecret) > 128 {
		return nil, invalid(op, "device_secret_too_long", map[string]any{"max": 128})
	}
	if len(r.DeviceKey) != 0 && len(r.DeviceKey) != ed25519.PublicKeySize {
		return nil, invalid(op, "device_key_invalid", map[string]any{"bytes": ed25519.PublicKeySize})
	}
	a, err := s.store.AccountByEmail(ctx, email)
	if err != nil && !akte.Is(err, akte.KindNotFound) {
		return nil, internal(op, err)
	}
	d, err := s.trustedDevice(ctx, a, r.DeviceID, r.DeviceSecret)
	if err != nil {
		return nil, internal(op, err)
	}
	cs := s.secretCounters(a, email, cl.Addr)
	if d != nil {
		cs = []counter{{deviceKey(a.ID, d.ID), s.loginLimit()}}
	}
	n, err := s.take(ctx, op, cs...)
	if err != nil {
		return nil, err
	}
	var pa *passkeyAssertion
	if len(r.Passkey) > 0 {
		if pa, err = s.takeAssertion(ctx, r.Passkey); err != nil {
			s.release(ctx, keys(cs)...)
			return nil, internal(op, err)
		}
	}
	ev := akte.Event{Operation: op, ActorRole: "patient", DeviceID: r.DeviceID, ClientAddr: cl.Addr}
	// fail records a failed guess: the attempt stays counted.
	fail := func(code string, err error) (*LoginResult, error) {
		ev.Result, ev.Cause = akte.ResultDenied, code
		s.event(ctx, ev)
		if a != nil && n == s.cfg.FailureFree {
			s.mailFailureNotice(ctx, a, n)
		}
		return nil, err
	}
	// refuse answers a request whose factors were right but that cannot
	// log in: it was no guess, so its attempt is given back.
	refuse := func(code string, err error) (*LoginResult, error) {
		s.release(ctx, keys(cs)...)
		ev.Result, ev.Cause = akte.ResultDenied, code
		s.event(ctx, ev)
		return nil, err
	}
	hash := dummyHash
	if a != nil {
		hash = a.LoginHash
		ev.AccountID, ev.ActorID, ev.Object = a.ID, string(a.ID), "account:"+string(a.ID)
	}
	ok, err := s.verifySecret(ctx, hash, r.LoginSecret)
	if err != nil {
		s.release(ctx, keys(cs)...)
		return nil, internal(op, err)
	}
	if a == nil {
		return fail("unknown_account", errLoginFailed(op))
	}
	if !ok {
		return fail("wrong_password", errLoginFailed(op))
	}
	var counter int64
	var pk *akte.Passkey
	var signCount uint32
	if pa != nil {
		var cause string
		pk, signCount, cause, err = s.checkAssertion(ctx, a, pa)
		if err != nil {
			s.release(ctx, keys(cs)...)
			return nil, internal(op, err)
		}
		if cause != "" {
			return fail(cause, errLoginFailed(op))
		}
	} else {
		if counter, ok = s.checkTOTP(a, r.TOTP); !ok {
			return fail("wrong_totp", errLoginFailed(op))
		}
		if counter <= a.TOTPLastCounter {
			return fail("totp_reused", errLoginFailed(op))
		}
	}
	// Both factors are proven: from here on the answer may say more.
	if a.BlockedAt != nil {
		return refuse("account_blocked", errAccountBlocked(op))
	}
	if !a.Confirmed() {
		return refuse("email_unconfirmed", akte.R(op, akte.KindForbidden, "email_unconfirmed", nil, ""))
	}
	if d == nil {
		d, err = s.store.Device(ctx, a.ID, r.DeviceID)
		if akte.Is(err, akte.KindNotFound) {
			if err := s.newDevice(ctx, op, a, r.DeviceID, r.DeviceName); err != nil {
				return refuse("device_unconfirmed", err)
			}
			return refuse("device_unconfirmed", errDeviceUnconfirmed(op))
		}
		if err != nil {
			s.release(ctx, keys(cs)...)
			return nil, internal(op, err)
		}
	}
	switch {
	case d.BlockedAt != nil:
		return refuse("device_blocked", errDeviceBlocked(op))
	case d.ConfirmedAt == nil:
		if err := s.resendDeviceLink(ctx, op, a, d); err != nil {
			return refuse("device_unconfirmed", err)
		}
		return refuse("device_unconfirmed", errDeviceUnconfirmed(op))
	}
	if pk != nil {
		// The challenge was single use; the counter is kept for the next
		// clone check.
		if err := s.store.UsePasskey(ctx, a.ID, pk.ID, signCount, s.nowUTC()); err != nil {
			s.release(ctx, keys(cs)...)
			return nil, internal(op, err)
		}
		ev.Operation = "session.login_passkey"
	} else {
		advanced, err := s.store.AdvanceTOTP(ctx, a.ID, counter)
		if err != nil {
			s.release(ctx, keys(cs)...)
			return nil, internal(op, err)
		}
		if !advanced {
			return fail("totp_reused", errLoginFailed(op))
		}
	}
	res, err := s.openSession(ctx, cl, a, d, r.DeviceKey)
	if err != nil {
		s.release(ctx, keys(cs)...)
		return nil, internal(op, err)
	}
	// The account's (or device's) guesses are forgotten; the address's
	// count loses this attempt only.
	s.clear(ctx, cs[0].key)
	s.release(ctx, keys(cs[1:])...)
	ev.Object = "session:" + res.Session.ID
	s.event(ctx, ev)
	return res, nil
}

func keys(cs []counter) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.key
	}
	return out
}

// trustedDevice returns the device of the account that the request names
// if it is confirmed, not blocked and the secret is its device secret; nil
// otherwise. An unknown address costs the same lookup.
func (s *Service) trustedDevice(ctx context.Context, a *akte.Account, id akte.DeviceID, secret string) (*akte.Device, error) {
	if secret == "" {
		return nil, nil
	}
	var account akte.AccountID
	if a != nil {
		account = a.ID
	}
	d, err := s.store.Device(ctx, account, id)
	switch {
	case akte.Is(err, akte.KindNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case d.ConfirmedAt == nil || d.BlockedAt != nil || len(d.SecretHash) == 0 ||
		subtle.ConstantTimeCompare(d.SecretHash, tokenHash(secret)) != 1:
		return nil, nil
	}
	return d, nil
}

func errDeviceUnconfirmed(op string) error {
	return akte.R(op, akte.KindDeviceUnconfirmed, "device_unconfirmed", nil, "")
}

func errDeviceBlocked(op string) error {
	return akte.R(op, akte.KindBlocked, "device_blocked", nil, "")
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

func (s *Service) openSession(ctx context.Context, cl Client, a *akte.Account, d *akte.Device, deviceKey []byte) (*LoginResult, error) {
	now := s.nowUTC()
	token := randomToken(32)
	ses := &akte.Session{
		ID: randomToken(10), TokenHash: tokenHash(token), AccountID: a.ID, DeviceID: d.ID,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionMax),
		ClientAddr: cl.Addr, UserAgent: truncate(cl.UserAgent, 200), ClientKey: randomBytes(32),
		DeviceKey: deviceKey,
	}
	if err := s.store.CreateSession(ctx, ses); err != nil {
		return nil, err
	}
	s.noteAccess(ctx, a.ID, now)
	// A new device secret at every login: a copy taken from the device
	// earlier stops counting as the device once its owner logs in.
	secret := randomToken(32)
	d.LastSeenAt, d.SecretHash = now, tokenHash(secret)
	if err := s.store.UpdateDevice(ctx, d); err != nil {
		s.log.Error("update device", "err", err)
		secret = ""
	}
	res := &LoginResult{Token: token, Session: ses, Account: a, DeviceSecret: secret}
	switch rec, err := s.store.Record(ctx, a.ID); {
	case err == nil:
		res.RecordID = rec.ID
	case !akte.Is(err, akte.KindNotFound):
		return nil, err
	}
	return res, nil
}

func (s *Service) mailFailureNotice(ctx context.Context, a *akte.Account, n int) {
	s.mail(ctx, "session.login", a, mail.LoginFailures{Attempts: n})
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
