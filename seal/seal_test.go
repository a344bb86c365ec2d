package seal

import (
	"bytes"
	"testing"

	"github.com/akte/akte"
)

func TestSmallRoundTrip(t *testing.T) {
	key := NewKey()
	for _, n := range []int{0, 1, 100, 4096} {
		pt := bytes.Repeat([]byte{'x'}, n)
		ct, err := SealSmall(key, []byte("aad"), pt)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != n+SmallOverhead {
			t.Errorf("len %d, want %d", len(ct), n+SmallOverhead)
		}
		got, err := OpenSmall(key, []byte("aad"), ct)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("OpenSmall = %x, %v", got, err)
		}
		if _, err := OpenSmall(NewKey(), []byte("aad"), ct); akte.KindOf(err) != akte.KindCrypto {
			t.Errorf("wrong key: %v", err)
		}
		if _, err := OpenSmall(key, []byte("other"), ct); akte.KindOf(err) != akte.KindCrypto {
			t.Errorf("wrong aad: %v", err)
		}
	}
}

func TestHPKERoundTrip(t *testing.T) {
	pub, priv, err := NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	ct, err := SealTo(pub, []byte("aad"), []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenFrom(priv, []byte("aad"), ct)
	if err != nil || string(got) != "secret" {
		t.Fatalf("OpenFrom = %q, %v", got, err)
	}
	_, priv2, _ := NewKeyPair()
	if _, err := OpenFrom(priv2, []byte("aad"), ct); akte.KindOf(err) != akte.KindCrypto {
		t.Errorf("wrong private key: %v", err)
	}
}

func TestSplitPassword(t *testing.T) {
	pk, ls := SplitPassword([]byte("pw"), []byte("salt-salt-salt-1"), 64, 1, 1)
	if len(pk) != 32 || len(ls) != 32 || bytes.Equal(pk, ls) {
		t.Fatalf("bad split %x %x", pk, ls)
	}
}
