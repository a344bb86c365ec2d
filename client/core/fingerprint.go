package core

import (
	"github.com/akte/akte"
	"github.com/akte/akte/seal"
)

// Fingerprints of public keys (design §4.2, decision 0034). A patient
// grants a provider by wrapping keys to the provider's public key, which
// only the server hands out; a malicious server could hand out a key of
// its own. So the client computes the key's fingerprint from the very
// bytes it will wrap to (never one the server sends), and the patient
// compares it with the one the practice shows (read out, or scanned from
// its QR code). The format is seal.Fingerprint: 128 bits of
// SHA-256("akte seal v1 fingerprint" ‖ key) in 8 groups of 4 hex digits.
// The same functions run in the CLI and, compiled to WebAssembly, in the
// web app.

// KeyFingerprint checks that pub is an HPKE public key of the format
// (keys are wrapped to it later) and returns its fingerprint.
func KeyFingerprint(pub []byte) (string, error) {
	if _, err := seal.SealTo(pub, []byte("akte fingerprint check"), []byte{0}); err != nil {
		return "", fail("keys.fingerprint", "public_key_invalid", nil, "Der öffentliche Schlüssel ist ungültig.", err)
	}
	return seal.Fingerprint(pub), nil
}

// OwnFingerprint is the fingerprint of the account's own public key as
// its private key (sealed under the user master key umk) says it is: a
// practice shows what its own key material proves, not what the server
// stored beside it. A public key in k that does not belong to the
// private key is refused (account_key_substituted).
func OwnFingerprint(umk []byte, k akte.KeyBundle) (string, error) {
	if err := checkPublicKey(umk, seal.UserPrivateKey, userSlotID, k.PrivateKeyByUMK, k.PublicKey); err != nil {
		return "", fail("keys.fingerprint", "account_key_substituted", nil, "Der öffentliche Schlüssel Ihres Kontos passt nicht zu Ihrem privaten Schlüssel.", err)
	}
	return seal.Fingerprint(k.PublicKey), nil
}
