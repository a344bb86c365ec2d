// Package webpush sends Web Push messages (RFC 8030) encrypted for the
// browser (RFC 8291, the aes128gcm content coding of RFC 8188) and signed
// by the application server's VAPID key (RFC 8292), on the standard
// library only.
//
// Threat model: the push service relays bytes it cannot read (RFC 8291)
// and learns the application server's identity from the VAPID token; the
// subscription's endpoint is a URL the browser, that is the user, chose,
// so the sender refuses addresses inside the server's network (SSRF)
// unless the operator allows one explicitly (Dialer).
package webpush

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
)

// RecordSize is the record size written in the header: one record holds
// every payload this package sends (MaxPayload).
const RecordSize = 4096

// MaxPayload is the largest plaintext Encrypt takes: RFC 8291 §4 bounds a
// push message to 4096 bytes of body (header 86, tag 16, delimiter 1).
const MaxPayload = 4096 - 86 - 16 - 1

const headerLen = 16 + 4 + 1 + 65

// Errors of the codec.
var (
	ErrKey      = errors.New("webpush: invalid key")
	ErrTooLarge = errors.New("webpush: payload too large")
	ErrBody     = errors.New("webpush: malformed or unauthentic body")
)

// Keys are a subscription's keys: the browser's P-256 public key (p256dh,
// 65 bytes uncompressed) and its authentication secret (16 bytes).
type Keys struct {
	P256DH []byte
	Auth   []byte
}

// ParseKeys reads the base64url (padded or not) p256dh and auth of a
// PushSubscription's JSON and checks them.
func ParseKeys(p256dh, auth string) (Keys, error) {
	p, err1 := decodeB64(p256dh)
	a, err2 := decodeB64(auth)
	if err1 != nil || err2 != nil {
		return Keys{}, ErrKey
	}
	k := Keys{P256DH: p, Auth: a}
	return k, k.check()
}

func (k Keys) check() error {
	if len(k.Auth) != 16 || len(k.P256DH) != 65 {
		return ErrKey
	}
	if _, err := ecdh.P256().NewPublicKey(k.P256DH); err != nil {
		return ErrKey
	}
	return nil
}

func decodeB64(s string) ([]byte, error) {
	for len(s)%4 != 0 && len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.URLEncoding.DecodeString(s)
}

// Encrypt encrypts plaintext for the subscription keys k with a fresh
// ephemeral key and salt: the body of a push message with
// Content-Encoding aes128gcm.
func Encrypt(plaintext []byte, k Keys) ([]byte, error) {
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	if _, err := io.ReadFull(rand.Reader, salt); err != nil {
		return nil, err
	}
	return encrypt(plaintext, k, as, salt)
}

// encrypt is Encrypt with the ephemeral key and salt given (the RFC's
// example fixes both). Never reuse either: the key and nonce would repeat.
func encrypt(plaintext []byte, k Keys, as *ecdh.PrivateKey, salt []byte) ([]byte, error) {
	if err := k.check(); err != nil {
		return nil, err
	}
	if len(plaintext) > MaxPayload {
		return nil, ErrTooLarge
	}
	ua, _ := ecdh.P256().NewPublicKey(k.P256DH)
	asPub := as.PublicKey().Bytes()
	aead, nonce, err := contentKey(as, ua, k, asPub, salt)
	if err != nil {
		return nil, err
	}
	out := make([]byte, headerLen, headerLen+len(plaintext)+17)
	copy(out, salt)
	binary.BigEndian.PutUint32(out[16:], RecordSize)
	out[20] = 65
	copy(out[21:], asPub)
	rec := append(append([]byte{}, plaintext...), 2) // the last (and only) record's delimiter
	return aead.Seal(out, nonce, rec, nil), nil
}

// contentKey derives the AEAD and nonce of RFC 8291 §3.4 and RFC 8188
// §2.2–2.3 from our private key, the peer's public key (either side) and
// the keys' auth secret.
func contentKey(priv *ecdh.PrivateKey, peer *ecdh.PublicKey, k Keys, asPub, salt []byte) (cipher.AEAD, []byte, error) {
	shared, err := priv.ECDH(peer)
	if err != nil {
		return nil, nil, ErrKey
	}
	info := append(append([]byte("WebPush: info\x00"), k.P256DH...), asPub...)
	ikm, err := hkdf.Key(sha256.New, shared, k.Auth, string(info), 32)
	if err != nil {
		return nil, nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, nil, err
	}
	aead, err := cipher.NewGCM(block)
	return aead, nonce, err
}

// Decrypt opens a body of one record with the subscription's private key
// and auth secret: what the browser does. For tests and native receivers.
func Decrypt(body []byte, ua *ecdh.PrivateKey, auth []byte) ([]byte, error) {
	if len(body) < headerLen+17 || body[20] != 65 {
		return nil, ErrBody
	}
	rs := binary.BigEndian.Uint32(body[16:])
	if rs < 18 || int64(len(body)-headerLen) > int64(rs) {
		return nil, ErrBody // more than one record: this package never sends that
	}
	salt, asPub := body[:16], body[21:headerLen]
	peer, err := ecdh.P256().NewPublicKey(asPub)
	if err != nil {
		return nil, ErrBody
	}
	k := Keys{P256DH: ua.PublicKey().Bytes(), Auth: auth}
	aead, nonce, err := contentKey(ua, peer, k, asPub, salt)
	if err != nil {
		return nil, ErrBody
	}
	rec, err := aead.Open(nil, nonce, body[headerLen:], nil)
	if err != nil {
		return nil, ErrBody
	}
	i := len(rec) - 1
	for i >= 0 && rec[i] == 0 { // padding
		i--
	}
	if i < 0 || rec[i] != 2 {
		return nil, ErrBody
	}
	return rec[:i], nil
}
