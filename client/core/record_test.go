package core

import (
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
