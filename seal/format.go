package seal

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"io"

	"github.com/akte/akte"
)

// Version is the format version written by this package. It is the first
// byte of every sealed object, key and slot.
const Version = 1

// Suite bytes follow the version byte and name the construction. They are
// distinct across object types, so that one kind of object can never be
// parsed as another.
const (
	suiteSmall  = 0x01 // AES-256-GCM, HKDF-SHA-256 subkeys, HMAC-SHA-256 commitment
	suiteStream = 0x02 // AES-256-GCM segments, HKDF-SHA-256 per-file key (Tink style)
	suiteHPKE   = 0x03 // HPKE MLKEM768-P256, HKDF-SHA256, AES-256-GCM
	suiteSlot   = 0x04 // key slot: via, key type, then a small or HPKE object
)

// KeySize is the size of every symmetric key in the format.
const KeySize = 32

const (
	tagSize    = 16 // AES-GCM tag
	nonceSize  = 12 // AES-GCM nonce
	commitSize = 32 // HMAC-SHA-256
)

// HKDF info strings. They are part of the format: changing one is a new
// version.
const (
	infoSmallKey     = "akte seal v1 small key"
	infoSmallCommit  = "akte seal v1 small commit"
	infoStreamKey    = "akte seal v1 stream key"
	infoStreamCommit = "akte seal v1 stream commit"
	infoHPKE         = "akte seal v1 hpke"
	exportHPKECommit = "akte seal v1 hpke commit"
)

// deriveKey is HKDF-SHA-256 with a 32-byte output; it cannot fail for these
// lengths.
func deriveKey(secret, salt []byte, info string) []byte {
	k, err := hkdf.Key(sha256.New, secret, salt, info, KeySize)
	if err != nil {
		panic("seal: hkdf: " + err.Error())
	}
	return k
}

// commitment computes HMAC-SHA-256(key, parts...).
func commitment(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// NewKey returns a new random 32-byte key. It panics only if the system's
// random source fails, which crypto/rand documents as never happening.
func NewKey() []byte {
	return newKey(rand.Reader)
}

func newKey(r io.Reader) []byte {
	k := make([]byte, KeySize)
	if _, err := io.ReadFull(r, k); err != nil {
		panic("seal: random source: " + err.Error())
	}
	return k
}

func randomBytes(r io.Reader, n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, akte.E("seal.random", akte.KindInternal, "", err)
	}
	return b, nil
}

// errInvalid and errCrypto build the two error kinds the package returns
// for bad input.
func errInvalid(op, msg string) error { return akte.E(op, akte.KindInvalid, msg, nil) }

func errCrypto(op, msg string, err error) error { return akte.E(op, akte.KindCrypto, msg, err) }

func checkKey(op string, key []byte) error {
	if len(key) != KeySize {
		return errInvalid(op, "key must be 32 bytes")
	}
	return nil
}

func errInternal(op string, err error) error { return akte.E(op, akte.KindInternal, "", err) }

func akteInvalid(op, msg string, err error) error { return akte.E(op, akte.KindInvalid, msg, err) }
