package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/wire"
)

// TestBase64 compares appendBase64 with encoding/base64 for every length
// up to 700 bytes of random data, after a prefix.
func TestBase64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 700 {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(r.Uint32())
		}
		got := appendBase64([]byte("x"), src)
		want := base64.StdEncoding.AppendEncode([]byte("x"), src)
		if !bytes.Equal(got, want) {
			t.Fatalf("%d bytes: %s, want %s", n, got, want)
		}
	}
}

func BenchmarkBase64(b *testing.B) {
	src := bytes.Repeat([]byte{1, 200, 3, 77, 255}, 80) // a sealed metadata's size
	buf := make([]byte, 0, 1024)
	b.Run("encoding/base64", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			buf = base64.StdEncoding.AppendEncode(buf[:0], src)
		}
	})
	b.Run("appendBase64", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			buf = appendBase64(buf[:0], src)
		}
	})
}

// TestItemsJSON checks that the hand-written listing encoder answers
// exactly what encoding/json answers for []wire.Item.
func TestItemsJSON(t *testing.T) {
	at := time.Date(2026, 11, 23, 5, 6, 7, 123456000, time.UTC)
	cases := [][]*akte.Item{
		nil,
		{},
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
		rec := httptest.NewRecorder()
		writeItems(rec, its)
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
