package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

// testPushSubscriptions: subscriptions are added up to the limit (also
// under concurrent adds), the same endpoint replaces its keys, listed per
// account, deleted, and gone with their account.
func testPushSubscriptions(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))
	sub := func(acc akte.AccountID, n int) *akte.PushSubscription {
		return &akte.PushSubscription{AccountID: acc, ID: fmt.Sprintf("psh-%s-%d", acc, n), DeviceID: "dev-1",
			Endpoint: fmt.Sprintf("https://push.example.net/%d", n), P256DH: []byte{4, byte(n)}, Auth: []byte{byte(n)}, CreatedAt: at(time.Duration(n) * time.Minute)}
	}
	p1 := sub(a.ID, 1)
	got, err := s.AddPushSubscription(ctx, p1, 3)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "AddPushSubscription", got, p1)
	again := sub(a.ID, 1)
	again.ID, again.DeviceID, again.P256DH, again.CreatedAt = "psh-other", "dev-2", []byte{4, 9}, at(time.Hour)
	got, err = s.AddPushSubscription(ctx, again, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := *p1
	want.DeviceID, want.P256DH = "dev-2", []byte{4, 9}
	wantEqual(t, "AddPushSubscription(same endpoint)", got, &want)
	_, err = s.AddPushSubscription(ctx, sub("acc-unknown", 1), 3)
	wantKind(t, "AddPushSubscription(no account)", err, akte.KindNotFound)

	// 20 concurrent adds against a limit of 3 (one held already).
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { s.AddPushSubscription(ctx, sub(a.ID, 10+i), 3) })
	}
	wg.Wait()
	list, err := s.PushSubscriptions(ctx, a.ID)
	if err != nil || len(list) != 3 {
		t.Fatalf("PushSubscriptions after concurrent adds = %d, %v; want 3", len(list), err)
	}
	_, err = s.AddPushSubscription(ctx, sub(a.ID, 99), 3)
	wantKind(t, "AddPushSubscription(over the limit)", err, akte.KindConflict)
	if _, err := s.AddPushSubscription(ctx, sub(b.ID, 1), 3); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePushSubscription(ctx, b.ID, p1.ID); !akte.Is(err, akte.KindNotFound) {
		t.Errorf("DeletePushSubscription(another account's) = %v", err)
	}
	if err := s.DeletePushSubscription(ctx, a.ID, p1.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "DeletePushSubscription(again)", s.DeletePushSubscription(ctx, a.ID, p1.ID), akte.KindNotFound)
	if list, _ := s.PushSubscriptions(ctx, a.ID); len(list) != 2 {
		t.Errorf("after delete: %d", len(list))
	}
	if err := s.DeleteAccount(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.PushSubscriptions(ctx, b.ID); len(list) != 0 {
		t.Errorf("subscriptions after the account's deletion: %v", list)
	}
}
