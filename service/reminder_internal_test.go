package service

import (
	"testing"
	"time"

	"github.com/akte/akte"
)

// TestDueReminder: the latest time of day passed since the last one, in
// the reminder's time zone (across a change to summer time), and none
// before the times were set.
func TestDueReminder(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	x := &akte.Reminder{TZ: "Europe/Berlin", Times: [4]int{8 * 60, -1, 19*60 + 30, -1}}
	at := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, berlin).UTC()
	}
	cases := []struct {
		name       string
		after, now time.Time
		want       time.Time
		slot       int
		ok         bool
	}{
		{"before the morning", at(2026, 12, 1, 6, 0), at(2026, 12, 1, 7, 59), time.Time{}, 0, false},
		{"the morning", at(2026, 12, 1, 6, 0), at(2026, 12, 1, 8, 0), at(2026, 12, 1, 8, 0), 0, true},
		{"sent already", at(2026, 12, 1, 8, 0), at(2026, 12, 1, 9, 0), time.Time{}, 0, false},
		{"the evening", at(2026, 12, 1, 8, 0), at(2026, 12, 1, 20, 0), at(2026, 12, 1, 19, 30), 2, true},
		{"yesterday evening after midnight", at(2026, 12, 1, 8, 0), at(2026, 12, 2, 0, 10), at(2026, 12, 1, 19, 30), 2, true},
		{"summer time", at(2027, 3, 28, 0, 0), at(2027, 3, 28, 8, 1), at(2027, 3, 28, 8, 0), 0, true},
	}
	for _, c := range cases {
		got, slot, ok := dueReminder(x, c.after, c.now)
		if ok != c.ok || (ok && (!got.Equal(c.want) || slot != c.slot)) {
			t.Errorf("%s: %v %d %v, want %v %d %v", c.name, got, slot, ok, c.want, c.slot, c.ok)
		}
	}
	if got := at(2027, 3, 28, 8, 0); got.Hour() != 6 {
		t.Errorf("08:00 in Berlin in summer is %v UTC", got)
	}
	for in, want := range map[string]int{"": -1, "00:00": 0, "08:05": 485, "23:59": 1439} {
		if m, ok := ParseReminderTime(in); !ok || m != want || FormatReminderTime(m) != in {
			t.Errorf("%q: %d %v", in, m, ok)
		}
	}
	for _, in := range []string{"24:00", "8:00", "08:60", "0800", "08:00:00"} {
		if _, ok := ParseReminderTime(in); ok {
			t.Errorf("%q accepted", in)
		}
	}
}
