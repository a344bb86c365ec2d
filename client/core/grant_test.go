package core

import (
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// TestGrantKeys: a grant's keys open with the grantee's private key and
// open the items of the granted category, not others; the private
// category is refused; a new version goes to running grants of the
// category except the one it is hidden from; an inbox item opens for the
// patient only.
func TestGrantKeys(t *testing.T) {
	umk := seal.NewKey()
	keys, err := NewRecordKeys(umk)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := OpenRecord(umk, wire.Record{Keys: *keys})
	if err != nil {
		t.Fatal(err)
	}
	rid := keys.RecordID
	pub, priv, _ := seal.NewKeyPair()
	otherPub, otherPriv, _ := seal.NewKeyPair()
	item := func(cat string) wire.Item {
		t.Helper()
		ni, err := rec.NewItem(cat, Meta{Title: "t-" + cat})
		if err != nil {
			t.Fatal(err)
		}
		return wire.Item{ID: ni.ID, Category: cat, KeyVersion: ni.KeyVersion, KeySlot: ni.KeySlot, MetaSealed: ni.MetaSealed}
	}
	finding, letter := item("findings"), item("letters")

	if _, err := rec.GrantCategoryKeys(pub, []string{"private"}); !akte.Is(err, akte.KindInvalid) {
		t.Errorf("the private category granted: %v", err)
	}
	if ks, err := rec.GrantCategoryKeys(pub, GrantableCategories()); err != nil || len(ks) != len(akte.Categories())-1 {
		t.Errorf("whole record: %d keys, %v", len(ks), err)
	}
	ks, err := rec.GrantCategoryKeys(pub, []string{"findings"})
	if err != nil {
		t.Fatal(err)
	}
	g := wire.Grant{ID: "g1", RecordID: rid, Grantee: "a", Scope: "categories", Categories: []string{"findings"}, Active: true, Keys: ks, RecordPublicKey: keys.PublicKey,
		GranteePublicKey: pub}
	if _, err := OpenGrants(otherPriv, rid, []wire.Grant{g}); !akte.Is(err, akte.KindCrypto) {
		t.Errorf("another's private key opens the grant: %v", err)
	}
	kr, err := OpenGrants(priv, rid, []wire.Grant{g})
	if err != nil {
		t.Fatal(err)
	}
	if _, m, err := kr.OpenItem(finding); err != nil || m.Title != "t-findings" {
		t.Errorf("the granted finding: %+v %v", m, err)
	}
	if _, _, err := kr.OpenItem(letter); !akte.Is(err, akte.KindCrypto) {
		t.Errorf("a letter opens with a findings grant: %v", err)
	}

	// An item grant: the item key, nothing else.
	iks, err := rec.GrantItemKeys(otherPub, []wire.Item{letter})
	if err != nil {
		t.Fatal(err)
	}
	ikr, err := OpenGrants(otherPriv, rid, []wire.Grant{{RecordID: rid, Scope: "items", Keys: iks}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ikr.OpenItem(letter); err != nil {
		t.Errorf("the granted letter: %v", err)
	}
	if _, _, err := ikr.OpenItem(finding); !akte.Is(err, akte.KindCrypto) {
		t.Errorf("a finding opens with a letter's key: %v", err)
	}

	// A new version: to the running grant, not to a hidden or ended one.
	h := wire.Grant{ID: "g2", RecordID: rid, Grantee: "b", Scope: "record", Active: true, GranteePublicKey: otherPub}
	ended := wire.Grant{ID: "g3", RecordID: rid, Grantee: "c", Scope: "record", GranteePublicKey: otherPub}
	add, err := rec.RotateCategory("findings", []wire.Grant{g, h, ended}, func(grantee, c string) bool { return grantee == "b" })
	if err != nil {
		t.Fatal(err)
	}
	if add.Version != 2 || len(add.GrantKeys) != 1 || add.GrantKeys["g1"].ID != seal.CategoryKeyID(rid, "findings", 2) {
		t.Fatalf("rotation: %+v", add)
	}
	newer := item("findings")
	if newer.KeyVersion != 2 {
		t.Fatalf("a new item after the rotation is under version %d", newer.KeyVersion)
	}
	if _, _, err := kr.OpenItem(newer); !akte.Is(err, akte.KindCrypto) {
		t.Errorf("the old keys open an item under the new version: %v", err)
	}
	g.Keys = append(g.Keys, add.GrantKeys["g1"])
	if kr, err = OpenGrants(priv, rid, []wire.Grant{g}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := kr.OpenItem(newer); err != nil {
		t.Errorf("the running grant's new version: %v", err)
	}

	// The inbox: sealed to the record key, opened by the patient only;
	// the pin refuses another key.
	in, err := NewInboxItem(rid, kr.RecordPub, "discharge", Meta{Title: "Entlassbrief"})
	if err != nil {
		t.Fatal(err)
	}
	wi := wire.Item{ID: in.ID, Category: "discharge", KeyVersion: 0, KeySlot: in.KeySlot, MetaSealed: in.MetaSealed}
	if _, m, err := rec.OpenItem(wi); err != nil || m.Title != "Entlassbrief" {
		t.Errorf("the patient opens the inbox item: %+v %v", m, err)
	}
	if _, _, err := kr.OpenItem(wi); !akte.Is(err, akte.KindCrypto) {
		t.Errorf("a grantee opens an inbox item: %v", err)
	}
	if err := PinRecordKey(keys.PublicKey, otherPub); !akte.Is(err, akte.KindCrypto) {
		t.Errorf("another record key passes the pin: %v", err)
	}
	if err := PinRecordKey(nil, keys.PublicKey); err != nil {
		t.Errorf("first sight: %v", err)
	}
}

// TestSlotsOpenedApart: the browser's grants module has the core open the
// record master key and the account's private key with the UMK
// (seal.SlotSealed, OpenSmall) and opens the record with the RMK: the
// same record as OpenRecord, and a substituted record key is refused.
func TestSlotsOpenedApart(t *testing.T) {
	umk := seal.NewKey()
	keys, err := NewRecordKeys(umk)
	if err != nil {
		t.Fatal(err)
	}
	typ, id, slot := RMKSlot(*keys)
	aad, sealed := seal.SlotSealed(typ, id, slot)
	rmk, err := seal.OpenSmall(umk, aad, sealed)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := seal.UnwrapKey(seal.ViaKey, umk, seal.RecordMasterKey, keys.RecordID, keys.RMKByUMK)
	if string(rmk) != string(want) {
		t.Fatal("the slot opened apart is not the record master key")
	}
	rec, err := OpenRecordRMK(rmk, wire.Record{Keys: *keys})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.GrantCategoryKeys(keys.PublicKey, []string{"findings"}); err != nil {
		t.Errorf("grant keys from the record opened with its RMK: %v", err)
	}
	other, _ := NewRecordKeys(umk)
	bad := *keys
	bad.PublicKey = other.PublicKey
	if _, err := OpenRecordRMK(rmk, wire.Record{Keys: bad}); !akte.Is(err, akte.KindCrypto) {
		t.Errorf("a substituted record key: %v", err)
	}
	if _, err := seal.OpenSmall(seal.NewKey(), aad, sealed); err == nil {
		t.Error("another key opens the slot")
	}
	if _, s := seal.SlotSealed(typ, id, slot[:2]); s != nil {
		t.Error("a short slot reads as something")
	}

	_, priv, _ := seal.NewKeyPair()
	pk, err := seal.WrapKey(seal.ViaKey, umk, seal.UserPrivateKey, userSlotID, priv)
	if err != nil {
		t.Fatal(err)
	}
	typ, id, slot = PrivateKeySlot(akte.KeyBundle{PrivateKeyByUMK: pk})
	aad, sealed = seal.SlotSealed(typ, id, slot)
	if got, err := seal.OpenSmall(umk, aad, sealed); err != nil || string(got) != string(priv) {
		t.Errorf("the account's private key opened apart: %v", err)
	}
}
