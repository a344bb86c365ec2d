package seal

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"golang.org/x/crypto/argon2"
)

const (
	infoShareKey         = "akte seal v1 share key"
	infoShareKeyPassword = "akte seal v1 share key with password"
	shareSaltLabel       = "akte seal v1 share salt "
	fingerprintLabel     = "akte seal v1 fingerprint"
)

// ShareKey derives the key of a share (design §4.3) from its random secret
// (the URL fragment or the normalized access code, which the server never
// sees) and an optional password:
//
//	ShareKey = HKDF-SHA-256(secret ‖ Argon2id(password, "akte seal v1 share salt " ‖ shareID), info)
//
// with Argon2id at ArgonMemoryKiB, ArgonTime, ArgonThreads and 32 bytes of
// output, and info naming whether a password takes part. Without a
// password the Argon2id part is absent. The Argon2id parameters of shares
// are fixed by the format version since a share's recipient has no account
// to store them with.
func ShareKey(secret, password []byte, shareID string) ([]byte, error) {
	if len(secret) == 0 {
		return nil, errInvalid("seal.ShareKey", "empty share secret")
	}
	if len(password) == 0 {
		return deriveKey(secret, nil, infoShareKey), nil
	}
	salt := []byte(shareSaltLabel + shareID)
	h := argon2.IDKey(password, salt, ArgonTime, ArgonMemoryKiB, ArgonThreads, KeySize)
	return deriveKey(concat(secret, h), nil, infoShareKeyPassword), nil
}

// Fingerprint returns a short text that identifies a public key, to be
// compared out of band (read aloud, or as a QR code) so that a server
// cannot slip in a key of its own: the first 16 bytes of
// SHA-256("akte seal v1 fingerprint" ‖ pub), in lowercase hex, in groups of
// four digits separated by spaces.
func Fingerprint(pub []byte) string {
	h := sha256.Sum256(concat([]byte(fingerprintLabel), pub))
	s := hex.EncodeToString(h[:16])
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i : i+4])
	}
	return b.String()
}
