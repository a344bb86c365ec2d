package seal

import (
	"crypto/hmac"
	"crypto/hpke"
	"crypto/rand"
	"io"
)

// Public and private keys are encoded as version(1) | suite(1) = 0x03 |
// the key as serialized by RFC 9180 SerializePublicKey / SerializePrivateKey
// for MLKEM768-P256 (1249 bytes public, a 32-byte seed private), so that a
// stored key names its algorithm.
//
// Objects sealed to a public key are laid out as
//
//	version(1) = 0x01 | suite(1) = 0x03 | enc(1153) | commitment(32) | HPKE ciphertext and tag
//
// where the HPKE context uses info "akte seal v1 hpke", the AEAD's
// associated data is version‖suite‖aad, and commitment is HMAC-SHA-256 keyed
// with the context's exported secret "akte seal v1 hpke commit" over
// version‖suite‖enc‖aad.
const (
	hpkePublicSize  = 1249
	hpkePrivateSize = 32
	hpkeEncSize     = 1153
	hpkeHeaderSize  = 2 + hpkeEncSize + commitSize
	hpkeOverhead    = hpkeHeaderSize + tagSize
)

func hpkeSuite() (hpke.KEM, hpke.KDF, hpke.AEAD) {
	return hpke.MLKEM768P256(), hpke.HKDFSHA256(), hpke.AES256GCM()
}

// NewKeyPair returns a new HPKE key pair (ML-KEM-768 + P-256 hybrid KEM,
// HKDF-SHA-256, AES-256-GCM) in the encoding SealTo and OpenFrom accept.
// The private key must itself be kept sealed (see WrapKey).
func NewKeyPair() (pub, priv []byte, err error) {
	return newKeyPair(rand.Reader)
}

func newKeyPair(r io.Reader) (pub, priv []byte, err error) {
	seed, err := randomBytes(r, hpkePrivateSize)
	if err != nil {
		return nil, nil, err
	}
	kem, _, _ := hpkeSuite()
	k, err := kem.NewPrivateKey(seed)
	if err != nil {
		return nil, nil, errInternal("seal.NewKeyPair", err)
	}
	pub = append([]byte{Version, suiteHPKE}, k.PublicKey().Bytes()...)
	priv = append([]byte{Version, suiteHPKE}, seed...)
	return pub, priv, nil
}

// PublicKey returns the public key belonging to an encoded private key.
func PublicKey(priv []byte) ([]byte, error) {
	k, err := parsePrivate("seal.PublicKey", priv)
	if err != nil {
		return nil, err
	}
	return append([]byte{Version, suiteHPKE}, k.PublicKey().Bytes()...), nil
}

func parsePublic(op string, pub []byte) (hpke.PublicKey, error) {
	if err := checkHeader(op, pub, suiteHPKE, 2+hpkePublicSize); err != nil {
		return nil, err
	}
	if len(pub) != 2+hpkePublicSize {
		return nil, errInvalid(op, "malformed public key")
	}
	kem, _, _ := hpkeSuite()
	k, err := kem.NewPublicKey(pub[2:])
	if err != nil {
		return nil, akteInvalid(op, "malformed public key", err)
	}
	return k, nil
}

func parsePrivate(op string, priv []byte) (hpke.PrivateKey, error) {
	if err := checkHeader(op, priv, suiteHPKE, 2+hpkePrivateSize); err != nil {
		return nil, err
	}
	if len(priv) != 2+hpkePrivateSize {
		return nil, errInvalid(op, "malformed private key")
	}
	kem, _, _ := hpkeSuite()
	k, err := kem.NewPrivateKey(priv[2:])
	if err != nil {
		return nil, akteInvalid(op, "malformed private key", err)
	}
	return k, nil
}

// SealTo encrypts a small secret (typically a key) to the public key pub and
// binds it to aad. Only the holder of the matching private key can open it;
// the sender cannot, and the result does not identify the sender.
func SealTo(pub, aad, plaintext []byte) ([]byte, error) {
	const op = "seal.SealTo"
	pk, err := parsePublic(op, pub)
	if err != nil {
		return nil, err
	}
	_, kdf, aead := hpkeSuite()
	// Go's HPKE draws its encapsulation randomness from crypto/rand
	// itself; tests make it deterministic with testing/cryptotest.
	enc, s, err := hpke.NewSender(pk, kdf, aead, []byte(infoHPKE))
	if err != nil {
		return nil, errInternal(op, err)
	}
	ck, err := s.Export(exportHPKECommit, commitSize)
	if err != nil {
		return nil, errInternal(op, err)
	}
	out := make([]byte, 0, hpkeOverhead+len(plaintext))
	out = append(out, Version, suiteHPKE)
	out = append(out, enc...)
	out = append(out, commitment(ck, out, aad)...)
	ct, err := s.Seal(concat(out[:2], aad), plaintext)
	if err != nil {
		return nil, errInternal(op, err)
	}
	return append(out, ct...), nil
}

// OpenFrom decrypts an object made by SealTo with the private key priv. It
// returns an error of Kind akte.KindCrypto if priv is not the key the object
// was sealed to, aad differs or the object was changed, and of Kind
// akte.KindInvalid if priv or sealed is malformed.
func OpenFrom(priv, aad, sealed []byte) ([]byte, error) {
	const op = "seal.OpenFrom"
	k, err := parsePrivate(op, priv)
	if err != nil {
		return nil, err
	}
	if err := checkHeader(op, sealed, suiteHPKE, hpkeOverhead); err != nil {
		return nil, err
	}
	_, kdf, aead := hpkeSuite()
	enc := sealed[2 : 2+hpkeEncSize]
	r, err := hpke.NewRecipient(enc, k, kdf, aead, []byte(infoHPKE))
	if err != nil {
		// The P-256 half of enc is not a valid point.
		return nil, akteInvalid(op, "malformed object", err)
	}
	ck, err := r.Export(exportHPKECommit, commitSize)
	if err != nil {
		return nil, errInternal(op, err)
	}
	// ML-KEM decapsulation never fails: a wrong private key yields a
	// different shared secret, which the commitment rejects here.
	if !hmac.Equal(commitment(ck, sealed[:2+hpkeEncSize], aad), sealed[2+hpkeEncSize:hpkeHeaderSize]) {
		return nil, errCrypto(op, "not sealed to this key, or damaged", nil)
	}
	pt, err := r.Open(concat(sealed[:2], aad), sealed[hpkeHeaderSize:])
	if err != nil {
		return nil, errCrypto(op, "damaged object", err)
	}
	return pt, nil
}
