package storetest

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

// appendLog adds the events pending and sequences them into the log as
// the next indexes, one made-up stored hash per event (the store does not
// interpret hashes), with class protocol unless an event has one.
func appendLog(t *testing.T, s akte.Store, log string, es ...*akte.Event) {
	t.Helper()
	for _, e := range es {
		e.Log = log
	}
	if err := s.AddEvents(t.Context(), es); err != nil {
		t.Fatalf("AddEvents: %v", err)
	}
	old := int64(0)
	if l, err := s.AuditLog(t.Context(), log); err == nil {
		old = l.Size
	} else if !akte.Is(err, akte.KindNotFound) {
		t.Fatalf("AuditLog: %v", err)
	}
	if err := s.AppendLeaves(t.Context(), []akte.LogAppend{sequenced(log, old, es...)}); err != nil {
		t.Fatalf("AppendLeaves(%s): %v", log, err)
	}
}

// sequenced returns the append of the events to a log of size old.
func sequenced(log string, old int64, es ...*akte.Event) akte.LogAppend {
	a := akte.LogAppend{Log: log, OldSize: old, NewSize: old + int64(len(es)), Events: es, HashStart: old}
	for i, e := range es {
		e.Index = old + int64(i)
		e.Code = "AUT-01"
		if e.Class == "" {
			e.Class = "protocol"
		}
		a.LastTime = e.Time
		a.Hashes = append(a.Hashes, hashOf(log, e.Index))
	}
	return a
}

func hashOf(log string, n int64) [32]byte {
	var h [32]byte
	copy(h[:], fmt.Sprintf("%s#%d", log, n))
	h[31] = byte(n)
	return h
}

func mustAuditLog(t *testing.T, s akte.Store, log string) *akte.AuditLog {
	t.Helper()
	l, err := s.AuditLog(t.Context(), log)
	if err != nil {
		t.Fatalf("AuditLog(%s): %v", log, err)
	}
	return l
}

func mustLogEvents(t *testing.T, s akte.Store, log string) []*akte.Event {
	t.Helper()
	es, err := s.LogEvents(t.Context(), log, 0, math.MaxInt64, 1000)
	if err != nil {
		t.Fatalf("LogEvents(%s): %v", log, err)
	}
	return es
}

func mustPending(t *testing.T, s akte.Store, limit int) []*akte.Event {
	t.Helper()
	es, err := s.PendingEvents(t.Context(), limit)
	if err != nil {
		t.Fatalf("PendingEvents: %v", err)
	}
	return es
}

func testAuditSequencing(t *testing.T, s akte.Store) {
	const rec, sys = "record/acc-1", "system"
	a1 := newEvent("acc-1", "session.login", at(2*time.Minute))
	s1 := newEvent("", "session.login", at(time.Minute))
	a2 := newEvent("acc-1", "item.download", at(time.Minute)) // same time as s1, added later
	a3 := newEvent("acc-1", "item.list", at(3*time.Minute))
	s2 := newEvent("", "admin.accounts", at(4*time.Minute))
	a2.ClientAddr, a2.AddrSalt, a2.AddrCommit = "", nil, nil
	for _, e := range []*akte.Event{a1, s1, a2, a3, s2} {
		e.Index = 7 // ignored: events are added pending
		mustAddEvent(t, s, e)
		if e.Index != -1 {
			t.Errorf("AddEvents left Index %d, want -1", e.Index)
		}
	}
	wantEqual(t, "PendingEvents", mustPending(t, s, 10), []*akte.Event{s1, a2, a1, a3, s2})
	wantEqual(t, "PendingEvents(limit 2)", mustPending(t, s, 2), []*akte.Event{s1, a2})
	if es := mustPending(t, s, 0); len(es) != 0 {
		t.Errorf("PendingEvents(limit 0) returned %d", len(es))
	}
	_, err := s.AuditLog(t.Context(), rec)
	wantKind(t, "AuditLog before sequencing", err, akte.KindNotFound)

	// One round over both logs: times raised, codes and classes set, an
	// address commitment filled in.
	a2.Time = a1.Time // raised to keep the log's times from decreasing
	a2.AddrSalt, a2.AddrCommit = []byte("0123456789abcdef"), []byte("0123456789abcdef0123456789abcdef")
	recAppend := sequenced(rec, 0, a1, a2, a3)
	s2.Class = "operator"
	sysAppend := sequenced(sys, 0, s1, s2)
	if err := s.AppendLeaves(t.Context(), []akte.LogAppend{recAppend, sysAppend}); err != nil {
		t.Fatal(err)
	}
	if es := mustPending(t, s, 10); len(es) != 0 {
		t.Errorf("%d events still pending", len(es))
	}
	wantEqual(t, "AuditLog", mustAuditLog(t, s, rec), &akte.AuditLog{Name: rec, Size: 3, LastTime: a3.Time})
	wantEqual(t, "LogEvents", mustLogEvents(t, s, rec), []*akte.Event{a1, a2, a3})
	wantEqual(t, "LogEvents(system)", mustLogEvents(t, s, sys), []*akte.Event{s1, s2})
	if es, err := s.LogEvents(t.Context(), rec, 1, 2, 10); err != nil || len(es) != 1 || es[0].ID != a2.ID {
		t.Errorf("LogEvents(1, 2) = %v, %v; want the event at index 1", es, err)
	}
	if es, err := s.LogEvents(t.Context(), rec, 0, 3, 2); err != nil || len(es) != 2 {
		t.Errorf("LogEvents(limit 2) = %d events, %v", len(es), err)
	}
	if es, err := s.LogEvents(t.Context(), rec, 0, 3, 0); err != nil || len(es) != 0 {
		t.Errorf("LogEvents(limit 0) = %d events, %v", len(es), err)
	}
	// Events(account) still lists the account's events, now sequenced.
	wantEqual(t, "Events", mustEvents(t, s, "acc-1", 10), []*akte.Event{a3, a2, a1})

	hs, err := s.AuditHashes(t.Context(), rec, []int64{2, 0})
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "AuditHashes", hs, [][32]byte{hashOf(rec, 2), hashOf(rec, 0)})
	_, err = s.AuditHashes(t.Context(), rec, []int64{0, 3})
	wantKind(t, "AuditHashes(missing)", err, akte.KindNotFound)
	_, err = s.AuditHashes(t.Context(), "record/other", []int64{0})
	wantKind(t, "AuditHashes(other log)", err, akte.KindNotFound)

	// The next round continues the log.
	a4 := newEvent("acc-1", "item.upload", at(5*time.Minute))
	appendLog(t, s, rec, a4)
	wantEqual(t, "AuditLog after a second round", mustAuditLog(t, s, rec), &akte.AuditLog{Name: rec, Size: 4, LastTime: a4.Time})
	wantEqual(t, "LogEvents after a second round", mustLogEvents(t, s, rec), []*akte.Event{a1, a2, a3, a4})
}

func testAuditSequencingConflict(t *testing.T, s akte.Store) {
	const log = "record/acc-1"
	e1 := mustAddEvent(t, s, newEvent("acc-1", "session.login", at(0)))
	mustAddEvent(t, s, newEvent("acc-1", "item.list", at(time.Second)))

	// A sequencer that believes the new log has one event already.
	err := s.AppendLeaves(t.Context(), []akte.LogAppend{sequenced(log, 1, e1)})
	wantKind(t, "AppendLeaves from a wrong size", err, akte.KindConflict)
	_, err = s.AuditLog(t.Context(), log)
	wantKind(t, "AuditLog after the conflict", err, akte.KindNotFound)
	if es := mustPending(t, s, 10); len(es) != 2 {
		t.Fatalf("%d pending after a conflict, want 2", len(es))
	}

	if err := s.AppendLeaves(t.Context(), []akte.LogAppend{sequenced(log, 0, e1)}); err != nil {
		t.Fatal(err)
	}
	// An event sequenced already cannot be sequenced again, and a failed
	// round writes nothing, not even in the logs it got right.
	e1copy := *e1
	e3 := mustAddEvent(t, s, newEvent("", "session.login", at(time.Second)))
	err = s.AppendLeaves(t.Context(), []akte.LogAppend{sequenced("system", 0, e3), sequenced(log, 1, &e1copy)})
	wantKind(t, "AppendLeaves of a sequenced event", err, akte.KindConflict)
	if l := mustAuditLog(t, s, log); l.Size != 1 {
		t.Errorf("size %d after a failed round, want 1", l.Size)
	}
	_, err = s.AuditLog(t.Context(), "system")
	wantKind(t, "AuditLog(system) after a failed round", err, akte.KindNotFound)

	// Of concurrent sequencers starting from the same size, one wins.
	var es []*akte.Event
	for i := range 8 {
		es = append(es, mustAddEvent(t, s, newEvent("acc-1", "item.list", at(time.Duration(2+i)*time.Second))))
	}
	var wg sync.WaitGroup
	results := make([]error, len(es))
	for i, e := range es {
		wg.Go(func() { results[i] = s.AppendLeaves(t.Context(), []akte.LogAppend{sequenced(log, 1, e)}) })
	}
	wg.Wait()
	won := 0
	for i, err := range results {
		switch {
		case err == nil:
			won++
		case !akte.Is(err, akte.KindConflict):
			t.Errorf("sequencer %d: %v, want a conflict", i, err)
		}
	}
	if l := mustAuditLog(t, s, log); won != 1 || l.Size != 2 {
		t.Errorf("%d of %d concurrent sequencers won, size %d; want 1 and 2", won, len(es), l.Size)
	}
	if got := mustLogEvents(t, s, log); len(got) != 2 {
		t.Errorf("%d events sequenced, want 2", len(got))
	}
}

func testAuditCheckpoint(t *testing.T, s akte.Store) {
	const log = "record/acc-1"
	err := s.SaveCheckpoint(t.Context(), log, 1, []byte("cp"), at(0))
	wantKind(t, "SaveCheckpoint(unknown log)", err, akte.KindNotFound)

	appendLog(t, s, log, newEvent("acc-1", "session.login", at(0)), newEvent("acc-1", "item.list", at(time.Second)))
	appendLog(t, s, "system", newEvent("", "session.login", at(0)))
	toSign := func(olderThan time.Time) []string {
		t.Helper()
		names, err := s.LogsToCheckpoint(t.Context(), olderThan)
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	wantEqual(t, "LogsToCheckpoint (never signed)", toSign(at(0)), []string{log, "system"})

	if err := s.SaveCheckpoint(t.Context(), log, 2, []byte("checkpoint 2"), at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "AuditLog", mustAuditLog(t, s, log), &akte.AuditLog{Name: log, Size: 2, LastTime: at(time.Second),
		Checkpoint: []byte("checkpoint 2"), CheckpointSize: 2, CheckpointAt: at(time.Minute)})
	wantEqual(t, "LogsToCheckpoint (signed)", toSign(at(time.Hour)), []string{"system"})

	appendLog(t, s, log, newEvent("acc-1", "item.list", at(2*time.Minute)))
	wantEqual(t, "LogsToCheckpoint (grown, signed recently)", toSign(at(30*time.Second)), []string{"system"})
	wantEqual(t, "LogsToCheckpoint (grown)", toSign(at(time.Minute)), []string{log, "system"})

	err = s.SaveCheckpoint(t.Context(), log, 1, []byte("older"), at(time.Hour))
	wantKind(t, "SaveCheckpoint(smaller)", err, akte.KindConflict)
	if err := s.SaveCheckpoint(t.Context(), log, 2, []byte("same size, later"), at(2*time.Minute)); err != nil {
		t.Errorf("SaveCheckpoint(same size): %v", err)
	}
	if err := s.SaveCheckpoint(t.Context(), log, 3, []byte("checkpoint 3"), at(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if l := mustAuditLog(t, s, log); string(l.Checkpoint) != "checkpoint 3" || l.CheckpointSize != 3 {
		t.Errorf("checkpoint %q of size %d, want checkpoint 3", l.Checkpoint, l.CheckpointSize)
	}
}

func testAuditWindows(t *testing.T, s akte.Store) {
	const log = "record/acc-1"
	down := func(d time.Duration, result string) *akte.Event {
		e := newEvent("acc-1", "item.download", at(d))
		e.Result = result
		return e
	}
	list := newEvent("acc-1", "item.list", at(3*time.Minute))
	list.Result = akte.ResultOK
	es := []*akte.Event{down(0, akte.ResultOK), down(time.Minute, akte.ResultDenied), down(2*time.Minute, akte.ResultOK),
		list, down(4*time.Minute, akte.ResultOK)}
	appendLog(t, s, log, es...)
	appendLog(t, s, "record/acc-2", down(2*time.Minute, akte.ResultOK))
	mustAddEvent(t, s, down(5*time.Minute, akte.ResultOK)) // pending: not in any window yet

	got, err := s.EventsSince(t.Context(), log, at(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "EventsSince", got, es[1:])
	for _, c := range []struct {
		since time.Time
		op    string
		want  int
	}{{at(0), "item.download", 3}, {at(time.Minute), "item.download", 2}, {at(time.Hour), "item.download", 0}, {at(0), "item.list", 1}} {
		n, err := s.CountEvents(t.Context(), log, c.op, c.since)
		wantCount(t, fmt.Sprintf("CountEvents(%s, %s)", c.op, c.since), n, err, c.want)
	}
}

func testRecordAlarm(t *testing.T, s akte.Store) {
	ok, err := s.RecordAlarm(t.Context(), "failed_logins|record/acc-1|x|9", at(0))
	if err != nil || !ok {
		t.Fatalf("RecordAlarm(new) = %v, %v", ok, err)
	}
	ok, err = s.RecordAlarm(t.Context(), "failed_logins|record/acc-1|x|9", at(time.Hour))
	if err != nil || ok {
		t.Fatalf("RecordAlarm(again) = %v, %v", ok, err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 10 {
		wg.Go(func() {
			ok, err := s.RecordAlarm(t.Context(), "download_burst|record/acc-1|x|1", at(0))
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d of 10 concurrent RecordAlarm calls raised the alarm, want 1", won)
	}
}

func testAuditRetention(t *testing.T, s akte.Store) {
	const a, b = "record/acc-1", "record/acc-2"
	var es []*akte.Event
	for i := range 6 {
		es = append(es, newEvent("acc-1", "item.list", at(time.Duration(i)*time.Hour)))
	}
	appendLog(t, s, a, es...)
	appendLog(t, s, b, newEvent("acc-2", "item.list", at(0)), newEvent("acc-2", "item.list", at(time.Hour)))
	pending := mustAddEvent(t, s, newEvent("acc-1", "item.list", at(0)))
	sec1, sec2 := newEvent("", "session.login", at(0)), newEvent("", "session.login", at(time.Hour))
	sec1.Class, sec2.Class = "security", "security"
	opEv := newEvent("", "admin.accounts", at(0))
	opEv.Class = "operator"
	appendLog(t, s, "system", sec1, sec2, opEv)

	// Before 4h, keeping the newest 2: indexes 0..3 of a go; b keeps both.
	n, err := s.DeleteProtocolEvents(t.Context(), at(4*time.Hour), 2)
	wantCount(t, "DeleteProtocolEvents", n, err, 4)
	wantEqual(t, "LogEvents(a) after retention", mustLogEvents(t, s, a), es[4:])
	if got := mustLogEvents(t, s, b); len(got) != 2 {
		t.Errorf("log b has %d events, want its newest 2", len(got))
	}
	if got := mustPending(t, s, 10); len(got) != 1 || got[0].ID != pending.ID {
		t.Errorf("retention touched a pending event: %v", got)
	}
	if got := mustLogEvents(t, s, "system"); len(got) != 3 {
		t.Errorf("protocol retention deleted system events: %d left", len(got))
	}
	// The hashes and the log's state stay.
	if _, err := s.AuditHashes(t.Context(), a, []int64{0, 1, 2, 3}); err != nil {
		t.Errorf("AuditHashes after retention: %v", err)
	}
	if l := mustAuditLog(t, s, a); l.Size != 6 {
		t.Errorf("size %d after retention, want 6", l.Size)
	}

	n, err = s.DeleteSystemEvents(t.Context(), "security", at(30*time.Minute))
	wantCount(t, "DeleteSystemEvents(security)", n, err, 1)
	wantEqual(t, "LogEvents(system)", mustLogEvents(t, s, "system"), []*akte.Event{sec2, opEv})
	n, err = s.DeleteSystemEvents(t.Context(), "operator", at(30*time.Minute))
	wantCount(t, "DeleteSystemEvents(operator)", n, err, 1)
}

// testAuditHashesMany reads the hashes of a whole page at once (a store
// may read their span in one scan), in the order asked, and still refuses
// a missing one.
func testAuditHashesMany(t *testing.T, s akte.Store) {
	const log = "record/acc-1"
	var es []*akte.Event
	for i := range 150 {
		es = append(es, newEvent("acc-1", "item.list", at(time.Duration(i)*time.Second)))
	}
	appendLog(t, s, log, es...)
	appendLog(t, s, "record/acc-2", newEvent("acc-2", "item.list", at(0)))
	var idx []int64
	var want [][32]byte
	for i := int64(140); i >= 10; i -= 2 {
		idx = append(idx, i)
		want = append(want, hashOf(log, i))
	}
	got, err := s.AuditHashes(t.Context(), log, idx)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "AuditHashes(66 indexes)", got, want)
	_, err = s.AuditHashes(t.Context(), log, append(idx, 150))
	wantKind(t, "AuditHashes(66 indexes and a missing one)", err, akte.KindNotFound)
}
