package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"io"
)

// Small objects are laid out as
//
//	version(1) = 0x01 | suite(1) = 0x01 | nonce(12) | commitment(32) | AES-256-GCM ciphertext and tag
//
// with commitment = HMAC-SHA-256(Kc, version‖suite‖nonce‖aad), the
// GCM key Ke and Kc derived from the key by HKDF-SHA-256 with distinct info
// strings, and the GCM associated data version‖suite‖nonce‖commitment‖aad.
// The commitment covers the nonce so that it differs for every object and
// does not become a fingerprint that links objects sealed under one key.
const (
	smallHeaderSize = 2 + nonceSize + commitSize
	smallOverhead   = smallHeaderSize + tagSize
)

// SmallOverhead is the number of bytes SealSmall adds to the plaintext.
const SmallOverhead = smallOverhead

// SealSmall encrypts a small plaintext (metadata, a wrapped key) under a
// 32-byte key and binds it to aad, which must be given again to open it.
// The plaintext is held in memory; use NewWriter for files.
func SealSmall(key, aad, plaintext []byte) ([]byte, error) {
	return sealSmall(rand.Reader, key, aad, plaintext)
}

func sealSmall(r io.Reader, key, aad, plaintext []byte) ([]byte, error) {
	const op = "seal.SealSmall"
	if err := checkKey(op, key); err != nil {
		return nil, err
	}
	nonce, err := randomBytes(r, nonceSize)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, smallOverhead+len(plaintext))
	out = append(out, Version, suiteSmall)
	out = append(out, nonce...)
	out = append(out, commitment(deriveKey(key, nil, infoSmallCommit), out, aad)...)
	aead := newGCM(deriveKey(key, nil, infoSmallKey))
	return aead.Seal(out, nonce, plaintext, concat(out, aad)), nil
}

// OpenSmall decrypts an object made by SealSmall. It returns an error of
// Kind akte.KindInvalid if sealed is malformed or names another version or
// suite, and of Kind akte.KindCrypto if the key or aad is wrong or the
// object was changed.
func OpenSmall(key, aad, sealed []byte) ([]byte, error) {
	const op = "seal.OpenSmall"
	if err := checkKey(op, key); err != nil {
		return nil, err
	}
	if err := checkHeader(op, sealed, suiteSmall, smallOverhead); err != nil {
		return nil, err
	}
	header := sealed[:smallHeaderSize]
	nonce := header[2 : 2+nonceSize]
	want := commitment(deriveKey(key, nil, infoSmallCommit), header[:2+nonceSize], aad)
	if !hmac.Equal(want, header[2+nonceSize:]) {
		return nil, errCrypto(op, "wrong key or damaged object", nil)
	}
	aead := newGCM(deriveKey(key, nil, infoSmallKey))
	pt, err := aead.Open(nil, nonce, sealed[smallHeaderSize:], concat(header, aad))
	if err != nil {
		return nil, errCrypto(op, "damaged object", err)
	}
	return pt, nil
}

// checkHeader checks the version and suite bytes and a minimum length.
func checkHeader(op string, b []byte, suite byte, min int) error {
	if len(b) < 2 {
		return errInvalid(op, "object too short")
	}
	if b[0] != Version {
		return errInvalid(op, "unsupported format version")
	}
	if b[1] != suite {
		return errInvalid(op, "unexpected object type")
	}
	if len(b) < min {
		return errInvalid(op, "object too short")
	}
	return nil
}

func newGCM(key []byte) cipher.AEAD {
	b, err := aes.NewCipher(key)
	if err != nil {
		panic("seal: aes: " + err.Error())
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic("seal: gcm: " + err.Error())
	}
	return g
}

// concat returns a new slice holding a followed by b.
func concat(a, b []byte) []byte {
	out := make([]byte, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}
