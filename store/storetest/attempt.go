package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akte/akte"
)

// upTo is a take function for one key of TakeAttempts: it counts an attempt while
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

// takeOne calls TakeAttempts for one key.
func takeOne(s akte.Store, ctx context.Context, key string, take func(akte.Attempts) (akte.Attempts, bool)) (akte.Attempts, bool, error) {
	as, ok, err := s.TakeAttempts(ctx, []string{key}, func(as []akte.Attempts) ([]akte.Attempts, bool) {
		a, ok := take(as[0])
		return []akte.Attempts{a}, ok
	})
	if err != nil {
		return akte.Attempts{}, false, err
	}
	return as[0], ok, nil
}

func mustTake(t *testing.T, s akte.Store, key string, take func(akte.Attempts) (akte.Attempts, bool)) (akte.Attempts, bool) {
	t.Helper()
	a, ok, err := takeOne(s, t.Context(), key, take)
	if err != nil {
		t.Fatalf("TakeAttempts(%s): %v", key, err)
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

// testTakeAttemptsConcurrent: many goroutines take attempts on one key at
// once; at most the limit get one, and no increment is lost; calls with
// overlapping sets of keys in any order neither deadlock nor lose one.
func testTakeAttemptsConcurrent(t *testing.T, s akte.Store) {
	ctx := t.Context()
	const n, limit = 100, 5
	var taken atomic.Int32
	errs := race(n, func(int) error {
		_, ok, err := takeOne(s, ctx, "login:account:acc-1", upTo(limit, at(0)))
		if ok {
			taken.Add(1)
		}
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("TakeAttempts #%d: %v", i, err)
		}
	}
	if got := taken.Load(); got != limit {
		t.Errorf("%d of %d concurrent attempts were taken, want %d", got, n, limit)
	}
	if got := peek(t, s, "login:account:acc-1").N; got != limit {
		t.Errorf("counter after the race = %d, want %d", got, limit)
	}

	// Unbounded, every one of them counts: each saw its predecessor's
	// counters.
	sets := [][]string{{"a", "b"}, {"b", "a"}, {"b", "c"}, {"c", "a", "b"}}
	want := map[string]int{}
	errs = race(n, func(i int) error {
		set := sets[i%len(sets)]
		_, _, err := s.TakeAttempts(ctx, set, func(as []akte.Attempts) ([]akte.Attempts, bool) {
			out := make([]akte.Attempts, len(as))
			for j, a := range as {
				out[j], _ = upTo(n, at(0))(a)
			}
			return out, true
		})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("TakeAttempts #%d on %v: %v", i, sets[i%len(sets)], err)
		}
		for _, k := range sets[i%len(sets)] {
			want[k]++
		}
	}
	for k, w := range want {
		if got := peek(t, s, k).N; got != w {
			t.Errorf("counter %s after %d concurrent takes = %d", k, w, got)
		}
	}

	// Releases racing with takes are not lost either: 75 takes and 25
	// releases; a release before any take finds nothing to give back, so
	// the count is between 50 and 75.
	errs = race(n, func(i int) error {
		if i%4 == 0 {
			return s.ReleaseAttempts(ctx, "login:addr:192.0.2.7")
		}
		_, _, err := takeOne(s, ctx, "login:addr:192.0.2.7", upTo(n, at(0)))
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call #%d: %v", i, err)
		}
	}
	if got := peek(t, s, "login:addr:192.0.2.7").N; got < 50 || got > 75 {
		t.Errorf("counter after 75 takes and 25 releases = %d, want 50 to 75", got)
	}
}

// testTakeAttemptsAllOrNothing: take sees every key's counter in order,
// and a refusal stores nothing for any key.
func testTakeAttemptsAllOrNothing(t *testing.T, s akte.Store) {
	ctx := t.Context()
	mustTake(t, s, "full", upTo(1, at(0)))
	mustTake(t, s, "one", upTo(5, at(0)))
	keys := []string{"one", "new", "full"}
	limits := []int{5, 5, 1}
	all := func(as []akte.Attempts) ([]akte.Attempts, bool) {
		out := make([]akte.Attempts, len(as))
		for i, a := range as {
			var ok bool
			if out[i], ok = upTo(limits[i], at(time.Minute))(a); !ok {
				return as, false
			}
		}
		return out, true
	}
	got, ok, err := s.TakeAttempts(ctx, keys, all)
	if err != nil || ok {
		t.Fatalf("TakeAttempts with a full key: %v, %v; want refused", ok, err)
	}
	wantEqual(t, "counters seen", got, []akte.Attempts{{N: 1, Start: at(0), Next: at(time.Second)}, {}, {N: 1, Start: at(0), Next: at(time.Second)}})
	for k, n := range map[string]int{"one": 1, "new": 0, "full": 1} {
		if got := peek(t, s, k).N; got != n {
			t.Errorf("counter %s after a refusal = %d, want %d", k, got, n)
		}
	}
}

func testReleaseAttempts(t *testing.T, s akte.Store) {
	ctx := t.Context()
	for range 2 {
		mustTake(t, s, "k", upTo(5, at(0)))
	}
	mustTake(t, s, "other", upTo(5, at(0)))
	for i, want := range []int{1, 0, 0} { // never below zero
		if err := s.ReleaseAttempts(ctx, "k"); err != nil {
			t.Fatalf("ReleaseAttempts #%d: %v", i, err)
		}
		// Start and Next stay: a release gives back the count, not the wait.
		wantEqual(t, fmt.Sprintf("counter after release #%d", i), peek(t, s, "k"), akte.Attempts{N: want, Start: at(0), Next: at(time.Second)})
	}
	if got := peek(t, s, "other").N; got != 1 {
		t.Errorf("other key = %d, want 1", got)
	}
	if err := s.ReleaseAttempts(ctx, "no such key"); err != nil {
		t.Errorf("ReleaseAttempts(no such key): %v", err)
	}
	if got := peek(t, s, "no such key"); got != (akte.Attempts{}) {
		t.Errorf("release created a counter: %+v", got)
	}
}

func testClearAttempts(t *testing.T, s akte.Store) {
	ctx := t.Context()
	for _, k := range []string{"code:email-confirm:x", "code:email-confirm:y", "login:account:z"} {
		mustTake(t, s, k, upTo(5, at(0)))
	}
	if err := s.ClearAttempts(ctx, "code:email-confirm:x", "login:account:z"); err != nil {
		t.Fatalf("ClearAttempts: %v", err)
	}
	for _, k := range []string{"code:email-confirm:x", "login:account:z"} {
		if got := peek(t, s, k); got != (akte.Attempts{}) {
			t.Errorf("counter %s after ClearAttempts = %+v, want zero", k, got)
		}
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
