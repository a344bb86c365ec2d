package core

import (
	"strings"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
)

// TestFingerprints: a provider's fingerprint as a patient computes it
// from the served key equals the one the practice computes from its own
// key material; a substituted or malformed key is refused.
func TestFingerprints(t *testing.T) {
	m, err := NewMaterial("Apfelbaum-Sommerwind-19", DefaultKDF())
	if err != nil {
		t.Fatal(err)
	}
	umk, err := UnlockUMK(m.PasswordKey, m.Keys)
	if err != nil {
		t.Fatal(err)
	}
	own, err := OwnFingerprint(umk, m.Keys)
	if err != nil {
		t.Fatal(err)
	}
	seen, err := KeyFingerprint(m.Keys.PublicKey)
	if err != nil || seen != own {
		t.Fatalf("the patient sees %q, the practice %q (%v)", seen, own, err)
	}
	if g := strings.Split(own, " "); len(g) != 8 || len(g[0]) != 4 {
		t.Fatalf("format: %q", own)
	}
	other, _, _ := seal.NewKeyPair()
	swapped := m.Keys
	swapped.PublicKey = other
	if _, err := OwnFingerprint(umk, swapped); akte.KindOf(err) != akte.KindCrypto {
		t.Fatalf("a substituted own key: %v", err)
	}
	if fp, _ := KeyFingerprint(other); fp == own {
		t.Fatal("two keys, one fingerprint")
	}
	for _, bad := range [][]byte{nil, []byte("key"), m.Keys.PublicKey[:100]} {
		if _, err := KeyFingerprint(bad); err == nil {
			t.Fatalf("a malformed key %x has a fingerprint", bad)
		} else if r, _ := akte.ReasonOf(err); r != "public_key_invalid" {
			t.Fatalf("a malformed key: %v", err)
		}
	}
}
