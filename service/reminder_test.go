package service_test

import (
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

// TestReminders: reminders keep times and a time zone only; each time
// fires once however many rounds run (also at once), none before it was
// set or more than two hours late, and clearing stops them at once.
func TestReminders(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	p, a := e.principal("erinnerung@example.org", "X110411675")
	_, err := e.svc.SetReminders(ctx, p, "Mars/Olympus", [4]string{"08:00", "", "", ""}, "")
	wantKind(t, "unknown time zone", err, akte.KindInvalid, "reminder_tz_invalid")
	_, err = e.svc.SetReminders(ctx, p, "Europe/Berlin", [4]string{"8:00", "", "", ""}, "")
	wantKind(t, "8:00", err, akte.KindInvalid, "reminder_time_invalid")

	// The clock is 2026-03-02 09:00 UTC, 10:00 in Berlin: the morning at
	// 10:30 and the evening at 19:00 Berlin time.
	x, err := e.svc.SetReminders(ctx, p, "Europe/Berlin", [4]string{"10:30", "", "19:00", ""}, "")
	if err != nil {
		t.Fatal(err)
	}
	if x.Times != [4]int{630, -1, 1140, -1} {
		t.Errorf("times %v", x.Times)
	}
	rounds := func() {
		t.Helper()
		var wg sync.WaitGroup
		for range 4 { // at once: each time goes once
			wg.Go(func() {
				if err := e.svc.RunJobs(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	rounds()
	if n := e.mails(a.email, "Medikamente"); n != 0 {
		t.Fatalf("%d reminders before their time", n)
	}
	e.clk.Add(31 * time.Minute) // 10:31 in Berlin
	rounds()
	rounds()
	if n := e.mails(a.email, "Medikamente (morgens)"); n != 1 {
		t.Errorf("%d morning reminders, want 1", n)
	}
	// The evening passes while the server is down for a day: none that
	// late; the next morning's goes (a minute ago).
	e.clk.Add(24 * time.Hour)
	rounds()
	if n := e.mails(a.email, "Medikamente (abends)"); n != 0 {
		t.Errorf("%d evening reminders a day late", n)
	}
	if n := e.mails(a.email, "Medikamente (morgens)"); n != 2 {
		t.Errorf("%d morning reminders after two mornings, want 2", n)
	}
	// Cleared: nothing more.
	if err := e.svc.ClearReminders(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ClearReminders(ctx, p); err != nil {
		t.Errorf("clear again: %v", err)
	}
	_, err = e.svc.RemindersOf(ctx, p)
	wantKind(t, "after clear", err, akte.KindNotFound, "reminders_none")
	e.clk.Add(24 * time.Hour)
	rounds()
	if n := e.mails(a.email, "Medikamente"); n != 2 {
		t.Errorf("%d reminders in all, want 2", n)
	}
}
