package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/akte/akte"
)

func testTokenRoundTrip(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))

	unused := newToken(a.ID, akte.TokenEmailConfirm, "tok-1", at(time.Hour))
	used := newToken(a.ID, akte.TokenDeviceConfirm, "tok-2", at(time.Hour))
	used.DeviceID = "dev-1"
	used.UsedAt = ptr(at(90 * time.Minute))
	for _, k := range []*akte.Token{unused, used} {
		mustCreateToken(t, s, k)
		wantEqual(t, fmt.Sprintf("Token(%q)", k.Hash), mustToken(t, s, k.Purpose, k.Hash), k)
	}

	// The purpose is part of the key: a code for one purpose does nothing
	// for another.
	_, err := s.Token(ctx, akte.TokenPasswordReset, unused.Hash)
	wantKind(t, "Token(other purpose)", err, akte.KindNotFound)
}

func testLatestToken(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))

	// Links of several devices, created out of order: the newest by
	// CreatedAt wins, not the last inserted.
	link := func(hash string, device akte.DeviceID, created time.Time) *akte.Token {
		k := newToken(a.ID, akte.TokenDeviceConfirm, hash, created)
		k.DeviceID = device
		return mustCreateToken(t, s, k)
	}
	link("a-2", "dev-2", at(2*time.Hour))
	want := link("a-3", "dev-3", at(3*time.Hour))
	link("a-1", "dev-1", at(1*time.Hour))
	// Newer, but another purpose or account.
	mustCreateToken(t, s, newToken(a.ID, akte.TokenPasswordReset, "a-reset", at(4*time.Hour)))
	mustCreateToken(t, s, newToken(b.ID, akte.TokenDeviceConfirm, "b-1", at(5*time.Hour)))

	got, err := s.LatestToken(ctx, a.ID, akte.TokenDeviceConfirm)
	if err != nil {
		t.Fatalf("LatestToken: %v", err)
	}
	wantEqual(t, "LatestToken", got, want)

	_, err = s.LatestToken(ctx, a.ID, akte.TokenRecovery)
	wantKind(t, "LatestToken(no token of the purpose)", err, akte.KindNotFound)
}

// testCreateTokenReplaces: a new token voids the older ones of the same
// account, purpose and device, and only those.
func testCreateTokenReplaces(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))
	first := newToken(a.ID, akte.TokenEmailConfirm, "first", at(0))
	first.UsedAt = ptr(at(time.Minute)) // used or not, it goes
	mustCreateToken(t, s, first)
	kept := []*akte.Token{
		mustCreateToken(t, s, newToken(a.ID, akte.TokenPasswordReset, "other-purpose", at(0))),
		mustCreateToken(t, s, newToken(b.ID, akte.TokenEmailConfirm, "other-account", at(0))),
	}
	dev := newToken(a.ID, akte.TokenEmailConfirm, "other-device", at(0))
	dev.DeviceID = "dev-1"
	kept = append(kept, mustCreateToken(t, s, dev))
	second := mustCreateToken(t, s, newToken(a.ID, akte.TokenEmailConfirm, "second", at(time.Hour)))

	_, err := s.Token(ctx, first.Purpose, first.Hash)
	wantKind(t, "Token(voided)", err, akte.KindNotFound)
	for _, k := range append(kept, second) {
		wantEqual(t, fmt.Sprintf("Token(%q)", k.Hash), mustToken(t, s, k.Purpose, k.Hash), k)
	}

	// Of concurrent codes for one purpose, exactly one stays live.
	const n = 20
	errs := race(n, func(i int) error {
		return s.CreateToken(ctx, newToken(a.ID, akte.TokenPasswordReset, fmt.Sprintf("race-%d", i), at(2*time.Hour)))
	})
	live := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("CreateToken #%d: %v", i, err)
		}
		if _, err := s.Token(ctx, akte.TokenPasswordReset, []byte(fmt.Sprintf("race-%d\x00\xff", i))); err == nil {
			live++
		}
	}
	if live != 1 {
		t.Errorf("%d of %d concurrent codes are live, want 1", live, n)
	}
	_, err = s.Token(ctx, akte.TokenPasswordReset, kept[0].Hash)
	wantKind(t, "Token(voided by the race)", err, akte.KindNotFound)
}

func testUseToken(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	k := mustCreateToken(t, s, newToken(a.ID, akte.TokenRecovery, "tok-1", at(time.Hour)))
	other := mustCreateToken(t, s, newToken(a.ID, akte.TokenPasswordReset, "tok-2", at(time.Hour)))

	usedAt := at(time.Hour + time.Minute)
	if err := s.UseToken(ctx, k.Hash, usedAt); err != nil {
		t.Fatalf("UseToken: %v", err)
	}
	want := *k
	want.UsedAt = &usedAt
	wantEqual(t, "Token after use", mustToken(t, s, k.Purpose, k.Hash), &want)

	// Used is used: the second use fails and changes nothing.
	wantKind(t, "UseToken again", s.UseToken(ctx, k.Hash, at(2*time.Hour)), akte.KindConflict)
	wantEqual(t, "Token after second use", mustToken(t, s, k.Purpose, k.Hash), &want)

	wantEqual(t, "other Token", mustToken(t, s, other.Purpose, other.Hash), other)
}

func testUseTokenConcurrent(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	k := mustCreateToken(t, s, newToken(a.ID, akte.TokenPasswordReset, "tok-1", at(time.Hour)))

	const n = 20
	errs := race(n, func(i int) error {
		return s.UseToken(ctx, k.Hash, at(time.Hour+time.Duration(i)*time.Second))
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("UseToken #%d succeeded after #%d did", i, winner)
		case err == nil:
			winner = i
		default:
			wantKind(t, fmt.Sprintf("UseToken #%d", i), err, akte.KindConflict)
		}
	}
	if winner < 0 {
		t.Fatalf("none of %d concurrent UseToken calls succeeded", n)
	}
	// The stored time is the winner's.
	want := *k
	want.UsedAt = ptr(at(time.Hour + time.Duration(winner)*time.Second))
	wantEqual(t, "Token after use", mustToken(t, s, k.Purpose, k.Hash), &want)
}

func testDeleteTokensBefore(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	cutoff := at(10 * time.Hour)
	tokens := []struct {
		hash    string
		expires time.Time
		used    bool
		gone    bool
	}{
		{"expired", cutoff.Add(-time.Hour), false, true},
		{"expired-used", cutoff.Add(-time.Microsecond), true, true},
		{"expires-now", cutoff, false, false}, // not before
		{"valid", cutoff.Add(time.Hour), false, false},
		{"valid-used", cutoff.Add(time.Hour), true, false},
	}
	gone := 0
	for _, x := range tokens {
		k := newToken(a.ID, akte.TokenEmailConfirm, x.hash, cutoff.Add(-2*time.Hour))
		k.DeviceID = akte.DeviceID(x.hash) // one live token per device: these all stay
		k.ExpiresAt = x.expires
		if x.used {
			k.UsedAt = ptr(k.CreatedAt)
		}
		mustCreateToken(t, s, k)
		if x.gone {
			gone++
		}
	}
	n, err := s.DeleteTokensBefore(ctx, cutoff)
	wantCount(t, "DeleteTokensBefore", n, err, gone)
	for _, x := range tokens {
		_, err := s.Token(ctx, akte.TokenEmailConfirm, []byte(x.hash+"\x00\xff"))
		switch {
		case x.gone:
			wantKind(t, "Token("+x.hash+")", err, akte.KindNotFound)
		case err != nil:
			t.Errorf("Token(%s) after DeleteTokensBefore: %v", x.hash, err)
		}
	}
}
