package core

import (
	"testing"

	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// TestDescribe: a new description changes only what a patient describes;
// what is bound to the content stays whatever the caller passes; a move
// wraps the item key under the new category's key, so the item opens there
// with the same key; an empty title is refused; the change names the
// version it replaces.
func TestDescribe(t *testing.T) {
	umk := seal.NewKey()
	keys, err := NewRecordKeys(umk)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := OpenRecord(umk, wire.Record{Keys: *keys})
	if err != nil {
		t.Fatal(err)
	}
	orig := Meta{Title: "scan", Date: "2024-01-02", FileName: "scan.png", MediaType: "image/png", Size: 1234, Digest: "ab12", Replaces: "prev", Version: 2, Thumb: "AAAA", Origin: "exported-1"}
	n, err := rec.NewItem("findings", orig)
	if err != nil {
		t.Fatal(err)
	}
	it := wire.Item{ID: n.ID, Category: n.Category, KeyVersion: n.KeyVersion, KeySlot: n.KeySlot, MetaSealed: n.MetaSealed, MetaVersion: 3}
	forged := Meta{Title: "Blutbild", Source: "Praxis Weber", Comment: "nüchtern", FileName: "x.exe", MediaType: "text/html", Size: 1, Digest: "ff", Replaces: "other", Version: 9, Thumb: "BBBB", Origin: "forged"}
	ch, m, err := rec.Describe(it, forged, "")
	if err != nil {
		t.Fatal(err)
	}
	want := orig
	want.Title, want.Date, want.Source, want.Comment = "Blutbild", "", "Praxis Weber", "nüchtern"
	if m != want || ch.Expect != 3 || ch.Category != "" || ch.KeySlot != nil {
		t.Fatalf("described %+v, change %+v; want %+v", m, ch, want)
	}
	it.MetaSealed = ch.MetaSealed
	if _, got, err := rec.OpenItem(it); err != nil || got != want {
		t.Fatalf("opened %+v %v, want %+v", got, err, want)
	}

	ch, _, err = rec.Describe(it, want, "letters")
	if err != nil {
		t.Fatal(err)
	}
	if ch.Category != "letters" || ch.KeyVersion != 1 || ch.KeySlot == nil {
		t.Fatalf("move: %+v", ch)
	}
	moved := it
	moved.Category, moved.KeyVersion, moved.KeySlot, moved.MetaSealed = ch.Category, ch.KeyVersion, ch.KeySlot, ch.MetaSealed
	key, got, err := rec.OpenItem(moved)
	if err != nil || got != want || string(key) != string(n.Key) {
		t.Fatalf("moved item opens as %+v %v (same key: %v)", got, err, string(key) == string(n.Key))
	}
	// The old slot does not open under the new category's key.
	moved.KeySlot = it.KeySlot
	if _, _, err := rec.OpenItem(moved); reason(err) != "item_key_unopenable" {
		t.Errorf("old slot under the new category: %v", err)
	}
	if _, _, err := rec.Describe(it, Meta{}, ""); reason(err) != "title_missing" {
		t.Errorf("empty title: %v", err)
	}
	if _, _, err := rec.Describe(it, want, "nope"); reason(err) != "category_unknown" {
		t.Errorf("unknown category: %v", err)
	}
}
