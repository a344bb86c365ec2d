package core

import (
	"bytes"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// TestRotateUMK: after a rotation the password opens the new UMK, which
// opens the same record (the same RMK, so the same category and item
// keys) and shows the new recovery key; the old UMK and the old recovery
// key open nothing of the new bundle or the new record slot; the public
// keys still check out.
func TestRotateUMK(t *testing.T) {
	m, err := NewMaterial("Apfelbaum-Sommerwind-19", DefaultKDF())
	if err != nil {
		t.Fatal(err)
	}
	old, err := OpenRecord(m.UMK, wire.Record{Keys: *m.Record})
	if err != nil {
		t.Fatal(err)
	}
	it, err := old.NewItem("letters", Meta{Title: "Arztbrief", Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := RotateUMK(m.UMK, m.Keys, *m.Record, m.PasswordKey)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(rt.UMK, m.UMK) || bytes.Equal(rt.RecoveryKey, m.RecoveryKey) {
		t.Fatal("the UMK or the recovery key did not change")
	}
	if !bytes.Equal(rt.Keys.PublicKey, m.Keys.PublicKey) {
		t.Error("the account's public key changed")
	}
	if !bytes.Equal(rt.RecoveryVerifier, RecoveryVerifier(rt.RecoveryKey)) {
		t.Error("the verifier is not the new recovery key's")
	}

	umk, err := UnlockUMK(m.PasswordKey, rt.Keys) // also checks the account's public key
	if err != nil || !bytes.Equal(umk, rt.UMK) {
		t.Fatalf("the password does not open the new UMK: %v", err)
	}
	if rk, err := RecoveryKey(umk, rt.Keys); err != nil || !bytes.Equal(rk, rt.RecoveryKey) {
		t.Fatalf("RecoveryKey after rotation: %v", err)
	}
	if u, err := UnlockUMKWithRecovery(rt.RecoveryKey, rt.Keys.UMKByRecovery); err != nil || !bytes.Equal(u, rt.UMK) {
		t.Fatalf("the new recovery key does not open the new UMK: %v", err)
	}
	rec := *m.Record
	rec.RMKByUMK = rt.RMKByUMK
	opened, err := OpenRecord(umk, wire.Record{Keys: rec}) // also checks the record's public key
	if err != nil {
		t.Fatal(err)
	}
	if _, meta, err := opened.OpenItem(wire.Item{ID: it.ID, Category: it.Category, KeyVersion: it.KeyVersion, KeySlot: it.KeySlot, MetaSealed: it.MetaSealed}); err != nil || meta.Title != "Arztbrief" {
		t.Fatalf("an item sealed before the rotation: %v", err)
	}

	// The old keys open nothing new.
	if _, err := UnlockUMKWithRecovery(m.RecoveryKey, rt.Keys.UMKByRecovery); reason(err) != "umk_unopenable_recovery" {
		t.Errorf("old recovery key on the new bundle: %v", err)
	}
	if _, err := RecoveryKey(m.UMK, rt.Keys); reason(err) != "recovery_key_unopenable" {
		t.Errorf("old UMK on the new recovery slot: %v", err)
	}
	if _, err := OpenRecord(m.UMK, wire.Record{Keys: rec}); reason(err) != "record_key_unopenable" {
		t.Errorf("old UMK on the new record slot: %v", err)
	}
	if _, err := seal.UnwrapKey(seal.ViaKey, m.UMK, seal.UserPrivateKey, userSlotID, rt.Keys.PrivateKeyByUMK); err == nil {
		t.Error("old UMK opens the new private key slot")
	}
	if bytes.Contains(rt.Keys.UMKByPassword, m.Keys.UMKByPassword) || bytes.Equal(rt.RMKByUMK, m.Record.RMKByUMK) {
		t.Error("a slot was not made anew")
	}
}

// TestRotateUMKRefuses: a UMK that is not the one the password opens, a
// wrong password key, and substituted public keys make no rotation.
func TestRotateUMKRefuses(t *testing.T) {
	m, err := NewMaterial("Apfelbaum-Sommerwind-19", DefaultKDF())
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := seal.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	swapped := m.Keys
	swapped.PublicKey = other
	rec := *m.Record
	rec.PublicKey = other
	for _, c := range []struct {
		name, reason string
		umk          []byte
		keys         akte.KeyBundle
		rec          wire.RecordKeys
		pk           []byte
	}{
		{"another UMK", "umk_changed", seal.NewKey(), m.Keys, *m.Record, m.PasswordKey},
		{"wrong password key", "umk_unopenable", m.UMK, m.Keys, *m.Record, seal.NewKey()},
		{"account key swapped", "account_key_substituted", m.UMK, swapped, *m.Record, m.PasswordKey},
		{"record key swapped", "record_key_substituted", m.UMK, m.Keys, rec, m.PasswordKey},
	} {
		if rt, err := RotateUMK(c.umk, c.keys, c.rec, c.pk); rt != nil || reason(err) != c.reason {
			t.Errorf("%s: %v, %v; want reason %s", c.name, rt, err, c.reason)
		}
	}
}
