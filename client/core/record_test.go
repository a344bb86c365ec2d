package core

import (
	"maps"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// TestKeyVersions: the newest category key version must open under the
// RMK, and a listing without a version the client has seen is refused.
func TestKeyVersions(t *testing.T) {
	umk := seal.NewKey()
	keys, err := NewRecordKeys(umk)
	if err != nil {
		t.Fatal(err)
	}
	open := func(ks []wire.CategoryKey) *Record {
		t.Helper()
		info := wire.Record{Keys: *keys}
		info.Keys.CategoryKeys = ks
		r, err := OpenRecord(umk, info)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	v1 := keys.CategoryKeys
	seen, err := open(v1).KeyVersions(nil)
	if err != nil || len(seen) != len(akte.Categories()) || seen["findings"] != 1 {
		t.Fatalf("first listing: %v %v", seen, err)
	}
	rmk, err := seal.UnwrapKey(seal.ViaKey, umk, seal.RecordMasterKey, keys.RecordID, keys.RMKByUMK)
	if err != nil {
		t.Fatal(err)
	}
	slot2, err := seal.WrapKey(seal.ViaKey, rmk, seal.CategoryKey, seal.CategoryKeyID(keys.RecordID, "findings", 2), seal.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	v2 := append(append([]wire.CategoryKey{}, v1...), wire.CategoryKey{Category: "findings", Version: 2, KeyByRMK: slot2})
	if seen, err = open(v2).KeyVersions(seen); err != nil || seen["findings"] != 2 || seen["letters"] != 1 {
		t.Fatalf("after a rotation: %v %v", seen, err)
	}
	if v, err := open(v2).LatestVersion("findings"); err != nil || v != 2 {
		t.Fatalf("new items would use version %d (%v)", v, err)
	}
	_, err = open(v1).KeyVersions(seen)
	if r, p := akte.ReasonOf(err); r != "category_key_rollback" || p["category"] != "findings" || !akte.Is(err, akte.KindCrypto) {
		t.Fatalf("rolled back listing: %v (%s %v)", err, r, p)
	}
	// The v2 slot relabelled as v3, and a made-up v3: neither opens, so
	// neither can raise what the client remembers.
	for name, slot := range map[string][]byte{"relabelled": slot2, "made up": append([]byte{}, v1[0].KeyByRMK...)} {
		v3 := append(append([]wire.CategoryKey{}, v2...), wire.CategoryKey{Category: "findings", Version: 3, KeyByRMK: slot})
		if got, err := open(v3).KeyVersions(seen); !akte.Is(err, akte.KindCrypto) {
			t.Errorf("%s version 3: %v %v", name, got, err)
		}
	}
}

// TestPublicKeysAuthenticated: a public key of the account or the record
// that is not the one of the private key sealed under the UMK or the RMK
// (another key pair's, as a server would slip in its own) is refused, and
// so is a sealed private key of another record moved in beside it.
func TestPublicKeysAuthenticated(t *testing.T) {
	m, err := NewMaterial("Apfelbaum-Sommerwind-19", DefaultKDF())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UnlockUMK(m.PasswordKey, m.Keys); err != nil {
		t.Fatalf("honest keys: %v", err)
	}
	if _, err := OpenRecord(m.UMK, wire.Record{Keys: *m.Record}); err != nil {
		t.Fatalf("honest record: %v", err)
	}
	other, _, err := seal.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	swapped := m.Keys
	swapped.PublicKey = other
	if _, err := UnlockUMK(m.PasswordKey, swapped); !akte.Is(err, akte.KindCrypto) || reason(err) != "account_key_substituted" {
		t.Errorf("account key swapped: %v", err)
	}
	rec := *m.Record
	rec.PublicKey = other
	if _, err := OpenRecord(m.UMK, wire.Record{Keys: rec}); !akte.Is(err, akte.KindCrypto) || reason(err) != "record_key_substituted" {
		t.Errorf("record key swapped: %v", err)
	}
	// Another record's key pair, both halves: its private key is sealed
	// under another RMK and another record id.
	another, err := NewRecordKeys(m.UMK)
	if err != nil {
		t.Fatal(err)
	}
	rec = *m.Record
	rec.PublicKey, rec.PrivateKeyByRMK = another.PublicKey, another.PrivateKeyByRMK
	if _, err := OpenRecord(m.UMK, wire.Record{Keys: rec}); reason(err) != "record_key_substituted" {
		t.Errorf("another record's key pair: %v", err)
	}
}

func reason(err error) string {
	r, _ := akte.ReasonOf(err)
	return r
}

// TestChainProblems: the server's replaces must be the sealed one, and a
// version one more than the version it replaces; items sealed before the
// chain keep the server's word.
func TestChainProblems(t *testing.T) {
	metas := map[string]Meta{
		"a":   {Version: 1},
		"b":   {Replaces: "a", Version: 2},
		"c":   {Version: 1},
		"d":   {Replaces: "a", Version: 5},
		"old": {},
	}
	items := []wire.Item{{ID: "a"}, {ID: "b", Replaces: "a"}, {ID: "c", Replaces: "a"}, {ID: "d", Replaces: "a"}, {ID: "old", Replaces: "c"}, {ID: "unopened", Replaces: "a"}}
	got := map[string]string{}
	for id, err := range ChainProblems(items, metas) {
		if !akte.Is(err, akte.KindCrypto) {
			t.Errorf("%s: %v", id, err)
		}
		got[id] = reason(err)
	}
	want := map[string]string{"c": "replaces_forged", "d": "version_forged"}
	if !maps.Equal(got, want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	items[1].Replaces = ""
	if got := ChainProblems(items, metas); reason(got["b"]) != "replaces_forged" {
		t.Errorf("a cut chain: %v", got)
	}
	for _, c := range []struct {
		it   wire.Item
		m    Meta
		want string
	}{{items[2], metas["c"], ""}, {items[1], metas["b"], "a"}, {items[4], metas["old"], "c"}} {
		if got := VerifiedReplaces(c.it, c.m); got != c.want {
			t.Errorf("VerifiedReplaces(%s) = %q, want %q", c.it.ID, got, c.want)
		}
	}
	if r, v := NextVersion("", Meta{}); r != "" || v != 1 {
		t.Errorf("first version: %q %d", r, v)
	}
	if r, v := NextVersion("b", metas["b"]); r != "b" || v != 3 {
		t.Errorf("after b: %q %d", r, v)
	}
	if _, v := NextVersion("old", metas["old"]); v != 2 {
		t.Errorf("after an item without a version: %d", v)
	}
}
