package core

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/wire"
)

// ShareSize is the length of each share of a CLI session's key.
const ShareSize = 32

// SessionKey is the key that seals the user master key in the CLI's state
// between commands (docs/crypto.md, section 9.4): HKDF-SHA256 of the
// server's share (the session's escrowed client key, given only to the
// device's signed request) and the local share (kept in the OS keyring or
// the shell's AKTE_SESSION, never in the state file). Neither share alone
// tells anything about the key.
func SessionKey(serverShare, localShare []byte) ([]byte, error) {
	if len(serverShare) != ShareSize || len(localShare) != ShareSize {
		return nil, SessionKeyUnopenable(nil)
	}
	ikm := append(append(make([]byte, 0, 2*ShareSize), serverShare...), localShare...)
	return hkdf.Key(sha256.New, ikm, nil, "akte v1 cli session key", 32)
}

// SessionKeyUnopenable is the error of a session key that is missing a
// share or opens nothing (err, if any, is the cause).
func SessionKeyUnopenable(err error) error {
	return &akte.Error{Op: "core.session_key", Kind: akte.KindCrypto, Reason: "session_key_unopenable", Err: err,
		Message: "Der Schlüssel dieser Sitzung lässt sich nicht öffnen (gehört AKTE_SESSION zu dieser Anmeldung?). " +
			"Bitte geben Sie das Passwort an oder melden Sie sich neu an (akte login)."}
}

// SessionKeyProof is the device's request for its session's escrowed key:
// its Ed25519 signature over akte.SessionKeyMessage of the session's id
// and now.
func SessionKeyProof(device ed25519.PrivateKey, sessionID string, now time.Time) wire.SessionKeyRequest {
	ms := now.UnixMilli()
	return wire.SessionKeyRequest{TimeMs: ms, Signature: ed25519.Sign(device, akte.SessionKeyMessage(sessionID, ms))}
}
