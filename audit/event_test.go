package audit

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLeafFields checks that every field of an event is bound by the leaf
// (changing any one changes the hash), and that the fields a leaf must not
// depend on (index, stored hash, proof) do not.
func TestLeafFields(t *testing.T) {
	base := testEvent(time.Date(2026, 1, 1, 0, 0, 0, 1000, time.UTC), 1)
	base.Reason = "r"
	if err := base.SetAddr(rand.Reader, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	h0, err := LeafHash("record/x", &base)
	if err != nil {
		t.Fatal(err)
	}
	changes := map[string]func(e *Event){
		"time":       func(e *Event) { e.Time = e.Time.Add(time.Microsecond) },
		"operation":  func(e *Event) { e.Operation = ItemDelete },
		"code":       func(e *Event) { e.Code = "X" },
		"result":     func(e *Event) { e.Result = ResultError },
		"reason":     func(e *Event) { e.Reason = "s" },
		"object":     func(e *Event) { e.Object += "x" },
		"actor id":   func(e *Event) { e.ActorID += "x" },
		"actor role": func(e *Event) { e.ActorRole = RoleProvider },
		"actor name": func(e *Event) { e.ActorName += "x" },
		"device":     func(e *Event) { e.Device += "x" },
		"address":    func(e *Event) { e.Addr, e.AddrCommit = "192.0.2.2", nil },
		"field boundary": func(e *Event) {
			e.ActorID, e.ActorName = e.ActorID+e.ActorName[:1], e.ActorName[1:]
		},
	}
	for name, change := range changes {
		e := base
		change(&e)
		h, err := LeafHash("record/x", &e)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if h == h0 {
			t.Errorf("changing the %s keeps the leaf hash", name)
		}
	}
	if h, _ := LeafHash("record/y", &base); h == h0 {
		t.Error("the log's name is not bound")
	}
	e := base
	e.Index = 99
	if h, _ := LeafHash("record/x", &e); h != h0 {
		t.Error("the index changes the leaf")
	}
	e.ForgetAddr()
	if h, err := LeafHash("record/x", &e); err != nil || h != h0 {
		t.Errorf("forgetting the address changes the leaf (%v)", err)
	}
	if e.Addr != "" || e.AddrSalt != nil || e.AddrCommit == nil {
		t.Errorf("ForgetAddr left %+v", e)
	}
}

func TestLeafRefuses(t *testing.T) {
	ok := testEvent(time.Now(), 0)
	for name, change := range map[string]func(e *Event){
		"no time":           func(e *Event) { e.Time = time.Time{} },
		"invalid UTF-8":     func(e *Event) { e.ActorName = "\xff" },
		"address, no salt":  func(e *Event) { e.Addr = "192.0.2.1" },
		"address mismatch":  func(e *Event) { _ = e.SetAddr(rand.Reader, "192.0.2.1"); e.Addr = "192.0.2.2" },
		"short salt":        func(e *Event) { e.Addr, e.AddrSalt = "192.0.2.1", []byte{1} },
		"invalid UTF-8 log": nil,
	} {
		e := ok
		log := "record/x"
		if change == nil {
			log = "record/\xff"
		} else {
			change(&e)
		}
		if _, err := Leaf(log, &e); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	var e Event
	if err := e.SetAddr(strings.NewReader("short"), "192.0.2.1"); err == nil {
		t.Error("SetAddr with a failing random source succeeded")
	}
}

func TestNormalize(t *testing.T) {
	e := Event{Time: time.Date(2026, 1, 1, 12, 0, 0, 1999, time.FixedZone("CET", 3600)), Operation: ItemDownload}
	e.Normalize()
	if e.Time.Location() != time.UTC || e.Time.Nanosecond() != 1000 || e.Code != "DOC-02" || e.Result != ResultOK {
		t.Fatalf("Normalize: %+v", e)
	}
}

// TestParseLeaf: ParseLeaf reads back what Leaf wrote, and only that.
func TestParseLeaf(t *testing.T) {
	e := testEvent(time.Date(2026, 7, 8, 9, 10, 11, 12000, time.UTC), 3)
	e.Reason, e.Result, e.Code = "quota_exceeded", ResultDenied, "DOC-03"
	if err := e.SetAddr(rand.Reader, "2001:db8::1"); err != nil {
		t.Fatal(err)
	}
	leaf, err := Leaf("record/x", &e)
	if err != nil {
		t.Fatal(err)
	}
	log, got, err := ParseLeaf(leaf)
	if err != nil {
		t.Fatal(err)
	}
	want := e
	want.Addr, want.AddrSalt = "", nil
	if log != "record/x" || !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC {
		t.Fatalf("log %q time %v", log, got.Time)
	}
	got.Time = want.Time
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ParseLeaf\n got %+v\nwant %+v", got, want)
	}
	for name, bad := range map[string][]byte{
		"empty":         nil,
		"version 2":     append([]byte{2}, leaf[1:]...),
		"trailing byte": append(bytes.Clone(leaf), 0),
		"truncated":     leaf[:len(leaf)-1],
		"long varint":   append([]byte{1, 0x88, 0x00}, leaf[2:]...), // 8 as a two-byte varint
		"short commit":  append(bytes.Clone(leaf[:len(leaf)-33]), 1, 7),
		"invalid UTF-8": func() []byte {
			e := e
			e.ActorName = "ab"
			l, _ := Leaf("record/x", &e)
			i := bytes.Index(l, []byte("ab"))
			l[i] = 0xff
			return l
		}(),
	} {
		if _, _, err := ParseLeaf(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzParseLeaf: whatever ParseLeaf accepts, Leaf writes back byte for
// byte (one event, one leaf).
func FuzzParseLeaf(f *testing.F) {
	e := testEvent(time.Date(2026, 7, 8, 9, 10, 11, 0, time.UTC), 3)
	_ = e.SetAddr(rand.Reader, "192.0.2.1")
	leaf, _ := Leaf("record/x", &e)
	f.Add(leaf)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		log, e, err := ParseLeaf(b)
		if err != nil {
			return
		}
		again, err := Leaf(log, &e)
		if err != nil {
			t.Fatalf("parsed leaf does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("leaf not canonical:\n in  %x\n out %x", b, again)
		}
	})
}
