package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

// testShares: a share is stored with its items in order, read back by id
// and listed newest first; a second id is a conflict; views are logged;
// concurrent wrong proofs are all counted and exactly one of them locks;
// a revocation empties the slots and happens once; the shares go with
// their owner.
func testShares(t *testing.T, s akte.Store) {
	ctx := t.Context()
	o, _ := grantSetup(t, s, 0)
	sh := &akte.Share{ID: "share-1", Owner: o, Record: akte.RecordID("rec-" + string(o)), CreatedAt: at(time.Minute), CreatedBy: o,
		ExpiresAt: at(14 * 24 * time.Hour), Code: true, Password: true, ProofHash: []byte("hash\x00\xff"),
		Items: []akte.ShareItem{{Item: "item-b", Slot: []byte("slot-b")}, {Item: "item-a", Slot: []byte("slot-a\x00")}}}
	if err := s.CreateShare(ctx, sh); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "CreateShare twice", s.CreateShare(ctx, sh), akte.KindConflict)
	sh2 := *sh
	sh2.ID, sh2.CreatedAt, sh2.Code, sh2.Items = "share-2", at(2*time.Minute), false, []akte.ShareItem{{Item: "item-c", Slot: []byte("c")}}
	if err := s.CreateShare(ctx, &sh2); err != nil {
		t.Fatal(err)
	}
	got, err := s.Share(ctx, "share-1")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "Share", got, sh)
	_, err = s.Share(ctx, "share-none")
	wantKind(t, "Share(none)", err, akte.KindNotFound)
	list, err := s.Shares(ctx, o)
	if err != nil || len(list) != 2 || list[0].ID != "share-2" || list[1].ID != "share-1" {
		t.Fatalf("Shares = %+v, %v", list, err)
	}
	for _, v := range []time.Duration{time.Hour, 2 * time.Hour} {
		if err := s.AddShareView(ctx, "share-1", at(v)); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.Share(ctx, "share-1"); len(got.Views) != 2 || !got.Views[0].Equal(at(time.Hour).Truncate(time.Microsecond)) {
		t.Errorf("views = %v", got.Views)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	locks := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, locked, err := s.ShareFailed(ctx, "share-1", 10, at(3*time.Hour))
			if err != nil {
				t.Error(err)
			}
			if locked {
				mu.Lock()
				locks++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if got, _ := s.Share(ctx, "share-1"); locks != 1 || got.Failures != 20 || got.LockedAt == nil || !got.LockedAt.Equal(at(3*time.Hour).Truncate(time.Microsecond)) {
		t.Errorf("after 20 concurrent failures: %d locks, %+v", locks, got)
	}
	_, _, err = s.ShareFailed(ctx, "share-none", 10, at(0))
	wantKind(t, "ShareFailed(none)", err, akte.KindNotFound)
	if err := s.RevokeShare(ctx, o, "share-2", at(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "RevokeShare twice", s.RevokeShare(ctx, o, "share-2", at(5*time.Hour)), akte.KindNotFound)
	wantKind(t, "RevokeShare of another owner", s.RevokeShare(ctx, "acc-other", "share-1", at(5*time.Hour)), akte.KindNotFound)
	if got, _ := s.Share(ctx, "share-2"); got.RevokedAt == nil || len(got.Items) != 1 || len(got.Items[0].Slot) != 0 {
		t.Errorf("revoked share: %+v", got)
	}
	if err := s.DeleteAccount(ctx, o); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Share(ctx, "share-1"); !akte.Is(err, akte.KindNotFound) {
		t.Errorf("a share after its owner went: %v", err)
	}
}
