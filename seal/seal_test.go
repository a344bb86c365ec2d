package seal

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/akte/akte"
)

func TestSmall(t *testing.T) {
	key := NewKey()
	aad := []byte("item 1 metadata")
	for _, n := range []int{0, 1, 100, 4096} {
		pt := pattern(n)
		ct, err := SealSmall(key, aad, pt)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != n+SmallOverhead {
			t.Errorf("len %d, want %d", len(ct), n+SmallOverhead)
		}
		got, err := OpenSmall(key, aad, ct)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("OpenSmall = %x, %v", got, err)
		}
	}
	ct, err := SealSmall(key, aad, []byte("metadata"))
	if err != nil {
		t.Fatal(err)
	}
	ct2, _ := SealSmall(key, aad, []byte("metadata"))
	if bytes.Equal(ct[:smallHeaderSize], ct2[:smallHeaderSize]) {
		t.Error("two objects under one key share a header: the commitment would link them")
	}
	_, err = OpenSmall(NewKey(), aad, ct)
	assertKind(t, "wrong key", err, akte.KindCrypto)
	_, err = OpenSmall(key, []byte("item 2 metadata"), ct)
	assertKind(t, "wrong aad", err, akte.KindCrypto)
	_, err = OpenSmall(key, nil, ct)
	assertKind(t, "missing aad", err, akte.KindCrypto)
	_, err = OpenSmall(key[:31], aad, ct)
	assertKind(t, "short key", err, akte.KindInvalid)
	_, err = SealSmall(append(key, 0), aad, nil)
	assertKind(t, "long key", err, akte.KindInvalid)
	for i := range len(ct) * 8 {
		bad := bytes.Clone(ct)
		bad[i/8] ^= 1 << (i % 8)
		want := akte.KindCrypto
		if i/8 < 2 {
			want = akte.KindInvalid
		}
		_, err := OpenSmall(key, aad, bad)
		assertKind(t, fmt.Sprintf("bit %d flipped", i), err, want)
	}
	for n := range len(ct) {
		want := akte.KindCrypto
		if n < smallOverhead {
			want = akte.KindInvalid
		}
		_, err := OpenSmall(key, aad, ct[:n])
		assertKind(t, fmt.Sprintf("truncated to %d", n), err, want)
	}
	_, err = OpenSmall(key, aad, append(bytes.Clone(ct), 0))
	assertKind(t, "extended", err, akte.KindCrypto)
	// A stream header is not a small object.
	_, err = OpenSmall(key, aad, mustEncrypt(t, key, nil, 64))
	assertKind(t, "stream as small object", err, akte.KindInvalid)
}

func TestHPKE(t *testing.T) {
	pub, priv, err := NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 2+hpkePublicSize || len(priv) != 2+hpkePrivateSize {
		t.Fatalf("key sizes %d, %d", len(pub), len(priv))
	}
	if p, err := PublicKey(priv); err != nil || !bytes.Equal(p, pub) {
		t.Fatalf("PublicKey = %v", err)
	}
	aad := []byte("slot")
	secret := NewKey()
	ct, err := SealTo(pub, aad, secret)
	if err != nil {
		t.Fatal(err)
	}
	if len(ct) != len(secret)+hpkeOverhead {
		t.Errorf("len %d, want %d", len(ct), len(secret)+hpkeOverhead)
	}
	got, err := OpenFrom(priv, aad, ct)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("OpenFrom = %x, %v", got, err)
	}

	// Someone the secret was not sealed to.
	_, priv2, _ := NewKeyPair()
	_, err = OpenFrom(priv2, aad, ct)
	assertKind(t, "unshared reader", err, akte.KindCrypto)
	_, err = OpenFrom(priv, []byte("other"), ct)
	assertKind(t, "wrong aad", err, akte.KindCrypto)
	_, err = OpenFrom(pub, aad, ct)
	assertKind(t, "public key as private key", err, akte.KindInvalid)
	_, err = SealTo(priv, aad, secret)
	assertKind(t, "private key as public key", err, akte.KindInvalid)
	_, err = SealTo(pub[:100], aad, secret)
	assertKind(t, "short public key", err, akte.KindInvalid)
	_, err = SealTo(append(bytes.Clone(pub[:2]), make([]byte, hpkePublicSize)...), aad, secret)
	assertKind(t, "public key not on the curve", err, akte.KindInvalid)
	_, err = OpenFrom(append([]byte{2}, priv[1:]...), aad, ct)
	assertKind(t, "private key of another version", err, akte.KindInvalid)

	// Bit flips: the ML-KEM ciphertext, the commitment and the AEAD part
	// fail authentication; a flip in the P-256 share may instead make it
	// an invalid point, which is malformed input.
	const mlkemCT = 1088
	for _, i := range []int{0, 1, 2, 3, 100, 2 + mlkemCT - 1, 2 + mlkemCT, 2 + mlkemCT + 1, 2 + mlkemCT + 40, 2 + hpkeEncSize, hpkeHeaderSize - 1, hpkeHeaderSize, len(ct) - 1} {
		for _, bit := range []byte{1, 0x80} {
			bad := bytes.Clone(ct)
			bad[i] ^= bit
			_, err := OpenFrom(priv, aad, bad)
			switch {
			case i < 2:
				assertKind(t, fmt.Sprintf("byte %d flipped", i), err, akte.KindInvalid)
			case i >= 2+mlkemCT && i < 2+hpkeEncSize && akte.KindOf(err) == akte.KindInvalid:
				// invalid P-256 point
			default:
				assertKind(t, fmt.Sprintf("byte %d flipped", i), err, akte.KindCrypto)
			}
		}
	}
	for _, n := range []int{0, 1, 2, hpkeOverhead - 1} {
		_, err := OpenFrom(priv, aad, ct[:n])
		assertKind(t, fmt.Sprintf("truncated to %d", n), err, akte.KindInvalid)
	}
	_, err = OpenFrom(priv, aad, ct[:len(ct)-1])
	assertKind(t, "last byte cut", err, akte.KindCrypto)
}

func TestSlots(t *testing.T) {
	categoryKey := NewKey()
	dek := NewKey()
	recordPub, recordPriv, _ := NewKeyPair()
	_, strangerPriv, _ := NewKeyPair()
	shareKey, err := ShareKey([]byte("share-secret-from-url-fragment"), nil, "share1")
	if err != nil {
		t.Fatal(err)
	}

	type opener struct {
		via   Via
		wrap  []byte
		open  []byte
		other []byte // a key of the right shape that must not open it
	}
	for _, o := range []opener{
		{ViaKey, categoryKey, categoryKey, NewKey()},
		{ViaPublicKey, recordPub, recordPriv, strangerPriv},
		{ViaShare, shareKey, shareKey, NewKey()},
	} {
		name := fmt.Sprintf("via %d", o.via)
		slot, err := WrapKey(o.via, o.wrap, ItemKey, "item-1", dek)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := UnwrapKey(o.via, o.open, ItemKey, "item-1", slot)
		if err != nil || !bytes.Equal(got, dek) {
			t.Fatalf("%s: UnwrapKey = %x, %v", name, got, err)
		}
		_, err = UnwrapKey(o.via, o.open, ItemKey, "item-2", slot)
		assertKind(t, name+": slot moved to another item", err, akte.KindCrypto)
		_, err = UnwrapKey(o.via, o.open, CategoryKey, "item-1", slot)
		assertKind(t, name+": opened as another key type", err, akte.KindCrypto)
		_, err = UnwrapKey(o.via, o.other, ItemKey, "item-1", slot)
		assertKind(t, name+": reader it was not shared with", err, akte.KindCrypto)
		relabelled := bytes.Clone(slot)
		relabelled[3] = byte(CategoryKey)
		_, err = UnwrapKey(o.via, o.open, CategoryKey, "item-1", relabelled)
		assertKind(t, name+": relabelled key type", err, akte.KindCrypto)
		for n := range slotHeaderSize {
			_, err = UnwrapKey(o.via, o.open, ItemKey, "item-1", slot[:n])
			assertKind(t, fmt.Sprintf("%s: truncated to %d", name, n), err, akte.KindInvalid)
		}
	}

	// A category-key slot cannot be relabelled as a share slot, although
	// both are opened with a symmetric key.
	slot, _ := WrapKey(ViaKey, categoryKey, ItemKey, "item-1", dek)
	relabelled := bytes.Clone(slot)
	relabelled[2] = byte(ViaShare)
	_, err = UnwrapKey(ViaShare, categoryKey, ItemKey, "item-1", relabelled)
	assertKind(t, "via relabelled", err, akte.KindCrypto)
	_, err = UnwrapKey(ViaShare, categoryKey, ItemKey, "item-1", slot)
	assertKind(t, "opened via another way", err, akte.KindCrypto)

	// The hierarchy: category key under the record master key, bound to
	// its record, category and version.
	rmk := NewKey()
	id := CategoryKeyID("rec-1", "findings", 2)
	if id != "rec-1/findings/v2" {
		t.Errorf("CategoryKeyID = %q", id)
	}
	slot, _ = WrapKey(ViaKey, rmk, CategoryKey, id, categoryKey)
	_, err = UnwrapKey(ViaKey, rmk, CategoryKey, CategoryKeyID("rec-1", "findings", 1), slot)
	assertKind(t, "category key of another version", err, akte.KindCrypto)
	_, err = UnwrapKey(ViaKey, rmk, CategoryKey, CategoryKeyID("rec-1", "letters", 2), slot)
	assertKind(t, "category key of another category", err, akte.KindCrypto)

	// The record private key under the record master key.
	slot, err = WrapKey(ViaKey, rmk, RecordPrivateKey, "rec-1", recordPriv)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := UnwrapKey(ViaKey, rmk, RecordPrivateKey, "rec-1", slot); err != nil || !bytes.Equal(got, recordPriv) {
		t.Errorf("record private key: %v", err)
	}

	// Wrapping checks the shape of what it wraps.
	for _, tc := range []struct {
		t   KeyType
		key []byte
	}{
		{ItemKey, make([]byte, 16)},
		{UserMasterKey, nil},
		{RecordPrivateKey, NewKey()},
		{UserSigningKey, nil},
		{KeyType(99), NewKey()},
	} {
		_, err := WrapKey(ViaKey, rmk, tc.t, "x", tc.key)
		assertKind(t, fmt.Sprintf("wrap type %d with %d bytes", tc.t, len(tc.key)), err, akte.KindInvalid)
	}
	_, err = WrapKey(Via(9), rmk, ItemKey, "x", dek)
	assertKind(t, "unknown via", err, akte.KindInvalid)
	_, err = WrapKey(ViaPublicKey, rmk, ItemKey, "x", dek)
	assertKind(t, "symmetric key as public key", err, akte.KindInvalid)
}

func TestSplitPassword(t *testing.T) {
	salt := []byte("per-account-salt")
	pk, ls := SplitPassword([]byte("Korrekt Pferd"), salt, 64, 1, 1)
	if len(pk) != 32 || len(ls) != 32 || bytes.Equal(pk, ls) {
		t.Fatalf("bad split %x %x", pk, ls)
	}
	pk2, ls2 := SplitPassword([]byte("Korrekt Pferd"), salt, 64, 1, 1)
	if !bytes.Equal(pk, pk2) || !bytes.Equal(ls, ls2) {
		t.Error("not deterministic")
	}
	pk3, _ := SplitPassword([]byte("Korrekt Pferd"), []byte("other-account-sa"), 64, 1, 1)
	if bytes.Equal(pk, pk3) {
		t.Error("salt ignored")
	}
	// Appending to the password key must not overwrite the login secret.
	_ = append(pk, 0xff)
	if ls[0] != ls2[0] {
		t.Error("password key aliases the login secret")
	}
}

func TestShareKey(t *testing.T) {
	secret := []byte("ABCD-EFGH-JKLM")
	k1, err := ShareKey(secret, nil, "s1")
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := ShareKey(secret, []byte("pw"), "s1")
	k3, _ := ShareKey(secret, []byte("pw"), "s2")
	if len(k1) != KeySize || bytes.Equal(k1, k2) || bytes.Equal(k2, k3) {
		t.Error("share keys do not depend on password and share id")
	}
	_, err = ShareKey(nil, nil, "s1")
	assertKind(t, "empty secret", err, akte.KindInvalid)
}

func TestFingerprint(t *testing.T) {
	pub, _, _ := NewKeyPair()
	fp := Fingerprint(pub)
	if len(fp) != 39 || fp[4] != ' ' {
		t.Errorf("Fingerprint = %q", fp)
	}
	pub2, _, _ := NewKeyPair()
	if Fingerprint(pub2) == fp {
		t.Error("two keys, one fingerprint")
	}
}
