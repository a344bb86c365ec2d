package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

func testLease(t *testing.T, s akte.Store) {
	ctx := t.Context()
	t0 := at(0)
	acquire := func(holder string, now time.Time, want bool) {
		t.Helper()
		got, err := s.AcquireLease(ctx, "jobs", holder, now, now.Add(time.Minute))
		if err != nil {
			t.Fatalf("AcquireLease(%s): %v", holder, err)
		}
		if got != want {
			t.Fatalf("AcquireLease(%s at %v) = %v, want %v", holder, now.Sub(t0), got, want)
		}
	}
	acquire("a", t0, true)                   // free
	acquire("b", t0.Add(time.Second), false) // held by a
	acquire("a", t0.Add(30*time.Second), true)
	acquire("b", t0.Add(89*time.Second), false) // a renewed until 90 s
	acquire("b", t0.Add(90*time.Second), true)  // expired: b takes over
	acquire("a", t0.Add(91*time.Second), false)
	if ok, err := s.AcquireLease(ctx, "other", "a", t0, t0.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("a second lease name: %v %v", ok, err)
	}
	// Only the holder can release.
	if err := s.ReleaseLease(ctx, "jobs", "a"); err != nil {
		t.Fatal(err)
	}
	acquire("a", t0.Add(92*time.Second), false)
	if err := s.ReleaseLease(ctx, "jobs", "b"); err != nil {
		t.Fatal(err)
	}
	acquire("a", t0.Add(93*time.Second), true)
}

// testLeaseConcurrent: of many replicas racing for a free lease, one wins.
func testLeaseConcurrent(t *testing.T, s akte.Store) {
	ctx := t.Context()
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.AcquireLease(ctx, "race", string(rune('a'+i)), at(0), at(time.Minute))
			if err != nil {
				t.Errorf("AcquireLease: %v", err)
				return
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d replicas hold the lease, want 1", won)
	}
}
