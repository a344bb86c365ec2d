package storetest

import (
	"testing"
	"time"

	"github.com/akte/akte"
)

// testTerminations: a notice is set, replaced, listed by deletion time,
// its reminders counted once each, taken back, and gone with its account.
func testTerminations(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))
	ta := &akte.Termination{AccountID: a.ID, RequestedAt: at(time.Hour), DeleteAt: at(30 * 24 * time.Hour)}
	tb := &akte.Termination{AccountID: b.ID, RequestedAt: at(2 * time.Hour), DeleteAt: at(29 * 24 * time.Hour), Notices: 1}
	for _, n := range []*akte.Termination{ta, tb} {
		if err := s.SetTermination(ctx, n); err != nil {
			t.Fatalf("SetTermination(%s): %v", n.AccountID, err)
		}
	}
	wantKind(t, "SetTermination(no account)", s.SetTermination(ctx, &akte.Termination{AccountID: "acc-unknown", RequestedAt: at(0), DeleteAt: at(time.Hour)}), akte.KindNotFound)
	got, err := s.Terminations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "Terminations", got, []*akte.Termination{tb, ta})
	for i, want := range []bool{true, false} {
		if sent, err := s.SetTerminationNotices(ctx, a.ID, 1); err != nil || sent != want {
			t.Errorf("SetTerminationNotices(1) #%d = %v, %v; want %v", i, sent, err, want)
		}
	}
	if sent, _ := s.SetTerminationNotices(ctx, b.ID, 1); sent {
		t.Error("SetTerminationNotices(1) after 1 sent again")
	}
	n, err := s.Termination(ctx, a.ID)
	if err != nil || n.Notices != 1 {
		t.Errorf("Termination = %+v, %v", n, err)
	}
	if err := s.DeleteTermination(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "DeleteTermination(again)", s.DeleteTermination(ctx, a.ID), akte.KindNotFound)
	_, err = s.Termination(ctx, a.ID)
	wantKind(t, "Termination(taken back)", err, akte.KindNotFound)
	if err := s.DeleteAccount(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Terminations(ctx); len(got) != 0 {
		t.Errorf("Terminations after the account went: %+v", got)
	}
	if err := s.Scrub(ctx); err != nil {
		t.Errorf("Scrub: %v", err)
	}
}
