package storetest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/akte/akte"
)

func mustManifest(t *testing.T, s akte.Store, a akte.AccountID) (int64, []byte) {
	t.Helper()
	n, b, err := s.Manifest(t.Context(), a)
	if err != nil {
		t.Fatalf("Manifest: %v", err)
	}
	return n, b
}

func testManifest(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	_, _, err := s.Manifest(ctx, a.ID)
	wantKind(t, "Manifest before CreateRecord", err, akte.KindNotFound)
	wantKind(t, "SwapManifest before CreateRecord", s.SwapManifest(ctx, a.ID, 0, 1, []byte("x")), akte.KindNotFound)
	if err := s.CreateRecord(ctx, newRecord(a.ID)); err != nil {
		t.Fatal(err)
	}
	if n, b := mustManifest(t, s, a.ID); n != 0 || len(b) != 0 {
		t.Fatalf("new record's manifest: %d %q, want 0 and none", n, b)
	}
	m1 := []byte("manifest-1\x00\xff")
	if err := s.SwapManifest(ctx, a.ID, 0, 1, m1); err != nil {
		t.Fatal(err)
	}
	if n, b := mustManifest(t, s, a.ID); n != 1 || !bytes.Equal(b, m1) {
		t.Fatalf("after the first swap: %d %q, want 1 %q", n, b, m1)
	}
	wantKind(t, "SwapManifest with an old counter", s.SwapManifest(ctx, a.ID, 0, 1, []byte("stale")), akte.KindConflict)
	wantKind(t, "SwapManifest with a future counter", s.SwapManifest(ctx, a.ID, 2, 3, []byte("future")), akte.KindConflict)
	if n, b := mustManifest(t, s, a.ID); n != 1 || !bytes.Equal(b, m1) {
		t.Fatalf("after refused swaps: %d %q, want 1 %q", n, b, m1)
	}
	// Another account's record is not touched.
	o := mustCreateAccount(t, s, newAccount(2))
	if err := s.CreateRecord(ctx, newRecord(o.ID)); err != nil {
		t.Fatal(err)
	}
	if n, _ := mustManifest(t, s, o.ID); n != 0 {
		t.Fatalf("other record's counter %d, want 0", n)
	}
	// A reset empties the manifest (it was sealed under the old keys) and
	// keeps the counter, which never goes back.
	nr := newRecord(a.ID)
	nr.ID = "rec-reset"
	if err := s.ReplaceRecordKeys(ctx, nr); err != nil {
		t.Fatal(err)
	}
	if n, b := mustManifest(t, s, a.ID); n != 1 || len(b) != 0 {
		t.Fatalf("after ReplaceRecordKeys: %d %q, want 1 and none", n, b)
	}
	// A copy (akte admin migrate) sets the counter it copies.
	if err := s.SwapManifest(ctx, a.ID, 1, 41, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := mustManifest(t, s, a.ID); n != 41 {
		t.Fatalf("counter %d after a swap to 41", n)
	}
	if err := s.DeleteAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Manifest(ctx, a.ID)
	wantKind(t, "Manifest after DeleteAccount", err, akte.KindNotFound)
}

// testSwapManifestConcurrent: 100 writers that read the counter and swap,
// retrying on a conflict, lose no write, and each counter is won once.
func testSwapManifestConcurrent(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	if err := s.CreateRecord(ctx, newRecord(a.ID)); err != nil {
		t.Fatal(err)
	}
	const n = 100
	won := make([]int64, n)
	errs := race(n, func(i int) error {
		for {
			c, _, err := s.Manifest(ctx, a.ID)
			if err != nil {
				return err
			}
			err = s.SwapManifest(ctx, a.ID, c, c+1, fmt.Appendf(nil, "writer %d", i))
			if err == nil {
				won[i] = c + 1
				return nil
			}
			if !akte.Is(err, akte.KindConflict) {
				return err
			}
		}
	})
	seen := map[int64]int{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
		if j, ok := seen[won[i]]; ok {
			t.Errorf("writers %d and %d both won counter %d", j, i, won[i])
		}
		seen[won[i]] = i
	}
	c, b := mustManifest(t, s, a.ID)
	if c != n {
		t.Errorf("counter %d after %d swaps", c, n)
	}
	if last := seen[c]; string(b) != fmt.Sprintf("writer %d", last) {
		t.Errorf("manifest %q, want the last winner's (writer %d)", b, last)
	}
}
