package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

func newPasskey(account akte.AccountID, id string, created time.Time) *akte.Passkey {
	return &akte.Passkey{ID: id, AccountID: account, CredentialID: []byte("cred-" + string(account) + "-" + id + "\x00\xff"),
		Name: "Schlüssel " + id, Credential: []byte(`{"id":"` + id + `"}`), SignCount: 7, CreatedAt: created}
}

func testPasskeys(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))
	p2 := newPasskey(a.ID, "pk-2", at(2*time.Hour))
	p1 := newPasskey(a.ID, "pk-1", at(time.Hour))
	p1.LastUsedAt, p1.SignCount = ptr(at(90*time.Minute)), 1<<32-1
	q1 := newPasskey(b.ID, "pk-1", at(time.Hour)) // the same id under another account
	for _, p := range []*akte.Passkey{p2, p1, q1} {
		if err := s.CreatePasskey(ctx, p); err != nil {
			t.Fatalf("CreatePasskey(%s, %s): %v", p.AccountID, p.ID, err)
		}
	}
	dup := newPasskey(b.ID, "pk-9", at(time.Hour))
	dup.CredentialID = p1.CredentialID
	wantKind(t, "CreatePasskey(credential id taken)", s.CreatePasskey(ctx, dup), akte.KindConflict)
	wantKind(t, "CreatePasskey(id taken)", s.CreatePasskey(ctx, newPasskey(a.ID, "pk-1", at(time.Hour))), akte.KindConflict)
	wantKind(t, "CreatePasskey(no account)", s.CreatePasskey(ctx, newPasskey("acc-unknown", "pk-1", at(time.Hour))), akte.KindNotFound)

	ps, err := s.Passkeys(ctx, a.ID)
	if err != nil {
		t.Fatalf("Passkeys: %v", err)
	}
	wantEqual(t, "Passkeys", ps, []*akte.Passkey{p1, p2})
	if ps, err := s.Passkeys(ctx, "acc-unknown"); err != nil || len(ps) != 0 {
		t.Errorf("Passkeys(unknown account) = %d, %v; want none, nil", len(ps), err)
	}

	if err := s.UsePasskey(ctx, a.ID, "pk-2", 42, at(3*time.Hour)); err != nil {
		t.Fatalf("UsePasskey: %v", err)
	}
	p2.SignCount, p2.LastUsedAt = 42, ptr(at(3*time.Hour))
	wantKind(t, "UsePasskey(other account's)", s.UsePasskey(ctx, b.ID, "pk-2", 1, at(time.Hour)), akte.KindNotFound)

	wantKind(t, "DeletePasskey(unknown)", s.DeletePasskey(ctx, a.ID, "pk-9"), akte.KindNotFound)
	if err := s.DeletePasskey(ctx, a.ID, "pk-1"); err != nil {
		t.Fatalf("DeletePasskey: %v", err)
	}
	ps, _ = s.Passkeys(ctx, a.ID)
	wantEqual(t, "Passkeys after delete", ps, []*akte.Passkey{p2})
	ps, _ = s.Passkeys(ctx, b.ID)
	wantEqual(t, "other account's passkeys", ps, []*akte.Passkey{q1})

	// The account's passkeys go with it.
	if err := s.DeleteAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if ps, err := s.Passkeys(ctx, a.ID); err != nil || len(ps) != 0 {
		t.Errorf("Passkeys(deleted account) = %d, %v; want none", len(ps), err)
	}
	// Its credential id is free again.
	if err := s.CreatePasskey(ctx, newPasskey(b.ID, "pk-3", at(time.Hour))); err != nil {
		t.Errorf("CreatePasskey after delete: %v", err)
	}
}

func testPasskeyChallenges(t *testing.T, s akte.Store) {
	ctx := t.Context()
	login := &akte.PasskeyChallenge{Hash: []byte("h-login\x00\xff"), Purpose: "login", CreatedAt: at(0), ExpiresAt: at(5 * time.Minute)}
	reg := &akte.PasskeyChallenge{Hash: []byte("h-reg"), Purpose: "register", AccountID: "acc-1", CreatedAt: at(time.Minute), ExpiresAt: at(10 * time.Minute)}
	for _, c := range []*akte.PasskeyChallenge{login, reg} {
		if err := s.CreatePasskeyChallenge(ctx, c); err != nil {
			t.Fatalf("CreatePasskeyChallenge: %v", err)
		}
	}
	wantKind(t, "CreatePasskeyChallenge(twice)", s.CreatePasskeyChallenge(ctx, login), akte.KindConflict)
	_, err := s.TakePasskeyChallenge(ctx, "register", login.Hash)
	wantKind(t, "TakePasskeyChallenge(other purpose)", err, akte.KindNotFound)
	got, err := s.TakePasskeyChallenge(ctx, "register", reg.Hash)
	if err != nil {
		t.Fatalf("TakePasskeyChallenge: %v", err)
	}
	wantEqual(t, "TakePasskeyChallenge", got, reg)
	_, err = s.TakePasskeyChallenge(ctx, "register", reg.Hash)
	wantKind(t, "TakePasskeyChallenge(again)", err, akte.KindNotFound)

	n, err := s.DeletePasskeyChallengesBefore(ctx, at(6*time.Minute))
	if err != nil || n != 1 {
		t.Errorf("DeletePasskeyChallengesBefore = %d, %v; want 1", n, err)
	}
	_, err = s.TakePasskeyChallenge(ctx, "login", login.Hash)
	wantKind(t, "TakePasskeyChallenge(expired, deleted)", err, akte.KindNotFound)

	// Of 20 concurrent takes of one challenge exactly one wins.
	c := &akte.PasskeyChallenge{Hash: []byte("h-race"), Purpose: "login", CreatedAt: at(0), ExpiresAt: at(time.Hour)}
	if err := s.CreatePasskeyChallenge(ctx, c); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.TakePasskeyChallenge(ctx, "login", c.Hash)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case !akte.Is(err, akte.KindNotFound):
				t.Errorf("concurrent TakePasskeyChallenge: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d of 20 concurrent takes got the challenge; want 1", won)
	}
}
