package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/akte/akte"
	"github.com/akte/akte/mail"
)

// Passkeys (WebAuthn credentials) are a second factor beside the TOTP app
// (docs/decisions/0030-passkeys.md): a login proves the password exactly
// as before and then either a TOTP code or a passkey assertion.

const (
	// PasskeyChallengeTTL is how long an issued challenge can be answered
	// (the ceremony's timeout in the browser is the same).
	PasskeyChallengeTTL = 5 * time.Minute
	// MaxPasskeys is how many passkeys one account may hold.
	MaxPasskeys = 10

	challengeRegister = "register"
	challengeLogin    = "login"
)

// userVerification: the password is the first factor, so presence on the
// authenticator suffices; a PIN or fingerprint is welcome, not required.
const userVerification = protocol.VerificationPreferred

// newRelyingParty configures WebAuthn for the server's public URL: the
// RP ID is its host name and the only origin it accepts is its origin.
// A loopback address (the development default, http://127.0.0.1:8080) is
// no valid RP ID, so there passkeys work on http://localhost with the same
// port, which browsers treat as a secure context. Any other IP address
// cannot hold passkeys.
func newRelyingParty(baseURL, name string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("passkeys: base URL %q has no host", baseURL)
	}
	host := strings.ToLower(u.Hostname())
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.IsLoopback() {
			return nil, fmt.Errorf("passkeys need a domain name in the base URL, not the address %s", host)
		}
		host = "localhost"
	}
	origin := u.Scheme + "://" + host
	if p := u.Port(); p != "" && !(u.Scheme == "https" && p == "443") && !(u.Scheme == "http" && p == "80") {
		origin += ":" + p
	}
	return webauthn.New(&webauthn.Config{RPID: host, RPDisplayName: name, RPOrigins: []string{origin}})
}

// passkeyUser is an account as the WebAuthn library sees it. Its user
// handle is the account id: random, and no personal data.
type passkeyUser struct {
	a     *akte.Account
	creds []webauthn.Credential
}

func (u passkeyUser) WebAuthnID() []byte                         { return []byte(u.a.ID) }
func (u passkeyUser) WebAuthnName() string                       { return u.a.Email }
func (u passkeyUser) WebAuthnDisplayName() string                { return u.a.Email }
func (u passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// passkeyUserOf loads the account's passkeys with their credentials.
func (s *Service) passkeyUserOf(ctx context.Context, a *akte.Account) (passkeyUser, []*akte.Passkey, error) {
	pks, err := s.store.Passkeys(ctx, a.ID)
	if err != nil {
		return passkeyUser{}, nil, err
	}
	u := passkeyUser{a: a}
	for _, pk := range pks {
		var c webauthn.Credential
		if err := json.Unmarshal(pk.Credential, &c); err != nil {
			return passkeyUser{}, nil, fmt.Errorf("passkey %s: %w", pk.ID, err)
		}
		c.Authenticator.SignCount = pk.SignCount
		u.creds = append(u.creds, c)
	}
	return u, pks, nil
}

func (s *Service) passkeysOn(op string) error {
	if s.wa == nil {
		return akte.R(op, akte.KindUnavailable, "passkeys_unavailable", nil, "")
	}
	return nil
}

// issueChallenge stores a ceremony's challenge (its hash) for
// PasskeyChallengeTTL.
func (s *Service) issueChallenge(ctx context.Context, purpose string, account akte.AccountID, challenge string) error {
	now := s.nowUTC()
	return s.store.CreatePasskeyChallenge(ctx, &akte.PasskeyChallenge{
		Hash: challengeHash(challenge), Purpose: purpose, AccountID: account, CreatedAt: now, ExpiresAt: now.Add(PasskeyChallengeTTL),
	})
}

// useChallenge takes the challenge an answer names: once, before it
// expires, for the purpose (and account) it was issued for. False for
// anything else.
func (s *Service) useChallenge(ctx context.Context, purpose string, account akte.AccountID, challenge string) (bool, error) {
	c, err := s.store.TakePasskeyChallenge(ctx, purpose, challengeHash(challenge))
	switch {
	case akte.Is(err, akte.KindNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return c.AccountID == account && s.nowUTC().Before(c.ExpiresAt), nil
}

func challengeHash(challenge string) []byte {
	h := sha256.Sum256([]byte("akte passkey challenge\x00" + challenge))
	return h[:]
}

func validatePasskeyName(op, name string) error {
	n := utf8.RuneCountInString(name)
	if n < 1 || n > 64 || !utf8.ValidString(name) || strings.TrimSpace(name) == "" || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return invalid(op, "passkey_name_invalid", map[string]any{"min": 1, "max": 64})
	}
	return nil
}

// BeginPasskeyRegistration starts adding a passkey: the owner proves the
// password and a code of the authenticator app, as for changing the app,
// and gets the options for navigator.credentials.create (JSON: {"publicKey":
// …}) with a challenge that AddPasskey accepts once within
// PasskeyChallengeTTL. The passkey must be discoverable (resident), so
// that a login needs no list of the account's credentials.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, p *Principal, loginSecret []byte, code string) ([]byte, error) {
	const op = "account.passkey_add"
	if err := s.passkeysOn(op); err != nil {
		return nil, err
	}
	if err := validateSecret(op, "login_secret", loginSecret); err != nil {
		return nil, err
	}
	a := p.Account
	u, _, err := s.passkeyUserOf(ctx, a)
	if err != nil {
		return nil, internal(op, err)
	}
	if len(u.creds) >= MaxPasskeys {
		return nil, invalid(op, "passkeys_too_many", map[string]any{"max": MaxPasskeys})
	}
	if err := s.proveSecondFactor(ctx, op, a, p.Session.DeviceID, loginSecret, code); err != nil {
		return nil, err
	}
	exclude := make([]protocol.CredentialDescriptor, len(u.creds))
	for i, c := range u.creds {
		exclude[i] = c.Descriptor()
	}
	creation, sd, err := s.wa.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: userVerification,
		}),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
		webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, internal(op, err)
	}
	if err := s.issueChallenge(ctx, challengeRegister, a.ID, sd.Challenge); err != nil {
		return nil, internal(op, err)
	}
	out, err := json.Marshal(creation)
	if err != nil {
		return nil, internal(op, err)
	}
	return out, nil
}

// AddPasskey finishes adding a passkey: response is the JSON of the
// PublicKeyCredential navigator.credentials.create returned for a
// challenge of BeginPasskeyRegistration of the same account. Any
// attestation is accepted (the server asks for none): the passkey proves
// that whoever logs in holds it, not which device it lives on. A notice
// is mailed.
func (s *Service) AddPasskey(ctx context.Context, p *Principal, name string, response []byte) (*akte.Passkey, error) {
	const op = "account.passkey_add"
	if err := s.passkeysOn(op); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if err := validatePasskeyName(op, name); err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "passkey_invalid", Err: err}
	}
	a := p.Account
	challenge := parsed.Response.CollectedClientData.Challenge
	ok, err := s.useChallenge(ctx, challengeRegister, a.ID, challenge)
	if err != nil {
		return nil, internal(op, err)
	}
	if !ok {
		return nil, invalid(op, "passkey_challenge_invalid", nil)
	}
	u, pks, err := s.passkeyUserOf(ctx, a)
	if err != nil {
		return nil, internal(op, err)
	}
	if len(pks) >= MaxPasskeys {
		return nil, invalid(op, "passkeys_too_many", map[string]any{"max": MaxPasskeys})
	}
	cred, err := s.wa.CreateCredential(u, webauthn.SessionData{
		Challenge: challenge, RelyingPartyID: s.wa.Config.RPID, UserID: u.WebAuthnID(),
		UserVerification: userVerification, CredParams: webauthn.CredentialParametersDefault(),
	}, parsed)
	if err != nil {
		return nil, &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "passkey_invalid", Err: err}
	}
	blob, err := json.Marshal(cred)
	if err != nil {
		return nil, internal(op, err)
	}
	pk := &akte.Passkey{ID: randomToken(10), AccountID: a.ID, CredentialID: cred.ID, Name: name, Credential: blob,
		SignCount: cred.Authenticator.SignCount, CreatedAt: s.nowUTC()}
	switch err := s.store.CreatePasskey(ctx, pk); {
	case akte.Is(err, akte.KindConflict):
		return nil, invalid(op, "passkey_exists", nil)
	case err != nil:
		return nil, internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, Object: "passkey:" + pk.ID, ActorID: string(a.ID), ActorRole: "patient", DeviceID: p.Session.DeviceID})
	s.mail(ctx, op, a, mail.PasskeyAdded{Passkey: name})
	return pk, nil
}

// Passkeys lists the owner's passkeys.
func (s *Service) Passkeys(ctx context.Context, p *Principal) ([]*akte.Passkey, error) {
	pks, err := s.store.Passkeys(ctx, p.Account.ID)
	if err != nil {
		return nil, internal("account.passkeys", err)
	}
	return pks, nil
}

// RemovePasskey removes one of the owner's passkeys; the last one too,
// since the authenticator app remains.
func (s *Service) RemovePasskey(ctx context.Context, p *Principal, id string) error {
	const op = "account.passkey_remove"
	a := p.Account
	switch err := s.store.DeletePasskey(ctx, a.ID, id); {
	case akte.Is(err, akte.KindNotFound):
		return akte.R(op, akte.KindNotFound, "passkey_not_found", nil, "")
	case err != nil:
		return internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, Object: "passkey:" + id, ActorID: string(a.ID), ActorRole: "patient", DeviceID: p.Session.DeviceID})
	return nil
}

// BeginPasskeyLogin issues a login challenge: the options for
// navigator.credentials.get (JSON: {"publicKey": …}) without a list of
// credentials, since passkeys are discoverable. It names no account, so
// its answer is the same for every caller and tells nothing about
// accounts. It is limited per client address like prelogin, which every
// login also calls.
func (s *Service) BeginPasskeyLogin(ctx context.Context, cl Client) ([]byte, error) {
	const op = "session.passkey_challenge"
	if err := s.passkeysOn(op); err != nil {
		return nil, err
	}
	if _, err := s.take(ctx, op, counter{"passkey:addr:" + cl.Addr, PerHour(s.cfg.PreloginPerAddr)}); err != nil {
		return nil, err
	}
	assertion, sd, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(userVerification))
	if err != nil {
		return nil, internal(op, err)
	}
	if err := s.issueChallenge(ctx, challengeLogin, "", sd.Challenge); err != nil {
		return nil, internal(op, err)
	}
	out, err := json.Marshal(assertion)
	if err != nil {
		return nil, internal(op, err)
	}
	return out, nil
}

// passkeyAssertion is a login's passkey answer, parsed and its challenge
// taken before the password is checked, so that a challenge is used once
// whatever the outcome.
type passkeyAssertion struct {
	parsed *protocol.ParsedCredentialAssertionData
	cause  string // why it cannot log in; "" if it may
}

func (s *Service) takeAssertion(ctx context.Context, response []byte) (*passkeyAssertion, error) {
	if s.wa == nil {
		return &passkeyAssertion{cause: "passkeys_unavailable"}, nil
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return &passkeyAssertion{cause: "passkey_invalid"}, nil
	}
	ok, err := s.useChallenge(ctx, challengeLogin, "", parsed.Response.CollectedClientData.Challenge)
	if err != nil {
		return nil, err
	}
	if !ok {
		return &passkeyAssertion{cause: "passkey_challenge_invalid"}, nil
	}
	return &passkeyAssertion{parsed: parsed}, nil
}

// checkAssertion verifies the assertion against the account's passkeys
// and returns the passkey it was made with and the authenticator's new
// signature counter. A counter that did not rise (when the authenticator
// keeps one) suggests a cloned authenticator: refused, the stored counter
// unchanged.
func (s *Service) checkAssertion(ctx context.Context, a *akte.Account, pa *passkeyAssertion) (*akte.Passkey, uint32, string, error) {
	if pa.cause != "" {
		return nil, 0, pa.cause, nil
	}
	u, pks, err := s.passkeyUserOf(ctx, a)
	if err != nil {
		return nil, 0, "", err
	}
	cred, err := s.wa.ValidateLogin(u, webauthn.SessionData{
		Challenge: pa.parsed.Response.CollectedClientData.Challenge, RelyingPartyID: s.wa.Config.RPID,
		UserID: u.WebAuthnID(), UserVerification: userVerification,
	}, pa.parsed)
	if err != nil {
		s.log.Debug("passkey assertion refused", "err", err)
		return nil, 0, "wrong_passkey", nil
	}
	if cred.Authenticator.CloneWarning {
		return nil, 0, "passkey_cloned", nil
	}
	for _, pk := range pks {
		if bytes.Equal(pk.CredentialID, cred.ID) {
			return pk, cred.Authenticator.SignCount, "", nil
		}
	}
	return nil, 0, "", errors.New("validated passkey not in the account's list")
}
