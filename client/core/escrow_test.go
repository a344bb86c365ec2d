package core_test

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
)

// TestSessionKey: the key needs both shares, each of the right length, and
// changes with either; it is neither share.
func TestSessionKey(t *testing.T) {
	server, local := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	k, err := core.SessionKey(server, local)
	if err != nil || len(k) != 32 {
		t.Fatalf("SessionKey: %x, %v", k, err)
	}
	if again, _ := core.SessionKey(server, local); !bytes.Equal(k, again) {
		t.Error("the key is not stable")
	}
	for name, other := range map[string][][]byte{
		"another local share":  {server, bytes.Repeat([]byte{3}, 32)},
		"another server share": {bytes.Repeat([]byte{3}, 32), local},
		"the shares swapped":   {local, server},
	} {
		if o, _ := core.SessionKey(other[0], other[1]); bytes.Equal(o, k) {
			t.Errorf("%s gives the same key", name)
		}
	}
	if bytes.Equal(k, server) || bytes.Equal(k, local) {
		t.Error("the key is one of its shares")
	}
	for name, sh := range map[string][][]byte{
		"no local share":      {server, nil},
		"no server share":     {nil, local},
		"a short local share": {server, local[:31]},
		"a long server share": {append(server, 0), local},
	} {
		if _, err := core.SessionKey(sh[0], sh[1]); akte.KindOf(err) != akte.KindCrypto {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestSessionKeyProof: the signature verifies against the device's public
// key over the session's id and the time it names, and over nothing else.
func TestSessionKeyProof(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	now := time.Date(2026, 3, 2, 9, 0, 0, 123e6, time.UTC)
	r := core.SessionKeyProof(priv, "sess-1", now)
	if r.TimeMs != now.UnixMilli() {
		t.Errorf("time %d, want %d", r.TimeMs, now.UnixMilli())
	}
	if !ed25519.Verify(pub, akte.SessionKeyMessage("sess-1", r.TimeMs), r.Signature) {
		t.Fatal("the proof does not verify")
	}
	if ed25519.Verify(pub, akte.SessionKeyMessage("sess-2", r.TimeMs), r.Signature) ||
		ed25519.Verify(pub, akte.SessionKeyMessage("sess-1", r.TimeMs+1), r.Signature) {
		t.Error("the proof verifies for another session or time")
	}
	if got := string(akte.SessionKeyMessage("s", 5)); got != "akte v1 session key\x00s\x005" {
		t.Errorf("message %q", got)
	}
}
