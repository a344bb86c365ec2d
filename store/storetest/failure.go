package storetest

import (
	"testing"
	"time"

	"github.com/akte/akte"
)

func testFailures(t *testing.T, s akte.Store) {
	const key = "account:acc-1"
	for _, d := range []time.Duration{2 * time.Minute, 0, time.Minute} { // out of order
		mustAddFailure(t, s, key, at(d))
	}
	mustAddFailure(t, s, key, at(2*time.Minute)) // the same time twice counts twice
	mustAddFailure(t, s, "addr:192.0.2.7", at(time.Hour))

	tests := []struct {
		key   string
		since time.Time
		n     int
		last  time.Time
	}{
		{key, at(-time.Hour), 4, at(2 * time.Minute)},
		{key, time.Time{}, 4, at(2 * time.Minute)},
		{key, at(0), 4, at(2 * time.Minute)}, // at or after
		{key, at(time.Microsecond), 3, at(2 * time.Minute)},
		{key, at(time.Minute), 3, at(2 * time.Minute)},
		{key, at(2 * time.Minute), 2, at(2 * time.Minute)},
		{key, at(3 * time.Minute), 0, time.Time{}},
		{"addr:192.0.2.7", time.Time{}, 1, at(time.Hour)},
		{"addr:192.0.2.8", time.Time{}, 0, time.Time{}},
		{"account:acc", time.Time{}, 0, time.Time{}}, // keys match exactly
	}
	for _, tt := range tests {
		n, last := mustFailures(t, s, tt.key, tt.since)
		if n != tt.n {
			t.Errorf("Failures(%s, %s): n = %d, want %d", tt.key, tt.since, n, tt.n)
		}
		wantEqual(t, "Failures("+tt.key+", "+tt.since.String()+"): last", last, tt.last)
	}
}

func testClearFailures(t *testing.T, s akte.Store) {
	mustAddFailure(t, s, "account:acc-1", at(0))
	mustAddFailure(t, s, "account:acc-1", at(time.Minute))
	mustAddFailure(t, s, "account:acc-2", at(time.Minute))

	if err := s.ClearFailures(t.Context(), "account:acc-1"); err != nil {
		t.Fatalf("ClearFailures: %v", err)
	}
	if n, last := mustFailures(t, s, "account:acc-1", time.Time{}); n != 0 || !last.IsZero() {
		t.Errorf("Failures after ClearFailures = %d, %s; want 0, zero time", n, last)
	}
	if n, _ := mustFailures(t, s, "account:acc-2", time.Time{}); n != 1 {
		t.Errorf("Failures of other key = %d, want 1", n)
	}
	// Clearing a key without failures is not an error: there is nothing
	// left to forget.
	if err := s.ClearFailures(t.Context(), "account:acc-1"); err != nil {
		t.Errorf("ClearFailures again: %v", err)
	}
}

func testDeleteFailuresBefore(t *testing.T, s akte.Store) {
	cutoff := at(time.Hour)
	mustAddFailure(t, s, "a", cutoff.Add(-time.Hour))
	mustAddFailure(t, s, "a", cutoff.Add(-time.Microsecond))
	mustAddFailure(t, s, "a", cutoff) // not older
	mustAddFailure(t, s, "b", cutoff.Add(-time.Minute))
	mustAddFailure(t, s, "b", cutoff.Add(time.Minute))

	n, err := s.DeleteFailuresBefore(t.Context(), cutoff)
	wantCount(t, "DeleteFailuresBefore", n, err, 3)
	for _, tt := range []struct {
		key  string
		n    int
		last time.Time
	}{
		{"a", 1, cutoff},
		{"b", 1, cutoff.Add(time.Minute)},
	} {
		n, last := mustFailures(t, s, tt.key, time.Time{})
		if n != tt.n {
			t.Errorf("Failures(%s) = %d, want %d", tt.key, n, tt.n)
		}
		wantEqual(t, "Failures("+tt.key+"): last", last, tt.last)
	}
}
