package core

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// DefaultKDF returns fresh Argon2id parameters at the design's minimum cost.
func DefaultKDF() akte.KDFParams {
	salt := make([]byte, akte.KDFMinSalt)
	rand.Read(salt)
	return akte.KDFParams{Alg: "argon2id", Salt: salt, Memory: akte.KDFMinMemory, Time: akte.KDFMinTime, Threads: akte.KDFMinThreads}
}

// Split runs the password split with the account's parameters. It refuses
// parameters outside the bounds (CheckKDF) before deriving anything;
// parameters that come from the server go through CheckOffered first.
func Split(password string, k akte.KDFParams) (passwordKey, loginSecret []byte, err error) {
	if err := CheckKDF(k); err != nil {
		return nil, nil, err
	}
	pk, ls := seal.SplitPassword([]byte(password), k.Salt, k.Memory, k.Time, k.Threads)
	return pk, ls, nil
}

// RecoveryVerifier derives from the recovery key the value that proves
// possession of it to the server; the server cannot go back to the key.
func RecoveryVerifier(recoveryKey []byte) []byte {
	v, err := hkdf.Key(sha256.New, recoveryKey, nil, "akte v1 recovery verifier", 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot produce
	}
	return v
}

// userSlotID is the object id of the user-level key slots. Each account's
// keys are independent random keys, so a slot moved to another account
// fails to open anyway; a constant id keeps the keys openable before the
// client knows anything about the account (a reset on a new device).
const userSlotID = "user"

var recoveryAAD = []byte("akte v1 recovery key by umk")

// Material is what a new account (or a reset without the recovery key)
// creates on the client. Only Keys, KDF, LoginSecret and RecoveryVerifier
// are sent; UMK, PasswordKey and RecoveryKey stay on the client.
type Material struct {
	KDF              akte.KDFParams
	PasswordKey      []byte
	LoginSecret      []byte
	UMK              []byte
	RecoveryKey      []byte
	RecoveryVerifier []byte
	PrivateKey       []byte
	Keys             akte.KeyBundle
	// Record holds the keys of the new record, wrapped under the UMK.
	Record *wire.RecordKeys
}

// NewMaterial creates a user master key, a recovery key, an HPKE key pair
// and the keys of the record, and wraps them for the server.
func NewMaterial(password string, kdf akte.KDFParams) (*Material, error) {
	m := &Material{KDF: kdf, UMK: seal.NewKey(), RecoveryKey: seal.NewKey()}
	var err error
	if m.PasswordKey, m.LoginSecret, err = Split(password, kdf); err != nil {
		return nil, err
	}
	m.RecoveryVerifier = RecoveryVerifier(m.RecoveryKey)
	pub, priv, err := seal.NewKeyPair()
	if err != nil {
		return nil, err
	}
	m.PrivateKey = priv
	if m.Keys, err = wrapUserKeys(m.UMK, m.PasswordKey, m.RecoveryKey, pub, priv); err != nil {
		return nil, err
	}
	if m.Record, err = NewRecordKeys(m.UMK); err != nil {
		return nil, err
	}
	return m, nil
}

// wrapUserKeys makes the key bundle of a user master key: it under the
// password key and under the recovery key, the recovery key and the
// account's private key under it.
func wrapUserKeys(umk, passwordKey, recoveryKey, pub, priv []byte) (akte.KeyBundle, error) {
	k := akte.KeyBundle{PublicKey: pub}
	var err error
	if k.UMKByPassword, err = seal.WrapKey(seal.ViaKey, passwordKey, seal.UserMasterKey, userSlotID, umk); err != nil {
		return k, err
	}
	if k.UMKByRecovery, err = seal.WrapKey(seal.ViaKey, recoveryKey, seal.UserMasterKey, userSlotID, umk); err != nil {
		return k, err
	}
	if k.RecoveryByUMK, err = seal.SealSmall(umk, recoveryAAD, recoveryKey); err != nil {
		return k, err
	}
	k.PrivateKeyByUMK, err = seal.WrapKey(seal.ViaKey, umk, seal.UserPrivateKey, userSlotID, priv)
	return k, err
}

// UnlockUMK opens the user master key with the password key and checks
// the account's public key against the private key sealed under it.
func UnlockUMK(passwordKey []byte, k akte.KeyBundle) ([]byte, error) {
	umk, err := seal.UnwrapKey(seal.ViaKey, passwordKey, seal.UserMasterKey, userSlotID, k.UMKByPassword)
	if err != nil {
		return nil, fail("keys.unlock", "umk_unopenable", nil, "Die Schlüssel Ihres Kontos lassen sich mit diesem Passwort nicht öffnen.", err)
	}
	if err := checkPublicKey(umk, seal.UserPrivateKey, userSlotID, k.PrivateKeyByUMK, k.PublicKey); err != nil {
		return nil, fail("keys.unlock", "account_key_substituted", nil, "Der öffentliche Schlüssel Ihres Kontos passt nicht zu Ihrem privaten Schlüssel.", err)
	}
	return umk, nil
}

// checkPublicKey authenticates a public key the server serves (issue 10,
// item 6): its private key is sealed under a key only the owner holds (the
// UMK or the RMK), so the public key derived from it is the one the
// owner's client made. A server that swapped the public key would have
// whatever others seal to the account or the record (providers, apps,
// the insurer) sealed to a key of its own.
func checkPublicKey(key []byte, t seal.KeyType, id string, privSealed, pub []byte) error {
	priv, err := seal.UnwrapKey(seal.ViaKey, key, t, id, privSealed)
	if err != nil {
		return err
	}
	derived, err := seal.PublicKey(priv)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(derived, pub) != 1 {
		return akte.E("keys.public", akte.KindCrypto, "public key does not match the sealed private key", nil)
	}
	return nil
}

// UnlockUMKWithRecovery opens the user master key with the recovery key.
func UnlockUMKWithRecovery(recoveryKey []byte, umkByRecovery []byte) ([]byte, error) {
	umk, err := seal.UnwrapKey(seal.ViaKey, recoveryKey, seal.UserMasterKey, userSlotID, umkByRecovery)
	if err != nil {
		return nil, fail("keys.recover", "umk_unopenable_recovery", nil, "Der Sicherheitsschlüssel öffnet den Kontoschlüssel nicht.", err)
	}
	return umk, nil
}

// RecoveryKey opens the recovery key with the user master key, to show it
// again.
func RecoveryKey(umk []byte, k akte.KeyBundle) ([]byte, error) {
	rk, err := seal.OpenSmall(umk, recoveryAAD, k.RecoveryByUMK)
	if err != nil {
		return nil, fail("keys.recovery_key", "recovery_key_unopenable", nil, "Ihr Sicherheitsschlüssel lässt sich nicht öffnen.", err)
	}
	return rk, nil
}

// Rewrap wraps the same user master key under a new password: the result
// of a password change or a recovery.
func Rewrap(umk []byte, password string, kdf akte.KDFParams) (loginSecret, umkByPassword []byte, err error) {
	pk, ls, err := Split(password, kdf)
	if err != nil {
		return nil, nil, err
	}
	w, err := seal.WrapKey(seal.ViaKey, pk, seal.UserMasterKey, userSlotID, umk)
	return ls, w, err
}
