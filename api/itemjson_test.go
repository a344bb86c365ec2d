package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/wire"
)

// TestItemsJSON checks that the hand-written listing encoder answers
// exactly what encoding/json answers for []wire.Item.
func TestItemsJSON(t *testing.T) {
	at := time.Date(2026, 11, 23, 5, 6, 7, 123456000, time.UTC)
	cases := [][]*akte.Item{
		nil,
		{{ID: "01J", Category: "befunde", KeyVersion: 3, Kind: "document", Size: 1234, CreatedAt: at, CreatedBy: "acc", MetaSealed: []byte{0, 1, 2, 250, 251}, KeySlot: []byte("slot")}},
		{
			{ID: "a", Replaces: "b", CreatedAt: at.Truncate(time.Second), MetaSealed: []byte{}, KeySlot: nil},
			{ID: "x\"y\\z<>&", Category: "ümlaut\u2028\n\t\x01", Kind: "k", CreatedBy: "\xff bad utf8", Size: -1, KeyVersion: 4294967295,
				CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600)), MetaSealed: bytes.Repeat([]byte{0xfe}, 301), KeySlot: []byte{1}},
			{ID: "z", CreatedAt: time.Time{}},
		},
	}
	for i, its := range cases {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		out := make([]wire.Item, 0, len(its))
		for _, it := range its {
			out = append(out, wire.ItemOf(it))
		}
		if err := enc.Encode(out); err != nil {
			t.Fatal(err)
		}
		l := newItemList()
		for _, it := range its {
			if err := l.add(it); err != nil {
				t.Fatal(err)
			}
		}
		rec := httptest.NewRecorder()
		l.write(rec)
		l.release()
		if got := rec.Body.Bytes(); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("case %d:\n got %s\nwant %s", i, got, want.Bytes())
		}
	}
	l := newItemList()
	defer l.release()
	if l.add(&akte.Item{CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}) == nil {
		t.Error("year 10000 encoded, encoding/json refuses it")
	}
}
