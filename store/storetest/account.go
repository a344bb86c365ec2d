package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

func testAccountRoundTrip(t *testing.T, s akte.Store) {
	ctx := t.Context()
	tests := []struct {
		name   string
		modify func(a *akte.Account)
	}{
		{"confirmed", func(a *akte.Account) {}},
		{"unconfirmed", func(a *akte.Account) { a.ConfirmedAt = nil }},
		{"blocked", func(a *akte.Account) { a.BlockedAt = ptr(at(time.Hour)) }},
		{"unconfirmed and blocked", func(a *akte.Account) {
			a.ConfirmedAt = nil
			a.BlockedAt = ptr(at(time.Hour))
		}},
		{"minimal", func(a *akte.Account) {
			*a = akte.Account{ID: a.ID, Email: a.Email, KVNR: a.KVNR}
		}},
		{"negative counter", func(a *akte.Account) { a.TOTPLastCounter = -1 }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := newAccount(i)
			tt.modify(want)
			mustCreateAccount(t, s, want)

			wantEqual(t, "Account", mustAccount(t, s, want.ID), want)
			got, err := s.AccountByEmail(ctx, want.Email)
			if err != nil {
				t.Fatalf("AccountByEmail: %v", err)
			}
			wantEqual(t, "AccountByEmail", got, want)
		})
	}
}

func testUpdateAccount(t *testing.T, s akte.Store) {
	ctx := t.Context()
	orig := newAccount(1)
	orig.ConfirmedAt = nil
	orig.BlockedAt = ptr(at(time.Hour))
	mustCreateAccount(t, s, orig)
	other := mustCreateAccount(t, s, newAccount(2))

	upd := *newAccount(3) // every field different
	upd.ID = orig.ID
	upd.ConfirmedAt = ptr(at(2 * time.Hour)) // nil -> set
	upd.BlockedAt = nil                      // set -> nil
	upd.TOTPLastCounter = orig.TOTPLastCounter + 5
	upd.Lang = "de"
	if err := s.UpdateAccount(ctx, &upd); err != nil {
		t.Fatalf("UpdateAccount: %v", err)
	}

	// ID, Email, KVNR, BirthDate and CreatedAt never change; the TOTP
	// counter moves only through AdvanceTOTP, the language only through
	// SetAccountLang.
	want := upd
	want.Email, want.KVNR, want.BirthDate, want.CreatedAt = orig.Email, orig.KVNR, orig.BirthDate, orig.CreatedAt
	want.TOTPLastCounter, want.Lang = orig.TOTPLastCounter, orig.Lang
	wantEqual(t, "Account after update", mustAccount(t, s, orig.ID), &want)
	got, err := s.AccountByEmail(ctx, orig.Email)
	if err != nil {
		t.Fatalf("AccountByEmail(old address): %v", err)
	}
	wantEqual(t, "AccountByEmail after update", got, &want)
	_, err = s.AccountByEmail(ctx, upd.Email)
	wantKind(t, "AccountByEmail(address passed to UpdateAccount)", err, akte.KindNotFound)

	// And the optional times the other way round.
	upd.ConfirmedAt, upd.BlockedAt = nil, ptr(at(3*time.Hour))
	if err := s.UpdateAccount(ctx, &upd); err != nil {
		t.Fatalf("UpdateAccount: %v", err)
	}
	want.ConfirmedAt, want.BlockedAt, want.Rev = upd.ConfirmedAt, upd.BlockedAt, upd.Rev
	wantEqual(t, "Account after second update", mustAccount(t, s, orig.ID), &want)

	// A copy read before the last write is refused, and changes nothing:
	// it would undo that write (an authenticator change written back over
	// a password change, or the other way round).
	stale := want
	stale.Rev--
	stale.TOTPSecret = "STALE"
	err = s.UpdateAccount(ctx, &stale)
	wantKind(t, "UpdateAccount of a stale copy", err, akte.KindConflict)
	if r, _ := akte.ReasonOf(err); r != "account_changed" {
		t.Errorf("UpdateAccount of a stale copy: reason %q, want account_changed", r)
	}
	wantEqual(t, "Account after a stale update", mustAccount(t, s, orig.ID), &want)
	missing := want
	missing.ID = "nobody"
	wantKind(t, "UpdateAccount of no account", s.UpdateAccount(ctx, &missing), akte.KindNotFound)

	// Of concurrent writes of one copy exactly one wins.
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		c := want
		c.TOTPSecret = fmt.Sprintf("SECRET%d", i)
		wg.Go(func() { errs[i] = s.UpdateAccount(ctx, &c) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			wantKind(t, "losing concurrent UpdateAccount", err, akte.KindConflict)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent writes of one copy won, want 1", won, n)
	}

	wantEqual(t, "other account", mustAccount(t, s, other.ID), other)
}

// testSetAccountEmail: the account moves to the new address (found by it,
// no longer by the old one); another account's address is refused.
func testSetAccountEmail(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(2))
	other := mustCreateAccount(t, s, newAccount(4))
	if err := s.SetAccountEmail(ctx, a.ID, "moved@example.org"); err != nil {
		t.Fatal(err)
	}
	want := *a
	want.Email = "moved@example.org"
	got, err := s.AccountByEmail(ctx, "moved@example.org")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "AccountByEmail(new address)", got, &want)
	_, err = s.AccountByEmail(ctx, a.Email)
	wantKind(t, "AccountByEmail(old address)", err, akte.KindNotFound)
	wantKind(t, "SetAccountEmail(another account's address)", s.SetAccountEmail(ctx, a.ID, other.Email), akte.KindConflict)
	wantEqual(t, "account after a refused move", mustAccount(t, s, a.ID), &want)
	wantKind(t, "SetAccountEmail(no account)", s.SetAccountEmail(ctx, "nobody", "x@example.org"), akte.KindNotFound)
	wantEqual(t, "other account", mustAccount(t, s, other.ID), other)
}

func testSetAccountLang(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(2))
	other := mustCreateAccount(t, s, newAccount(4))
	for _, lang := range []string{"en", "de", "en"} {
		if err := s.SetAccountLang(ctx, a.ID, lang); err != nil {
			t.Fatalf("SetAccountLang(%s): %v", lang, err)
		}
		want := *a
		want.Lang = lang
		wantEqual(t, "Account after SetAccountLang("+lang+")", mustAccount(t, s, a.ID), &want)
	}
	// A stale copy written back keeps the language.
	if err := s.UpdateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got := mustAccount(t, s, a.ID).Lang; got != "en" {
		t.Errorf("language after UpdateAccount of a stale copy: %q, want en", got)
	}
	wantEqual(t, "other account", mustAccount(t, s, other.ID), other)
}

func testAdvanceTOTP(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := newAccount(1)
	a.TOTPLastCounter = 1000
	mustCreateAccount(t, s, a)
	other := mustCreateAccount(t, s, newAccount(2))

	steps := []struct {
		counter int64
		want    bool
	}{
		{999, false},
		{1000, false}, // the same code again
		{1001, true},
		{1001, false},
		{1005, true},
		{1003, false}, // never backwards
		{1006, true},
	}
	for _, st := range steps {
		got, err := s.AdvanceTOTP(ctx, a.ID, st.counter)
		if err != nil {
			t.Fatalf("AdvanceTOTP(%d): %v", st.counter, err)
		}
		if got != st.want {
			t.Errorf("AdvanceTOTP(%d) = %t, want %t", st.counter, got, st.want)
		}
	}
	if got := mustAccount(t, s, a.ID).TOTPLastCounter; got != 1006 {
		t.Errorf("TOTPLastCounter = %d, want 1006", got)
	}
	if got := mustAccount(t, s, other.ID).TOTPLastCounter; got != other.TOTPLastCounter {
		t.Errorf("other account's TOTPLastCounter = %d, want %d", got, other.TOTPLastCounter)
	}
}

func testAdvanceTOTPConcurrent(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := newAccount(1)
	a.TOTPLastCounter = 1000
	mustCreateAccount(t, s, a)
	const n = 20

	// The same code submitted n times at once is accepted exactly once.
	won := make([]bool, n)
	errs := race(n, func(i int) (err error) {
		won[i], err = s.AdvanceTOTP(ctx, a.ID, 2000)
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("AdvanceTOTP #%d: %v", i, err)
		}
	}
	if w := countTrue(won); w != 1 {
		t.Errorf("%d of %d concurrent AdvanceTOTP(2000) won, want exactly 1", w, n)
	}

	// Different codes at once: no update is lost, the highest stays.
	errs = race(n, func(i int) (err error) {
		won[i], err = s.AdvanceTOTP(ctx, a.ID, int64(3001+i))
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("AdvanceTOTP #%d: %v", i, err)
		}
	}
	if !won[n-1] {
		t.Errorf("AdvanceTOTP(%d), the highest counter, lost", 3001+n-1)
	}
	if got := mustAccount(t, s, a.ID).TOTPLastCounter; got != 3001+n-1 {
		t.Errorf("TOTPLastCounter = %d, want %d", got, 3001+n-1)
	}
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func testAccounts(t *testing.T, s akte.Store) {
	as, err := s.Accounts(t.Context())
	if err != nil {
		t.Fatalf("Accounts on an empty store: %v", err)
	}
	if len(as) != 0 {
		t.Fatalf("Accounts on an empty store returned %d", len(as))
	}

	// Created out of order; listed by creation time.
	var want []*akte.Account
	for _, n := range []int{3, 1, 2} {
		a := newAccount(n)
		a.CreatedAt = at(time.Duration(n) * time.Hour)
		mustCreateAccount(t, s, a)
		want = append(want, a)
	}
	slices.SortFunc(want, func(a, b *akte.Account) int { return a.CreatedAt.Compare(b.CreatedAt) })
	as, err = s.Accounts(t.Context())
	if err != nil {
		t.Fatalf("Accounts: %v", err)
	}
	wantEqual(t, "Accounts", as, want)
}

func testUnconfirmedAccountsBefore(t *testing.T, s akte.Store) {
	cutoff := at(10 * time.Hour)
	accounts := []struct {
		created   time.Time
		confirmed bool
		blocked   bool
		want      bool
	}{
		{created: at(1 * time.Hour), want: true},
		{created: at(2 * time.Hour), blocked: true, want: true},
		{created: at(3 * time.Hour), confirmed: true},
		{created: cutoff}, // not before
		{created: cutoff.Add(-time.Microsecond), want: true},
		{created: at(11 * time.Hour)},
		{created: at(12 * time.Hour), confirmed: true},
	}
	var want []akte.AccountID
	for i, c := range accounts {
		a := newAccount(i)
		a.CreatedAt = c.created
		a.ConfirmedAt = nil
		if c.confirmed {
			a.ConfirmedAt = ptr(c.created.Add(time.Minute))
		}
		if c.blocked {
			a.BlockedAt = ptr(c.created.Add(time.Minute))
		}
		mustCreateAccount(t, s, a)
		if c.want {
			want = append(want, a.ID)
		}
	}
	got, err := s.UnconfirmedAccountsBefore(t.Context(), cutoff)
	if err != nil {
		t.Fatalf("UnconfirmedAccountsBefore: %v", err)
	}
	if !slices.Equal(sorted(got), sorted(want)) {
		t.Errorf("UnconfirmedAccountsBefore = %v, want %v", got, want)
	}
}

func testDeleteAccount(t *testing.T, s akte.Store) {
	ctx := t.Context()
	// Two accounts with one of everything; the first is deleted.
	type owned struct {
		a *akte.Account
		d *akte.Device
		x *akte.Session
		k *akte.Token
		e *akte.Event
	}
	var all []owned
	for i := range 2 {
		a := mustCreateAccount(t, s, newAccount(i))
		o := owned{
			a: a,
			d: mustCreateDevice(t, s, newDevice(a.ID, "dev-1", at(time.Hour))),
			x: mustCreateSession(t, s, newSession(a.ID, "dev-1", "sess-"+string(a.ID), at(time.Hour))),
			k: mustCreateToken(t, s, newToken(a.ID, akte.TokenEmailConfirm, "tok-"+string(a.ID), at(time.Hour))),
			e: mustAddEvent(t, s, newEvent(a.ID, "account.register", at(time.Hour))),
		}
		all = append(all, o)
	}
	gone, kept := all[0], all[1]

	if err := s.DeleteAccount(ctx, gone.a.ID); err != nil {
		t.Fatalf("DeleteAccount: %v", err)
	}

	_, err := s.Account(ctx, gone.a.ID)
	wantKind(t, "Account(deleted)", err, akte.KindNotFound)
	_, err = s.AccountByEmail(ctx, gone.a.Email)
	wantKind(t, "AccountByEmail(deleted)", err, akte.KindNotFound)
	_, err = s.Device(ctx, gone.a.ID, gone.d.ID)
	wantKind(t, "Device of deleted account", err, akte.KindNotFound)
	if ds, err := s.Devices(ctx, gone.a.ID); err != nil || len(ds) != 0 {
		t.Errorf("Devices of deleted account = %d, %v; want none", len(ds), err)
	}
	_, err = s.SessionByTokenHash(ctx, gone.x.TokenHash)
	wantKind(t, "SessionByTokenHash of deleted account", err, akte.KindNotFound)
	if ids := mustSessionIDs(t, s, gone.a.ID); len(ids) != 0 {
		t.Errorf("Sessions of deleted account = %v, want none", ids)
	}
	_, err = s.Token(ctx, gone.k.Purpose, gone.k.Hash)
	wantKind(t, "Token of deleted account", err, akte.KindNotFound)
	_, err = s.LatestToken(ctx, gone.a.ID, gone.k.Purpose)
	wantKind(t, "LatestToken of deleted account", err, akte.KindNotFound)
	// The audit protocol outlives the account.
	wantEqual(t, "Events of deleted account", mustEvents(t, s, gone.a.ID, 10), []*akte.Event{gone.e})

	// Nothing else is touched.
	wantEqual(t, "other Account", mustAccount(t, s, kept.a.ID), kept.a)
	if d, err := s.Device(ctx, kept.a.ID, kept.d.ID); err != nil {
		t.Errorf("other Device: %v", err)
	} else {
		wantEqual(t, "other Device", d, kept.d)
	}
	if x, err := s.SessionByTokenHash(ctx, kept.x.TokenHash); err != nil {
		t.Errorf("other session: %v", err)
	} else {
		wantEqual(t, "other Session", x, kept.x)
	}
	wantEqual(t, "other Token", mustToken(t, s, kept.k.Purpose, kept.k.Hash), kept.k)
	wantEqual(t, "Events of other account", mustEvents(t, s, kept.a.ID, 10), []*akte.Event{kept.e})

	// The e-mail address and KVNR are free again.
	again := newAccount(0)
	again.ID = "acc-again"
	mustCreateAccount(t, s, again)
}

// testKVNR: only confirmed accounts hold their KVNR; the second of two
// accounts naming one cannot be confirmed until the first releases it.
func testKVNR(t *testing.T, s akte.Store) {
	ctx := t.Context()
	holder := newAccount(1)
	holder.ConfirmedAt = nil
	mustCreateAccount(t, s, holder)
	// Unconfirmed accounts do not hold it against each other.
	rival := newAccount(2)
	rival.KVNR, rival.ConfirmedAt = holder.KVNR, nil
	mustCreateAccount(t, s, rival)

	// The first confirmation wins; the second is a conflict and changes
	// nothing.
	holder.ConfirmedAt = ptr(at(time.Hour))
	if err := s.UpdateAccount(ctx, holder); err != nil {
		t.Fatalf("confirm the first: %v", err)
	}
	r := *rival
	r.ConfirmedAt = ptr(at(2 * time.Hour))
	err := s.UpdateAccount(ctx, &r)
	wantKind(t, "confirm the second", err, akte.KindConflict)
	wantEqual(t, "the second after its refused confirmation", mustAccount(t, s, rival.ID), rival)
	// Nor can a confirmed account be created with it.
	third := newAccount(3)
	third.KVNR = holder.KVNR
	wantKind(t, "CreateAccount(confirmed, KVNR held)", s.CreateAccount(ctx, third, nil), akte.KindConflict)

	// Released, the KVNR is empty on the holder and free for the rival.
	id, err := s.ReleaseKVNR(ctx, holder.KVNR)
	if err != nil || id != holder.ID {
		t.Fatalf("ReleaseKVNR = %q, %v; want %q", id, err, holder.ID)
	}
	if got := mustAccount(t, s, holder.ID).KVNR; got != "" {
		t.Errorf("holder's KVNR after release = %q, want empty", got)
	}
	if err := s.UpdateAccount(ctx, &r); err != nil {
		t.Fatalf("confirm the second after the release: %v", err)
	}
	// An unconfirmed account's KVNR cannot be released (it holds none),
	// nor an empty one.
	_, err = s.ReleaseKVNR(ctx, newAccount(4).KVNR)
	wantKind(t, "ReleaseKVNR(unknown)", err, akte.KindNotFound)
	_, err = s.ReleaseKVNR(ctx, "")
	wantKind(t, "ReleaseKVNR(empty)", err, akte.KindNotFound)
	// Empty KVNRs do not collide.
	if _, err := s.ReleaseKVNR(ctx, rival.KVNR); err != nil {
		t.Fatalf("release the second: %v", err)
	}
}
