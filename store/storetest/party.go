package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akte/akte"
)

// testParties: parties are stored, found by id and by credential hash,
// listed by kind; links are made, replaced, listed and removed, and go with
// their account.
func testParties(t *testing.T, s akte.Store) {
	ctx := t.Context()
	app := &akte.Party{ID: "app_1", Kind: akte.PartyApp, Name: "Tagebuch", SecretHash: []byte("hash-app"), CreatedAt: at(time.Hour)}
	ins := &akte.Party{ID: "ins_1", Kind: akte.PartyInsurer, Name: "Kasse", SecretHash: []byte("hash-ins"), CreatedAt: at(2 * time.Hour)}
	for _, p := range []*akte.Party{app, ins} {
		if err := s.CreateParty(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	wantKind(t, "CreateParty(same hash)", s.CreateParty(ctx, &akte.Party{ID: "app_2", Kind: akte.PartyApp, Name: "x", SecretHash: []byte("hash-app"), CreatedAt: at(0)}), akte.KindConflict)
	got, err := s.PartyBySecret(ctx, []byte("hash-ins"))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "PartyBySecret", got, ins)
	_, err = s.PartyBySecret(ctx, []byte("nope"))
	wantKind(t, "PartyBySecret(unknown)", err, akte.KindNotFound)
	_, err = s.Party(ctx, "app_9")
	wantKind(t, "Party(unknown)", err, akte.KindNotFound)
	apps, err := s.Parties(ctx, akte.PartyApp)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "Parties(app)", apps, []*akte.Party{app})
	all, _ := s.Parties(ctx, "")
	if len(all) != 2 {
		t.Errorf("Parties() = %d", len(all))
	}
	a := mustCreateAccount(t, s, newAccount(1))
	l := &akte.PartyLink{Party: app.ID, AccountID: a.ID, Record: "rec1", CreatedAt: at(3 * time.Hour)}
	if err := s.LinkParty(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := s.LinkParty(ctx, l); err != nil {
		t.Fatalf("LinkParty again: %v", err)
	}
	wantKind(t, "LinkParty(no account)", s.LinkParty(ctx, &akte.PartyLink{Party: app.ID, AccountID: "acc-unknown", Record: "r", CreatedAt: at(0)}), akte.KindNotFound)
	gl, err := s.PartyLink(ctx, app.ID, "rec1")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "PartyLink", gl, l)
	ls, _ := s.PartyLinks(ctx, a.ID)
	wantEqual(t, "PartyLinks", ls, []*akte.PartyLink{l})
	_, err = s.PartyLink(ctx, ins.ID, "rec1")
	wantKind(t, "PartyLink(other party)", err, akte.KindNotFound)
	if err := s.UnlinkParty(ctx, app.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "UnlinkParty again", s.UnlinkParty(ctx, app.ID, a.ID), akte.KindNotFound)
	s.LinkParty(ctx, l)
	if err := s.DeleteAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.PartyLink(ctx, app.ID, "rec1")
	wantKind(t, "PartyLink after the account", err, akte.KindNotFound)
}

// testActivations: a shell is found by its code's hash, used once (of
// many at once, one), its account's, and deleted when stale and unused.
func testActivations(t *testing.T, s akte.Store) {
	ctx := t.Context()
	ins := &akte.Party{ID: "ins_1", Kind: akte.PartyInsurer, Name: "Kasse", SecretHash: []byte("hash-ins"), CreatedAt: at(0)}
	if err := s.CreateParty(ctx, ins); err != nil {
		t.Fatal(err)
	}
	sh := &akte.Activation{ID: "act_1", Insurer: ins.ID, KVNR: "X110411675", BirthDate: "1961-07-14", Email: "a@example.org", CodeHash: []byte("code-1"), CreatedAt: at(time.Hour)}
	old := &akte.Activation{ID: "act_2", Insurer: ins.ID, KVNR: "A123456780", BirthDate: "1980-01-01", CodeHash: []byte("code-2"), CreatedAt: at(0)}
	for _, a := range []*akte.Activation{sh, old} {
		if err := s.CreateActivation(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	wantKind(t, "CreateActivation(same code)", s.CreateActivation(ctx, &akte.Activation{ID: "act_3", Insurer: ins.ID, CodeHash: []byte("code-1"), CreatedAt: at(0)}), akte.KindConflict)
	got, err := s.ActivationByCode(ctx, []byte("code-1"))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "ActivationByCode", got, sh)
	accs := make([]*akte.Account, 8)
	for i := range accs {
		accs[i] = mustCreateAccount(t, s, newAccount(i+1))
	}
	var wg sync.WaitGroup
	var won atomic.Int32
	for _, a := range accs {
		wg.Go(func() {
			err := s.UseActivation(ctx, sh.ID, a.ID, at(2*time.Hour), &akte.PartyLink{Party: ins.ID, AccountID: a.ID, Record: akte.RecordID("rec-" + a.ID), CreatedAt: at(2 * time.Hour)})
			switch {
			case err == nil:
				won.Add(1)
			case !akte.Is(err, akte.KindConflict):
				t.Errorf("UseActivation: %v", err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d uses of one shell", won.Load())
	}
	got, _ = s.ActivationByCode(ctx, []byte("code-1"))
	if got.UsedAt == nil || got.AccountID == "" {
		t.Fatalf("used shell: %+v", got)
	}
	byAcc, err := s.AccountActivation(ctx, got.AccountID)
	if err != nil || byAcc.ID != sh.ID {
		t.Errorf("AccountActivation = %+v, %v", byAcc, err)
	}
	if _, err := s.PartyLink(ctx, ins.ID, akte.RecordID("rec-"+got.AccountID)); err != nil {
		t.Errorf("the insurer's link: %v", err)
	}
	n, err := s.DeleteStaleActivations(ctx, at(3*time.Hour))
	if err != nil || n != 1 {
		t.Errorf("DeleteStaleActivations = %d, %v; want the unused one", n, err)
	}
	_, err = s.ActivationByCode(ctx, []byte("code-2"))
	wantKind(t, "the stale shell", err, akte.KindNotFound)
	if _, err := s.ActivationByCode(ctx, []byte("code-1")); err != nil {
		t.Errorf("the used shell: %v", err)
	}
}
