package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/akte/akte"
)

func testEvents(t *testing.T, s akte.Store) {
	const a, b = akte.AccountID("acc-1"), akte.AccountID("acc-2")
	// Events need no account: they are written for failed logins of
	// unknown addresses, and they outlive deleted accounts.
	var events []*akte.Event
	for i := range 5 {
		e := newEvent(a, fmt.Sprintf("op-%d", i), at(time.Duration(i)*time.Minute))
		if i == 2 {
			e.Result, e.Cause, e.DeviceID, e.ClientAddr, e.AddrSalt, e.AddrCommit, e.ActorName = akte.ResultOK, "", "", "", nil, nil, ""
		}
		events = append(events, e)
	}
	var lastID int64
	for i, e := range events {
		mustAddEvent(t, s, e)
		if e.ID <= lastID {
			t.Errorf("event %d: ID %d, want more than the previous %d", i, e.ID, lastID)
		}
		lastID = e.ID
		// Interleave events of others.
		mustAddEvent(t, s, newEvent(b, "other", e.Time))
		mustAddEvent(t, s, newEvent("", "anonymous", e.Time))
	}

	newestFirst := func(n int) []*akte.Event {
		var es []*akte.Event
		for i := len(events) - 1; i >= 0 && len(es) < n; i-- {
			es = append(es, events[i])
		}
		return es
	}
	for _, limit := range []int{1, 2, 5, 10} {
		wantEqual(t, fmt.Sprintf("Events(limit %d)", limit), mustEvents(t, s, a, limit), newestFirst(limit))
	}
	if es := mustEvents(t, s, a, 0); len(es) != 0 {
		t.Errorf("Events(limit 0) returned %d", len(es))
	}
	if es := mustEvents(t, s, "acc-unknown", 10); len(es) != 0 {
		t.Errorf("Events(unknown account) returned %d", len(es))
	}
	if es := mustEvents(t, s, b, 10); len(es) != len(events) {
		t.Errorf("Events(other account) returned %d, want %d", len(es), len(events))
	}
}

func testClearEventAddrsBefore(t *testing.T, s akte.Store) {
	const a = akte.AccountID("acc-1")
	cutoff := at(time.Hour)
	events := []struct {
		time    time.Time
		addr    string
		cleared bool
	}{
		{cutoff.Add(-time.Hour), "192.0.2.1", true},
		{cutoff.Add(-time.Microsecond), "2001:db8::1", true},
		{cutoff.Add(-time.Minute), "", false}, // nothing to clear
		{cutoff, "192.0.2.2", false},          // not before
		{cutoff.Add(time.Hour), "192.0.2.3", false},
	}
	var want []*akte.Event
	cleared := 0
	for _, x := range events {
		e := newEvent(a, "session.login", x.time)
		e.ClientAddr = x.addr
		if x.addr == "" {
			e.AddrSalt, e.AddrCommit = nil, nil
		}
		mustAddEvent(t, s, e)
		w := *e
		if x.cleared {
			w.ClientAddr, w.AddrSalt = "", nil
			cleared++
		}
		want = append([]*akte.Event{&w}, want...) // newest first
	}
	n, err := s.ClearEventAddrsBefore(t.Context(), cutoff)
	wantCount(t, "ClearEventAddrsBefore", n, err, cleared)
	wantEqual(t, "Events after ClearEventAddrsBefore", mustEvents(t, s, a, 10), want)

	n, err = s.ClearEventAddrsBefore(t.Context(), cutoff)
	wantCount(t, "ClearEventAddrsBefore again", n, err, 0)
}

func testEventsAfter(t *testing.T, s akte.Store) {
	if es, err := s.EventsAfter(t.Context(), 0, 10); err != nil || len(es) != 0 {
		t.Fatalf("EventsAfter on an empty store = %v, %v", es, err)
	}
	// Events of several accounts and of none, all in one sequence.
	var all []*akte.Event
	for i := range 7 {
		a := []akte.AccountID{"acc-1", "acc-2", ""}[i%3]
		all = append(all, mustAddEvent(t, s, newEvent(a, fmt.Sprintf("op-%d", i), at(time.Duration(i)*time.Second))))
	}
	var got []*akte.Event
	after := int64(0)
	for {
		es, err := s.EventsAfter(t.Context(), after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) > 3 {
			t.Fatalf("EventsAfter(%d, 3) returned %d", after, len(es))
		}
		if len(es) == 0 {
			break
		}
		got = append(got, es...)
		after = es[len(es)-1].ID
	}
	if len(got) != len(all) {
		t.Fatalf("paged through %d events, want %d", len(got), len(all))
	}
	wantEqual(t, "EventsAfter", got, all)
	if es, err := s.EventsAfter(t.Context(), all[5].ID, 0); err != nil || len(es) != 0 {
		t.Errorf("limit 0: %v, %v", es, err)
	}
}
