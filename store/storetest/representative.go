package storetest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

func newRepresentative(owner akte.AccountID, n int) *akte.Representative {
	return &akte.Representative{ID: fmt.Sprintf("rep-%s-%d", owner, n), Owner: owner, Record: akte.RecordID("rec-" + string(owner)),
		Email: fmt.Sprintf("rep%d@example.org", n), KVNR: fmt.Sprintf("R%09d", n), WaitDays: n % 2 * 3, CreatedAt: at(time.Duration(n) * time.Second)}
}

// testRepresentatives: a round trip of every field, the limit, the
// conflicts, lookups from the representative's side, the conditional
// update, and the due emergencies.
func testRepresentatives(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))
	wantKind(t, "CreateRepresentative without a record", s.CreateRepresentative(ctx, newRepresentative(a.ID, 1), 5), akte.KindNotFound)
	for _, x := range []*akte.Account{a, b} {
		if err := s.CreateRecord(ctx, newRecord(x.ID)); err != nil {
			t.Fatal(err)
		}
	}
	wrong := newRepresentative(a.ID, 1)
	wrong.Record = "rec-someone-else"
	wantKind(t, "CreateRepresentative with another record id", s.CreateRepresentative(ctx, wrong, 5), akte.KindNotFound)
	for n := 1; n <= 3; n++ {
		if err := s.CreateRepresentative(ctx, newRepresentative(a.ID, n), 3); err != nil {
			t.Fatalf("representative %d: %v", n, err)
		}
	}
	wantKind(t, "the fourth of three", s.CreateRepresentative(ctx, newRepresentative(a.ID, 4), 3), akte.KindQuota)
	dup := newRepresentative(a.ID, 9)
	dup.Email = "rep1@example.org"
	wantKind(t, "the same e-mail twice", s.CreateRepresentative(ctx, dup, 5), akte.KindConflict)
	dup = newRepresentative(a.ID, 9)
	dup.KVNR = "R000000001"
	wantKind(t, "the same KVNR twice", s.CreateRepresentative(ctx, dup, 5), akte.KindConflict)
	// Another record may name the same person.
	if err := s.CreateRepresentative(ctx, newRepresentative(b.ID, 1), 3); err != nil {
		t.Fatal(err)
	}

	reps, err := s.Representatives(ctx, a.ID)
	if err != nil || len(reps) != 3 {
		t.Fatalf("Representatives: %d %v", len(reps), err)
	}
	want := newRepresentative(a.ID, 1)
	want.CreatedAt = want.CreatedAt.UTC().Truncate(time.Microsecond)
	if !reflect.DeepEqual(reps[0], want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", reps[0], want)
	}

	// Invited by e-mail, then accepted by an account.
	r, err := s.Representation(ctx, "rec-"+akte.RecordID(a.ID), b.ID, "rep1@example.org")
	if err != nil || r.ID != want.ID {
		t.Fatalf("Representation by e-mail: %+v %v", r, err)
	}
	_, err = s.Representation(ctx, "rec-"+akte.RecordID(a.ID), b.ID, "nobody@example.org")
	wantKind(t, "Representation of nobody", err, akte.KindNotFound)
	us := func(d time.Duration) *time.Time { return ptr(at(d).UTC().Truncate(time.Microsecond)) }
	r.Account, r.AcceptedAt = b.ID, us(time.Minute)
	r.PublicKey, r.RMKSlot = []byte("pub\x00"), []byte("slot\x00\xff")
	r.RequestedAt, r.OpensAt = us(2*time.Minute), us(72*time.Hour)
	if err := s.UpdateRepresentative(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "UpdateRepresentative with a stale request", s.UpdateRepresentative(ctx, r, nil), akte.KindNotFound)
	got, err := s.Representation(ctx, "rec-"+akte.RecordID(a.ID), b.ID, "other@example.org")
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("after accepting:\n got %+v %v\nwant %+v", got, err, r)
	}
	all, err := s.Representations(ctx, b.ID, "rep1@example.org")
	if err != nil || len(all) != 2 { // accepted in a's record, invited in b's own (by e-mail)
		t.Fatalf("Representations: %d %v", len(all), err)
	}

	due, err := s.EmergenciesDue(ctx, at(71*time.Hour))
	if err != nil || len(due) != 0 {
		t.Fatalf("EmergenciesDue before: %d %v", len(due), err)
	}
	due, err = s.EmergenciesDue(ctx, at(73*time.Hour))
	if err != nil || len(due) != 1 || due[0].ID != r.ID {
		t.Fatalf("EmergenciesDue after: %+v %v", due, err)
	}
	prev := r.RequestedAt
	r.OpenedAt = us(73 * time.Hour)
	if err := s.UpdateRepresentative(ctx, r, prev); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.EmergenciesDue(ctx, at(100*time.Hour)); len(due) != 0 {
		t.Errorf("an opened request is still due: %+v", due)
	}

	// Of concurrent inserts at most the limit succeed.
	c := mustCreateAccount(t, s, newAccount(3))
	if err := s.CreateRecord(ctx, newRecord(c.ID)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() { errs[i] = s.CreateRepresentative(ctx, newRepresentative(c.ID, 100+i), 5) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !akte.Is(err, akte.KindQuota) && !akte.Is(err, akte.KindUnavailable) {
			t.Errorf("concurrent insert: %v", err)
		}
	}
	if reps, _ := s.Representatives(ctx, c.ID); ok != 5 || len(reps) != 5 {
		t.Errorf("%d concurrent inserts succeeded, %d stored, want 5", ok, len(reps))
	}

	wantKind(t, "DeleteRepresentative of another owner", s.DeleteRepresentative(ctx, b.ID, r.ID), akte.KindNotFound)
	if err := s.DeleteRepresentative(ctx, a.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "DeleteRepresentative twice", s.DeleteRepresentative(ctx, a.ID, r.ID), akte.KindNotFound)
	// A reset of the record keys drops the representatives (their slots
	// hold the old record master key).
	nr := newRecord(a.ID)
	nr.ID = "rec-new"
	if err := s.ReplaceRecordKeys(ctx, nr); err != nil {
		t.Fatal(err)
	}
	if reps, _ := s.Representatives(ctx, a.ID); len(reps) != 0 {
		t.Errorf("after ReplaceRecordKeys: %d representatives", len(reps))
	}
}
