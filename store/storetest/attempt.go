package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akte/akte"
)

// upTo is a take function for TakeAttempt: it counts an attempt while
// fewer than max are counted, and marks when.
func upTo(max int, now time.Time) func(akte.Attempts) (akte.Attempts, bool) {
	return func(a akte.Attempts) (akte.Attempts, bool) {
		if a.N >= max {
			return a, false
		}
		if a.N == 0 {
			a.Start = now
		}
		a.N++
		a.Next = now.Add(time.Second)
		return a, true
	}
}

func mustTake(t *testing.T, s akte.Store, key string, take func(akte.Attempts) (akte.Attempts, bool)) (akte.Attempts, bool) {
	t.Helper()
	a, ok, err := s.TakeAttempt(t.Context(), key, take)
	if err != nil {
		t.Fatalf("TakeAttempt(%s): %v", key, err)
	}
	return a, ok
}

// peek returns the key's counter without changing it.
func peek(t *testing.T, s akte.Store, key string) akte.Attempts {
	t.Helper()
	var seen akte.Attempts
	mustTake(t, s, key, func(a akte.Attempts) (akte.Attempts, bool) {
		seen = a
		return a, false
	})
	return seen
}

func testTakeAttempt(t *testing.T, s akte.Store) {
	// A key without a counter reads as the zero counter, and a refusal
	// stores nothing.
	if got := peek(t, s, "login:account:acc-1"); got != (akte.Attempts{}) {
		t.Fatalf("counter of a new key = %+v, want zero", got)
	}
	for i := 1; i <= 3; i++ {
		got, ok := mustTake(t, s, "login:account:acc-1", upTo(3, at(time.Duration(i)*time.Minute)))
		if !ok || got.N != i {
			t.Fatalf("attempt %d: %+v, %v; want N = %d, taken", i, got, ok, i)
		}
	}
	got, ok := mustTake(t, s, "login:account:acc-1", upTo(3, at(time.Hour)))
	if ok || got.N != 3 {
		t.Fatalf("attempt past the limit: %+v, %v; want N = 3, refused", got, ok)
	}
	// What was stored round-trips: microseconds, UTC.
	wantEqual(t, "counter", peek(t, s, "login:account:acc-1"), akte.Attempts{N: 3, Start: at(time.Minute), Next: at(3*time.Minute + time.Second)})

	// Keys match exactly and are independent.
	if got := peek(t, s, "login:account:acc"); got != (akte.Attempts{}) {
		t.Errorf("counter of a key prefix = %+v, want zero", got)
	}
	mustTake(t, s, "register:addr:192.0.2.7", upTo(1, at(0)))
	wantEqual(t, "other key", peek(t, s, "register:addr:192.0.2.7"), akte.Attempts{N: 1, Start: at(0), Next: at(time.Second)})

	// The take function may store any counter, zero times included.
	mustTake(t, s, "mail:x", func(a akte.Attempts) (akte.Attempts, bool) { return akte.Attempts{N: 7}, true })
	wantEqual(t, "counter with zero times", peek(t, s, "mail:x"), akte.Attempts{N: 7})
}

// testTakeAttemptConcurrent: many goroutines take attempts on one key at
// once; at most the limit get one, and no increment is lost.
func testTakeAttemptConcurrent(t *testing.T, s akte.Store) {
	const n, limit = 100, 5
	var taken atomic.Int32
	errs := race(n, func(int) error {
		_, ok, err := s.TakeAttempt(t.Context(), "login:account:acc-1", upTo(limit, at(0)))
		if ok {
			taken.Add(1)
		}
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("TakeAttempt #%d: %v", i, err)
		}
	}
	if got := taken.Load(); got != limit {
		t.Errorf("%d of %d concurrent attempts were taken, want %d", got, n, limit)
	}
	if got := peek(t, s, "login:account:acc-1").N; got != limit {
		t.Errorf("counter after the race = %d, want %d", got, limit)
	}

	// Unbounded, every one of them counts: each saw its predecessor's
	// counter. Releases racing with them are not lost either.
	errs = race(n, func(i int) error {
		if i%4 == 0 {
			return s.ReleaseAttempt(t.Context(), "login:addr:192.0.2.7")
		}
		_, _, err := s.TakeAttempt(t.Context(), "login:addr:192.0.2.7", upTo(n, at(0)))
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call #%d: %v", i, err)
		}
	}
	// 75 takes and 25 releases; a release before any take finds nothing
	// to give back, so the count is between 50 and 75.
	if got := peek(t, s, "login:addr:192.0.2.7").N; got < n*3/4-n/4 || got > n*3/4 {
		t.Errorf("counter after 75 takes and 25 releases = %d, want 50 to 75", got)
	}
}

func testReleaseAttempt(t *testing.T, s akte.Store) {
	ctx := t.Context()
	for range 2 {
		mustTake(t, s, "k", upTo(5, at(0)))
	}
	mustTake(t, s, "other", upTo(5, at(0)))
	for i, want := range []int{1, 0, 0} { // never below zero
		if err := s.ReleaseAttempt(ctx, "k"); err != nil {
			t.Fatalf("ReleaseAttempt #%d: %v", i, err)
		}
		// Start and Next stay: a release gives back the count, not the wait.
		wantEqual(t, fmt.Sprintf("counter after release #%d", i), peek(t, s, "k"), akte.Attempts{N: want, Start: at(0), Next: at(time.Second)})
	}
	if got := peek(t, s, "other").N; got != 1 {
		t.Errorf("other key = %d, want 1", got)
	}
	if err := s.ReleaseAttempt(ctx, "no such key"); err != nil {
		t.Errorf("ReleaseAttempt(no such key): %v", err)
	}
	if got := peek(t, s, "no such key"); got != (akte.Attempts{}) {
		t.Errorf("release created a counter: %+v", got)
	}
}

func testClearAttempts(t *testing.T, s akte.Store) {
	ctx := t.Context()
	mustTake(t, s, "code:email-confirm:x", upTo(5, at(0)))
	mustTake(t, s, "code:email-confirm:y", upTo(5, at(0)))
	if err := s.ClearAttempts(ctx, "code:email-confirm:x"); err != nil {
		t.Fatalf("ClearAttempts: %v", err)
	}
	if got := peek(t, s, "code:email-confirm:x"); got != (akte.Attempts{}) {
		t.Errorf("counter after ClearAttempts = %+v, want zero", got)
	}
	if got := peek(t, s, "code:email-confirm:y").N; got != 1 {
		t.Errorf("other key after ClearAttempts = %d, want 1", got)
	}
	// Clearing a key without a counter is not an error: there is nothing
	// left to forget.
	if err := s.ClearAttempts(ctx, "code:email-confirm:x"); err != nil {
		t.Errorf("ClearAttempts again: %v", err)
	}
}

func testDeleteAttemptsBefore(t *testing.T, s akte.Store) {
	cutoff := at(time.Hour)
	set := func(key string, start, next time.Time) {
		mustTake(t, s, key, func(akte.Attempts) (akte.Attempts, bool) { return akte.Attempts{N: 1, Start: start, Next: next}, true })
	}
	set("old", cutoff.Add(-time.Hour), cutoff.Add(-time.Microsecond))
	set("zero", time.Time{}, time.Time{})
	set("waiting", cutoff.Add(-time.Hour), cutoff.Add(time.Minute)) // Next not before
	set("starts-now", cutoff, cutoff)                               // not before
	set("new", cutoff.Add(time.Minute), cutoff.Add(time.Minute))
	peek(t, s, "only-read") // a refused take may leave an empty counter behind

	n, err := s.DeleteAttemptsBefore(t.Context(), cutoff)
	if err != nil {
		t.Fatalf("DeleteAttemptsBefore: %v", err)
	}
	if n < 2 || n > 3 {
		t.Errorf("DeleteAttemptsBefore = %d, want 2 (and 1 for an empty counter a backend may keep)", n)
	}
	for key, want := range map[string]int{"old": 0, "zero": 0, "waiting": 1, "starts-now": 1, "new": 1} {
		if got := peek(t, s, key).N; got != want {
			t.Errorf("counter %s after DeleteAttemptsBefore = %d, want %d", key, got, want)
		}
	}
}
