//go:build !js

package audit

import (
	"bytes"
	"crypto/x509"
	"testing"
)

func TestKeyPEM(t *testing.T) {
	k := testKey(t)
	pemBytes, err := k.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	k2, err := ParseKey(k.Name(), pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	if k2.Public() != k.Public() {
		t.Fatal("PEM round trip changed the key")
	}
	if _, err := ParseKey("bad name", pemBytes); err == nil {
		t.Error("key name with a space accepted")
	}
	if _, err := ParseKey("x", []byte("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n")); err == nil {
		t.Error("non-PKCS #8 block accepted")
	}
}

// TestPublicKeyDER: the SubjectPublicKeyInfo the package writes and reads
// without crypto/x509 is the one x509 writes, and x509 reads it back.
func TestPublicKeyDER(t *testing.T) {
	k := testKey(t)
	want, err := x509.MarshalPKIXPublicKey(&k.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.spki, want) {
		t.Fatalf("SPKI %x, x509 writes %x", k.spki, want)
	}
	if _, err := x509.ParsePKIXPublicKey(k.spki); err != nil {
		t.Fatal(err)
	}
}
