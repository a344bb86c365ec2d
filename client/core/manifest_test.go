package core

import (
	"slices"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

func newTestRecord(t *testing.T) *Record {
	t.Helper()
	umk := seal.NewKey()
	keys, err := NewRecordKeys(umk)
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenRecord(umk, wire.Record{Keys: *keys})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// problems renders ManifestProblems as "reason id" lines.
func problems(m *Manifest, items []wire.Item, metas map[string]Meta, category string) []string {
	var out []string
	for _, p := range ManifestProblems(m, items, metas, category) {
		r, _ := akte.ReasonOf(p.Err)
		out = append(out, r+" "+p.ID)
	}
	return out
}

// TestManifestProblems: each way a listing can differ from the manifest
// is named, and the windows of a write in progress are not.
func TestManifestProblems(t *testing.T) {
	rec := newTestRecord(t)
	items := []wire.Item{{ID: "a", Category: "findings"}, {ID: "b", Category: "letters"}, {ID: "c", Category: "findings"}}
	metas := map[string]Meta{"a": {Version: 1}, "b": {}, "c": {Version: 2}}
	m := rec.NewManifest(items, metas)
	if got := problems(m, items, metas, ""); got != nil {
		t.Fatalf("the listing the manifest was made from: %v", got)
	}
	// Writes in progress: an upload begun (listed or not), a delete begun
	// (listed or not).
	m.Set("p1", "findings", 0, Pending)
	m.Set("p2", "findings", 0, Pending)
	m.Set("c", "", 0, Deleting)
	m.Set("d", "letters", 1, Live)
	m.Set("d", "", 0, Deleting)
	withP1 := append(slices.Clone(items), wire.Item{ID: "p1", Category: "findings"})
	if got := problems(m, withP1, metas, ""); got != nil {
		t.Fatalf("writes in progress: %v", got)
	}
	if m.Items["c"].Category != "findings" || m.Items["c"].Version != 2 {
		t.Errorf("a delete begun forgets the item: %+v", m.Items["c"])
	}
	m.Set("c", "", 0, Deleted)
	m.Set("d", "", 0, Deleted)

	// Withheld (of the category asked for only), resurrected, unknown,
	// another version.
	listing := []wire.Item{{ID: "b", Category: "letters"}, {ID: "c", Category: "findings"}, {ID: "z", Category: "findings", KeyVersion: 1}, {ID: "p1", Category: "findings"}}
	metas2 := map[string]Meta{"b": {Version: 3}, "c": {Version: 2}, "z": {Version: 1}, "p1": {Version: 1}}
	want := []string{"item_version_changed b", "item_resurrected c", "item_resurrected z", "item_withheld a"}
	if got := problems(m, listing, metas2, ""); !slices.Equal(got, want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	if got := problems(m, nil, nil, "letters"); !slices.Equal(got, []string{"item_withheld b"}) {
		t.Errorf("letters withheld: %v", got)
	}
	// An item whose metadata did not open is not said to have another
	// version (its opening failed loudly already).
	if got := problems(m, items[:2], map[string]Meta{"a": {Version: 1}}, ""); got != nil {
		t.Errorf("unopened b: %v", got)
	}

	// A listed pending upload settles as live; an unlisted one stays.
	if !m.Settle(withP1, map[string]Meta{"p1": {Version: 1}}) || m.Items["p1"] != (ManifestEntry{Category: "findings", Version: 1}) || m.Items["p2"].State != Pending {
		t.Errorf("settled: %+v", m.Items)
	}
	if m.Settle(withP1, nil) {
		t.Error("settled twice")
	}
}

// TestManifestSeal: the manifest opens only under its record and counter,
// unchanged; the counter may not go back.
func TestManifestSeal(t *testing.T) {
	rec := newTestRecord(t)
	m := rec.NewManifest([]wire.Item{{ID: "a", Category: "findings"}}, map[string]Meta{"a": {Version: 1}})
	m.Set("x", "", 0, Deleted)
	m.Set("p", "letters", 0, Pending)
	blob, err := rec.SealManifest(m, 7)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rec.OpenManifest(7, blob)
	if err != nil {
		t.Fatal(err)
	}
	if got.Record != rec.Info.Keys.RecordID || got.Counter != 7 || len(got.Items) != 3 || got.Items["a"] != (ManifestEntry{Category: "findings", Version: 1}) ||
		got.Items["x"] != (ManifestEntry{State: Deleted}) || got.Items["p"] != (ManifestEntry{Category: "letters", State: Pending}) {
		t.Errorf("opened %+v", got)
	}
	if none, err := rec.OpenManifest(0, nil); none != nil || err != nil {
		t.Errorf("no manifest: %v %v", none, err)
	}
	other := newTestRecord(t)
	otherBlob, err := other.SealManifest(other.NewManifest(nil, nil), 7)
	if err != nil {
		t.Fatal(err)
	}
	flipped := slices.Clone(blob)
	flipped[len(flipped)-1] ^= 1
	for name, c := range map[string]struct {
		counter int64
		blob    []byte
	}{"another counter": {8, blob}, "another record's": {7, otherBlob}, "changed": {7, flipped}} {
		if _, err := rec.OpenManifest(c.counter, c.blob); !akte.Is(err, akte.KindCrypto) {
			t.Errorf("%s: %v", name, err)
		} else if r, _ := akte.ReasonOf(err); r != "manifest_unopenable" {
			t.Errorf("%s: reason %q", name, r)
		}
	}
	for _, c := range []struct {
		seen, counter int64
		missing       bool
		refused       bool
	}{{0, 0, true, false}, {3, 3, false, false}, {3, 5, false, false}, {3, 2, false, true}, {3, 4, true, true}} {
		err := CheckCounter(c.seen, c.counter, c.missing)
		if r, _ := akte.ReasonOf(err); (err != nil) != c.refused || (err != nil && r != "list_rolled_back") {
			t.Errorf("CheckCounter(%d, %d, %v) = %v", c.seen, c.counter, c.missing, err)
		}
	}
	if _, err := decodeManifest([]byte("akte manifest 1\nrecord r\ncounter 1\na q findings 1\n")); err == nil {
		t.Error("an unknown state decoded")
	}
}
