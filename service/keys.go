package service

import (
	"bytes"
	"context"

	"github.com/akte/akte"
)

// KeyRotation is the client's new user master key (docs/crypto.md,
// "Rotating the user master key"): the new key bundle (the new UMK under
// the same password key and under a new recovery key; the same account
// key pair), the verifier of the new recovery key, and the record's same
// master key in a slot under the new UMK.
type KeyRotation struct {
	RecoveryVerifier []byte
	Keys             akte.KeyBundle
	RMKByUMK         []byte
}

// RotateKeys installs a new user master key for a logged-in user who
// proves the password and a TOTP code, as a password change does. The
// key bundle, the recovery hash and the record's slot change in one
// transaction, and only from the password slot read when the request
// was authenticated (a change in between gives keys_changed and writes
// nothing), so
// the server never keeps a mix of old and new keys; the old recovery key
// no longer proves anything. The other sessions end: their clients hold
// the old UMK, which opens nothing any more.
func (s *Service) RotateKeys(ctx context.Context, p *Principal, secret []byte, code string, k KeyRotation) error {
	const op = "account.keys_rotate"
	if err := validateSecret(op, "login_secret", secret); err != nil {
		return err
	}
	if err := validateSecret(op, "recovery_verifier", k.RecoveryVerifier); err != nil {
		return err
	}
	if err := validateKeys(op, k.Keys); err != nil {
		return err
	}
	if err := validateWrapped(op, "rmk_by_umk", k.RMKByUMK); err != nil {
		return err
	}
	a := p.Account
	// The account's key pair stays: others may have sealed to it.
	if !bytes.Equal(k.Keys.PublicKey, a.Keys.PublicKey) {
		return invalid(op, "public_key_changed", nil)
	}
	if err := s.proveSecondFactor(ctx, op, a, p.Session.DeviceID, secret, code); err != nil {
		return err
	}
	err := s.store.RotateKeys(ctx, a.ID, a.Keys.UMKByPassword, k.Keys, fastHash(k.RecoveryVerifier), k.RMKByUMK)
	if akte.Is(err, akte.KindConflict) {
		return akte.R(op, akte.KindConflict, "keys_changed", nil, "")
	}
	if err != nil {
		return internal(op, err)
	}
	if err := s.endOtherSessions(ctx, a.ID, p.Session.ID); err != nil {
		return internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, Object: "account:" + string(a.ID), ActorID: string(a.ID), ActorRole: "patient", DeviceID: p.Session.DeviceID})
	return nil
}
