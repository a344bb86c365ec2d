package donation

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// A minimal encoder of the age format v1 (https://age-encryption.org/v1)
// for one X25519 recipient: what the extract is sealed with. It is written
// here rather than taken from filippo.io/age so that the browser's health
// module stays small (the library brings scrypt, ML-KEM and plugins, over
// 1 MB of WebAssembly); the tests decrypt its output with filippo.io/age.
// Encryption only: the sink decrypts with any age implementation.

const (
	x25519Label = "age-encryption.org/v1/X25519"
	chunkSize   = 64 << 10
)

var b64 = base64.RawStdEncoding

// recipientKey decodes an "age1…" X25519 recipient (Bech32, HRP "age")
// into its 32-byte public key.
func recipientKey(s string) ([]byte, error) {
	hrp, data, err := bech32Decode(s)
	if err != nil || hrp != "age" || len(data) != 32 {
		return nil, errors.New("not an age X25519 recipient")
	}
	return data, nil
}

// ageEncrypt seals plaintext to the X25519 public key.
func ageEncrypt(pub, plaintext []byte) ([]byte, error) {
	theirs, err := ecdh.X25519().NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	shared, err := eph.ECDH(theirs) // refuses a low-order point (all-zero result)
	if err != nil {
		return nil, err
	}
	ours := eph.PublicKey().Bytes()
	fileKey := make([]byte, 16)
	rand.Read(fileKey)
	wrapKey, err := hkdf.Key(sha256.New, shared, append(append([]byte{}, ours...), pub...), x25519Label, 32)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.New(wrapKey)
	if err != nil {
		return nil, err
	}
	body := aead.Seal(nil, make([]byte, chacha20poly1305.NonceSize), fileKey, nil)
	hdr := Header + "-> X25519 " + b64.EncodeToString(ours) + "\n" + b64.EncodeToString(body) + "\n---"
	macKey, err := hkdf.Key(sha256.New, fileKey, nil, "header", 32)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, macKey)
	m.Write([]byte(hdr))
	out := []byte(hdr + " " + b64.EncodeToString(m.Sum(nil)) + "\n")

	nonce := make([]byte, 16)
	rand.Read(nonce)
	out = append(out, nonce...)
	payKey, err := hkdf.Key(sha256.New, fileKey, nonce, "payload", 32)
	if err != nil {
		return nil, err
	}
	if aead, err = chacha20poly1305.New(payKey); err != nil {
		return nil, err
	}
	// STREAM: 64 KiB chunks, the nonce an 11-byte big-endian counter and
	// a last-chunk flag; an empty plaintext is one empty last chunk.
	n := make([]byte, chacha20poly1305.NonceSize)
	for i := uint64(0); ; i++ {
		end := min(len(plaintext), chunkSize)
		last := end == len(plaintext)
		binary.BigEndian.PutUint64(n[3:11], i)
		n[11] = 0
		if last {
			n[11] = 1
		}
		out = aead.Seal(out, n, plaintext[:end], nil)
		plaintext = plaintext[end:]
		if last {
			return out, nil
		}
	}
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// bech32Decode decodes a Bech32 string (BIP 173, without its length
// limit, as age uses it) into its HRP and 8-bit data.
func bech32Decode(s string) (string, []byte, error) {
	bad := errors.New("bech32")
	if strings.ToLower(s) != s && strings.ToUpper(s) != s {
		return "", nil, bad
	}
	s = strings.ToLower(s)
	pos := strings.LastIndexByte(s, '1')
	if pos < 1 || pos+7 > len(s) {
		return "", nil, bad
	}
	hrp := s[:pos]
	var data []byte
	for _, c := range s[pos+1:] {
		d := strings.IndexRune(bech32Charset, c)
		if d < 0 {
			return "", nil, bad
		}
		data = append(data, byte(d))
	}
	var values []byte
	for _, c := range hrp {
		values = append(values, byte(c)>>5)
	}
	values = append(values, 0)
	for _, c := range hrp {
		values = append(values, byte(c)&31)
	}
	if polymod(append(values, data...)) != 1 {
		return "", nil, bad
	}
	// 5-bit groups to bytes, no padding beyond 4 zero bits.
	var out []byte
	acc, bits := uint32(0), uint(0)
	for _, v := range data[:len(data)-6] {
		acc = acc<<5 | uint32(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	if bits >= 5 || acc&(1<<bits-1) != 0 {
		return "", nil, bad
	}
	return hrp, out, nil
}

func polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range 5 {
			if top>>i&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}
