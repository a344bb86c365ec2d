package audit

import (
	"crypto/rand"
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
	e.Index, e.LeafHash, e.Proof = 99, h0, nil
	if h, _ := LeafHash("record/x", &e); h != h0 {
		t.Error("index or stored hash changes the leaf")
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
