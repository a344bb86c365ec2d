package audit

import (
	"bytes"
	"testing"
	"time"
)

func TestPageWire(t *testing.T) {
	l := newMemLog(t, "record/w")
	fillLog(t, l, 0, 40)
	for _, p := range []*Page{l.page(t, t0, 17), l.selection(t, t0, 0, 3, 39), {}} {
		b, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParsePage(b)
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := q.MarshalBinary()
		if !bytes.Equal(b, b2) {
			t.Fatal("page changes over the wire")
		}
		for i := 0; i < len(b); i++ {
			if _, err := ParsePage(b[:i]); err == nil {
				t.Fatalf("truncated at %d of %d: accepted", i, len(b))
			}
		}
	}
	if _, err := ParsePage([]byte("AKTEAUDITPAGE\x02")); err == nil {
		t.Error("version 2 accepted")
	}
}

// FuzzParsePage: ParsePage never panics, and what it accepts encodes back
// to the same bytes.
func FuzzParsePage(f *testing.F) {
	l := newMemLog(f, "record/f")
	fillLog(f, l, 0, 5)
	for _, p := range []*Page{l.page(f, t0, 2), l.selection(f, t0.Add(time.Hour), 1, 4)} {
		b, _ := p.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePage(b)
		if err != nil {
			return
		}
		again, err := p.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("page not canonical (%v)", err)
		}
	})
}
