package service

import (
	"context"
	"crypto/rand"
	"encoding/base32"

	"github.com/akte/akte"
	"github.com/akte/akte/mail"
)

// totpSecretBytes is the size of a TOTP secret (160 bits, RFC 4226's
// recommendation), as Register makes it.
const totpSecretBytes = 20

// AuthenticatorProposal is a new TOTP secret for the owner to add to an
// authenticator app. Nothing is stored: ChangeAuthenticator takes it back
// with a code the app made from it.
type AuthenticatorProposal struct {
	Secret string
	URI    string
}

// ProposeAuthenticator makes a new TOTP secret for the logged-in owner.
func (s *Service) ProposeAuthenticator(p *Principal) *AuthenticatorProposal {
	b := make([]byte, totpSecretBytes)
	rand.Read(b)
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
	return &AuthenticatorProposal{Secret: secret, URI: s.totpURI(p.Account.Email, secret)}
}

// ChangeAuthenticator replaces the account's TOTP secret (issue 12, item
// 8: a new phone, another app). The owner proves the password and a code
// of the current authenticator, counted like the password change's, and a
// code made from the new secret, so that a mis-scan cannot lock them out.
// The other sessions stay; a notice is mailed.
func (s *Service) ChangeAuthenticator(ctx context.Context, p *Principal, loginSecret []byte, code, newSecret, newCode string) error {
	const op = "account.authenticator_change"
	if err := validateSecret(op, "login_secret", loginSecret); err != nil {
		return err
	}
	if b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(newSecret); err != nil || len(b) != totpSecretBytes {
		return invalid(op, "totp_secret_invalid", map[string]any{"bytes": totpSecretBytes})
	}
	a := p.Account
	if err := s.proveSecondFactor(ctx, op, a, p.Session.DeviceID, loginSecret, code); err != nil {
		return err
	}
	step, ok := s.checkTOTP(&akte.Account{TOTPSecret: newSecret}, newCode)
	if !ok {
		return invalid(op, "totp_new_wrong", nil)
	}
	changed := *a
	changed.TOTPSecret = newSecret
	if err := s.updateAccount(ctx, op, &changed); err != nil {
		return err
	}
	// The new app's code is used: it does not log in again. (Within the
	// step of the current app's code it is not above the last counter,
	// which is as good.)
	if _, err := s.store.AdvanceTOTP(ctx, a.ID, step); err != nil {
		return internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, Object: "account:" + string(a.ID), ActorID: string(a.ID), ActorRole: "patient", DeviceID: p.Session.DeviceID})
	s.mail(ctx, op, a, mail.AuthenticatorChanged{})
	return nil
}
