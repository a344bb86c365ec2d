package core

import (
	"crypto/subtle"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// Rotation is a new user master key with everything that was under the
// old one wrapped again (`akte keys rotate`, docs/crypto.md "Rotating the
// user master key"). Keys, RMKByUMK and RecoveryVerifier go to the server;
// UMK and RecoveryKey stay on the client, and the recovery key is shown
// to the user once.
type Rotation struct {
	UMK              []byte
	RecoveryKey      []byte
	RecoveryVerifier []byte
	// Keys is the new key bundle: the new UMK under the same password key
	// and under the new recovery key, the new recovery key under the new
	// UMK, and the same account private key under the new UMK (the public
	// key stays).
	Keys akte.KeyBundle
	// RMKByUMK is the record's slot of the same record master key under
	// the new UMK: the RMK, the category keys and every item stay, so
	// every document stays readable.
	RMKByUMK []byte
}

// RotateUMK makes a new user master key and a new recovery key and wraps
// under the new UMK what was under umk: the account's private key, the
// recovery key and the record master key of rec. umk must be the key
// passwordKey opens from k (so the new UMK goes under the password the
// user just proved), and both public keys must check out, or nothing is
// made: a rotation never re-wraps keys a server slipped in. Afterwards
// the old UMK and the old recovery key open nothing in the new bundle.
func RotateUMK(umk []byte, k akte.KeyBundle, rec wire.RecordKeys, passwordKey []byte) (*Rotation, error) {
	const op = "keys.rotate"
	current, err := UnlockUMK(passwordKey, k)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(current, umk) != 1 {
		return nil, akte.R(op, akte.KindCrypto, "umk_changed", nil,
			"Die Schlüssel Ihres Kontos wurden inzwischen geändert. Bitte melden Sie sich neu an und versuchen Sie es noch einmal.")
	}
	priv, err := seal.UnwrapKey(seal.ViaKey, umk, seal.UserPrivateKey, userSlotID, k.PrivateKeyByUMK)
	if err != nil {
		return nil, fail(op, "umk_unopenable", nil, "Die Schlüssel Ihres Kontos lassen sich mit diesem Passwort nicht öffnen.", err)
	}
	r, err := OpenRecord(umk, wire.Record{Keys: rec})
	if err != nil {
		return nil, err
	}
	rt := &Rotation{UMK: seal.NewKey(), RecoveryKey: seal.NewKey()}
	rt.RecoveryVerifier = RecoveryVerifier(rt.RecoveryKey)
	if rt.Keys, err = wrapUserKeys(rt.UMK, passwordKey, rt.RecoveryKey, k.PublicKey, priv); err != nil {
		return nil, err
	}
	if rt.RMKByUMK, err = seal.WrapKey(seal.ViaKey, rt.UMK, seal.RecordMasterKey, rec.RecordID, r.rmk); err != nil {
		return nil, err
	}
	return rt, nil
}
