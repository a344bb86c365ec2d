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
	used.Attempts = 3
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

	// Created out of order: the newest by CreatedAt wins, not the last
	// inserted.
	mustCreateToken(t, s, newToken(a.ID, akte.TokenEmailConfirm, "a-2", at(2*time.Hour)))
	want := mustCreateToken(t, s, newToken(a.ID, akte.TokenEmailConfirm, "a-3", at(3*time.Hour)))
	mustCreateToken(t, s, newToken(a.ID, akte.TokenEmailConfirm, "a-1", at(1*time.Hour)))
	// Newer, but another purpose or account.
	mustCreateToken(t, s, newToken(a.ID, akte.TokenPasswordReset, "a-reset", at(4*time.Hour)))
	mustCreateToken(t, s, newToken(b.ID, akte.TokenEmailConfirm, "b-1", at(5*time.Hour)))

	got, err := s.LatestToken(ctx, a.ID, akte.TokenEmailConfirm)
	if err != nil {
		t.Fatalf("LatestToken: %v", err)
	}
	wantEqual(t, "LatestToken", got, want)

	_, err = s.LatestToken(ctx, a.ID, akte.TokenRecovery)
	wantKind(t, "LatestToken(no token of the purpose)", err, akte.KindNotFound)
}

func testUseToken(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	k := newToken(a.ID, akte.TokenRecovery, "tok-1", at(time.Hour))
	k.Attempts = 2
	mustCreateToken(t, s, k)
	other := mustCreateToken(t, s, newToken(a.ID, akte.TokenRecovery, "tok-2", at(time.Hour)))

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

func testCountTokenAttempt(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	k := mustCreateToken(t, s, newToken(a.ID, akte.TokenDeviceConfirm, "tok-1", at(time.Hour)))
	other := mustCreateToken(t, s, newToken(a.ID, akte.TokenDeviceConfirm, "tok-2", at(time.Hour)))

	for want := 1; want <= 3; want++ {
		n, err := s.CountTokenAttempt(ctx, k.Hash)
		wantCount(t, "CountTokenAttempt", n, err, want)
	}
	if got := mustToken(t, s, k.Purpose, k.Hash).Attempts; got != 3 {
		t.Errorf("Attempts = %d, want 3", got)
	}

	// Concurrent guesses are all counted.
	const n = 20
	errs := race(n, func(int) error {
		_, err := s.CountTokenAttempt(ctx, k.Hash)
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("CountTokenAttempt #%d: %v", i, err)
		}
	}
	if got := mustToken(t, s, k.Purpose, k.Hash).Attempts; got != 3+n {
		t.Errorf("Attempts after %d concurrent guesses = %d, want %d", n, got, 3+n)
	}
	wantEqual(t, "other Token", mustToken(t, s, other.Purpose, other.Hash), other)
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
