package storetest

import (
	"testing"
	"time"

	"github.com/akte/akte"
)

// testConsents: the ledger is appended and read oldest first, keeps each
// text once by its hash, outlives the account until its evidence
// expires; the restriction is set once (its first time kept), read and
// lifted, and goes with the account; a termination keeps its
// withdrawal mark.
func testConsents(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	text := &akte.ConsentText{ID: "processing", Version: 1, Lang: "de", Hash: "aa11", Body: "Einwilligung"}
	c1 := &akte.Consent{ID: "c1", AccountID: a.ID, Text: "processing", Version: 1, Lang: "de", Hash: "aa11", Decision: akte.ConsentGiven, At: at(time.Hour), Via: akte.ViaCLI}
	c2 := &akte.Consent{ID: "c2", AccountID: a.ID, Text: "processing", Version: 1, Lang: "de", Hash: "aa11", Decision: akte.ConsentWithdrawn, At: at(2 * time.Hour), Via: akte.ViaPaper}
	for _, c := range []*akte.Consent{c2, c1} {
		if err := s.AddConsent(ctx, c, text); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Consents(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "Consents", got, []*akte.Consent{c1, c2})
	kept, err := s.ConsentText(ctx, "aa11")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "ConsentText", kept, text)
	_, err = s.ConsentText(ctx, "bb22")
	wantKind(t, "ConsentText(unknown)", err, akte.KindNotFound)

	r := &akte.Restriction{AccountID: a.ID, Since: at(3 * time.Hour)}
	if err := s.SetRestriction(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRestriction(ctx, &akte.Restriction{AccountID: a.ID, Since: at(4 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	gr, err := s.Restriction(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "Restriction", gr, r)
	if err := s.DeleteRestriction(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "DeleteRestriction(again)", s.DeleteRestriction(ctx, a.ID), akte.KindNotFound)
	_, err = s.Restriction(ctx, a.ID)
	wantKind(t, "Restriction(lifted)", err, akte.KindNotFound)

	tw := &akte.Termination{AccountID: a.ID, RequestedAt: at(time.Hour), DeleteAt: at(8 * 24 * time.Hour), Notices: 2, Withdrawal: true}
	if err := s.SetTermination(ctx, tw); err != nil {
		t.Fatal(err)
	}
	gt, err := s.Termination(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "Termination(withdrawal)", gt, tw)
	if err := s.SetRestriction(ctx, r); err != nil {
		t.Fatal(err)
	}

	// The account goes; its ledger stays until the evidence expires.
	if err := s.DeleteAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Restriction(ctx, a.ID)
	wantKind(t, "Restriction(account deleted)", err, akte.KindNotFound)
	if err := s.EndConsents(ctx, a.ID, at(10*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.EndConsents(ctx, a.ID, at(20*24*time.Hour)); err != nil { // the first end stands
		t.Fatal(err)
	}
	got, _ = s.Consents(ctx, a.ID)
	if len(got) != 2 || got[0].EndedAt == nil || got[0].EndedAt.Sub(at(10*24*time.Hour)).Abs() > time.Millisecond {
		t.Fatalf("Consents after the account ended: %+v %v", got[0], got[0].EndedAt)
	}
	if n, err := s.DeleteConsentsEndedBefore(ctx, at(10*24*time.Hour)); err != nil || n != 0 {
		t.Errorf("DeleteConsentsEndedBefore(the end) = %d, %v", n, err)
	}
	if n, err := s.DeleteConsentsEndedBefore(ctx, at(11*24*time.Hour)); err != nil || n != 2 {
		t.Errorf("DeleteConsentsEndedBefore(after the end) = %d, %v", n, err)
	}
	if got, _ := s.Consents(ctx, a.ID); len(got) != 0 {
		t.Errorf("Consents after the evidence expired: %+v", got)
	}
}
