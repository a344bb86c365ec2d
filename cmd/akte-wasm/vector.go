//go:build js && wasm

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
)

// vector checks one known-answer vector of seal/testdata (docs/crypto.md
// §10) with the Go code as compiled to WebAssembly, for every kind: the
// opening side, and the derivations (password split, share key, public key
// and fingerprint). The page checks streams and small objects a second time
// with its WebCrypto implementation, including the sealing side. It returns
// "" when the vector passes, else what went wrong.
func vector(a obj) (any, error) {
	f := map[string]string{}
	for _, k := range a.keys() {
		f[k] = a.str(k)
	}
	h := func(k string) []byte { return unhex(f[k]) }
	n := func(k string) int { v, _ := strconv.Atoi(f[k]); return v }
	want := f["expect"]
	check := func(got []byte, wantPT []byte, err error) string {
		switch {
		case want == "ok" && err != nil:
			return "unexpected error: " + err.Error()
		case want == "ok" && wantPT != nil && !bytes.Equal(got, wantPT):
			return "wrong plaintext"
		case want != "ok" && err == nil:
			return "opened, want " + want
		case want != "ok" && "error "+akte.KindOf(err).String() != want:
			return "error kind " + akte.KindOf(err).String() + ", want " + want
		}
		return ""
	}
	plaintext := func() []byte {
		if p, ok := f["plaintext_pattern"]; ok {
			size, _ := strconv.Atoi(p)
			b := make([]byte, size)
			for i := range b {
				b[i] = byte(i % 251)
			}
			return b
		}
		if _, ok := f["plaintext"]; ok {
			return h("plaintext")
		}
		return nil
	}
	switch f["kind"] {
	case "stream":
		ct := h("ciphertext")
		if _, ok := f["ciphertext"]; !ok {
			// Only a hash is given: rebuild the stream by sealing.
			var buf bytes.Buffer
			w, err := seal.NewWriter(&buf, h("key"), seal.WithSegmentSize(n("segment_size")),
				seal.WithStreamRandom(bytes.NewReader(append(h("salt"), h("nonce_prefix")...))))
			if err != nil {
				return "seal: " + err.Error(), nil
			}
			w.Write(plaintext())
			w.Close()
			sum := sha256.Sum256(buf.Bytes())
			if hex.EncodeToString(sum[:]) != f["ciphertext_sha256"] {
				return "sealing gives another stream", nil
			}
			ct = buf.Bytes()
		}
		r, err := seal.NewReader(bytes.NewReader(ct), h("key"))
		var got []byte
		if err == nil {
			got, err = io.ReadAll(r)
		}
		if msg := check(got, plaintext(), err); msg != "" {
			return "sequential: " + msg, nil
		}
		ra, err := seal.NewReaderAt(bytes.NewReader(ct), int64(len(ct)), h("key"))
		got = nil
		if err == nil {
			got, err = io.ReadAll(io.NewSectionReader(ra, 0, ra.Size()))
		}
		if msg := check(got, plaintext(), err); msg != "" {
			return "random access: " + msg, nil
		}
		return "", nil
	case "small":
		got, err := seal.OpenSmall(h("key"), h("aad"), h("ciphertext"))
		return check(got, plaintext(), err), nil
	case "hpke":
		if want == "ok" {
			pub, err := seal.PublicKey(h("private_key"))
			if err != nil || !bytes.Equal(pub, h("public_key")) {
				return "public key does not match the private key", nil
			}
			if seal.Fingerprint(pub) != f["fingerprint"] {
				return "fingerprint differs", nil
			}
		}
		got, err := seal.OpenFrom(h("private_key"), h("aad"), h("ciphertext"))
		return check(got, plaintext(), err), nil
	case "slot":
		via := seal.Via(n("via"))
		if want == "ok" && via == seal.ViaPublicKey {
			if p, err := seal.PublicKey(h("key")); err != nil || !bytes.Equal(p, h("public_key")) {
				return "public key does not match the private key", nil
			}
		}
		got, err := seal.UnwrapKey(via, h("key"), seal.KeyType(n("key_type")), f["id"], h("slot"))
		return check(got, plaintext(), err), nil
	case "password":
		pk, ls := seal.SplitPassword(h("password"), h("salt"), uint32(n("memory_kib")), uint32(n("time")), uint8(n("threads")))
		if !bytes.Equal(pk, h("password_key")) || !bytes.Equal(ls, h("login_secret")) {
			return "password split gives other keys", nil
		}
		return "", nil
	case "share_key":
		k, err := seal.ShareKey(h("secret"), h("password"), f["share_id"])
		if err != nil || !bytes.Equal(k, h("share_key")) {
			return "share key differs", nil
		}
		return "", nil
	}
	return "unknown kind " + f["kind"], nil
}

// unhex decodes hex; encoding/hex's errors would bring fmt into the module.
func unhex(s string) []byte {
	val := func(c byte) byte {
		switch {
		case c >= 'a':
			return c - 'a' + 10
		case c >= 'A':
			return c - 'A' + 10
		}
		return c - '0'
	}
	b := make([]byte, len(s)/2)
	for i := range b {
		b[i] = val(s[2*i])<<4 | val(s[2*i+1])
	}
	return b
}
