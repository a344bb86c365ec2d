package audit

import (
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestExpired(t *testing.T) {
	p := DefaultPolicy()
	cases := []struct {
		name       string
		now        time.Time
		class      Class
		at         time.Time
		fromNewest int64
		want       bool
	}{
		{"protocol: this year", day(2025, 12, 31), ClassProtocol, day(2025, 1, 1), 100, false},
		{"protocol: last year, before its end", day(2026, 12, 31).Add(23 * time.Hour), ClassProtocol, day(2025, 1, 1), 100, false},
		{"protocol: last day of the year after", day(2026, 12, 31), ClassProtocol, day(2025, 12, 31), 100, false},
		{"protocol: the year after has ended", day(2027, 1, 1), ClassProtocol, day(2025, 12, 31).Add(23*time.Hour + 59*time.Minute), 100, true},
		{"protocol: created on new year", day(2027, 1, 1), ClassProtocol, day(2026, 1, 1), 100, false},
		{"protocol: two years old but among the newest 50", day(2028, 6, 1), ClassProtocol, day(2025, 3, 1), 49, false},
		{"protocol: two years old, the 51st newest", day(2028, 6, 1), ClassProtocol, day(2025, 3, 1), 50, true},
		{"security: 364 days", day(2026, 12, 31), ClassSecurity, day(2026, 1, 2), 0, false},
		{"security: 366 days", day(2027, 1, 2), ClassSecurity, day(2026, 1, 1), 0, true},
		{"security: the newest is not kept", day(2027, 1, 2), ClassSecurity, day(2026, 1, 1), 0, true},
		{"operator: two years", day(2027, 1, 1), ClassOperator, day(2025, 1, 1), 0, false},
		{"operator: three years and a day", day(2028, 1, 2), ClassOperator, day(2025, 1, 1), 0, true},
	}
	for _, c := range cases {
		if got := p.Expired(c.now, c.class, c.at, c.fromNewest); got != c.want {
			t.Errorf("%s: Expired = %v", c.name, got)
		}
	}
	if p.AddrExpired(day(2026, 1, 15), day(2026, 1, 1)) || !p.AddrExpired(day(2026, 1, 15).Add(time.Second), day(2026, 1, 1)) {
		t.Error("addresses: not exactly 14 days")
	}
	if ClassOf(RecordLog("r"), AdminQuota) != ClassProtocol || ClassOf(SystemLog, AdminAccounts) != ClassOperator ||
		ClassOf(SystemLog, SessionLogin) != ClassSecurity {
		t.Error("ClassOf")
	}
}

// TestRetentionKeepsProofs runs retention on a record's log across two
// years with an injected clock, one event a week: addresses go after 14
// days, entries at the end of the year after, the newest 50 stay, and a
// client verifies the rest after each run — also a client whose last
// checkpoint is from before the entries it saw were deleted.
func TestRetentionKeepsProofs(t *testing.T) {
	const log = "record/ret"
	p := DefaultPolicy()
	l := newMemLog(t, log)
	var es []Event
	for i := range 2 * 52 { // 6 Jan 2025 .. 28 Dec 2026
		e := testEvent(day(2025, 1, 6).Add(time.Duration(i)*7*24*time.Hour), i)
		if err := e.SetAddr(rnd{}, "192.0.2.9"); err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	// advance appends the events logged up to now and runs retention, as
	// the server's job would.
	advance := func(now time.Time) {
		for len(es) > 0 && !es[0].Time.After(now) {
			l.append(t, es[0])
			es = es[1:]
		}
		end, before := p.ProtocolDelete(now, l.size())
		for i, e := range l.events {
			switch {
			case e == nil:
			case int64(i) < end && e.Time.Before(before):
				l.events[i] = nil
			case p.AddrExpired(now, e.Time):
				e.ForgetAddr()
			}
		}
	}
	var first, last *Verified
	cases := []struct {
		now             time.Time
		kept, withAddrs int
	}{
		{day(2025, 1, 21), 3, 2},                // the address of 6 January is gone
		{day(2026, 12, 31), 104, 2},             // 2025 entries stay to the end of 2026
		{day(2027, 1, 1), 52, 2},                // the 52 entries of 2025 go
		{day(2027, 6, 30), 52, 0},               // 2026 entries stay until 2028
		{day(2028, 1, 1), int(p.KeepNewest), 0}, // all expired: the newest 50 stay
		{day(2029, 1, 1), int(p.KeepNewest), 0}, // and stay
	}
	for _, c := range cases {
		advance(c.now)
		kept, addrs := 0, 0
		for _, e := range l.events {
			if e != nil {
				kept++
				if e.Addr != "" {
					addrs++
				}
			}
		}
		if kept != c.kept || addrs != c.withAddrs {
			t.Errorf("%s: %d entries, %d with address; want %d, %d", c.now.Format(time.DateOnly), kept, addrs, c.kept, c.withAddrs)
		}
		o := Options{Log: log, Complete: true, KeepNewest: p.KeepNewest}
		var since int64
		if last != nil {
			o.Key, o.Last, since = last.Key, last.Signed, last.Checkpoint.Size
		}
		v, err := Verify(overWire(t, l.page(t, c.now, since)), o)
		if err != nil {
			t.Fatalf("%s: verification after retention: %v", c.now.Format(time.DateOnly), err)
		}
		if len(v.Events) != kept {
			t.Fatalf("%s: %d events verified, %d kept", c.now.Format(time.DateOnly), len(v.Events), kept)
		}
		if first == nil {
			first = v
		}
		last = v
	}
	// A client that last looked in January 2025, at events long deleted,
	// still gets the proof that today's log extends what it saw.
	o := Options{Key: first.Key, Log: log, Last: first.Signed, Complete: true, KeepNewest: p.KeepNewest}
	if _, err := Verify(l.page(t, day(2029, 1, 2), first.Checkpoint.Size), o); err != nil {
		t.Fatalf("consistency from before retention: %v", err)
	}
	// Deleting one more than retention allows is seen.
	l.events[len(l.events)-int(p.KeepNewest)] = nil
	if _, err := Verify(l.page(t, day(2029, 1, 2), first.Checkpoint.Size), o); reasonOf(err) != ReasonEventMissing {
		t.Fatalf("one of the newest 50 deleted: %v", err)
	}
}

// rnd is a deterministic "random" source for tests.
type rnd struct{}

func (rnd) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(i * 7)
	}
	return len(b), nil
}
