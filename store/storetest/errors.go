package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/akte/akte"
)

// testNotFound checks that every method that names one object fails with
// KindNotFound, and a nil result, when the object does not exist.
func testNotFound(t *testing.T, s akte.Store) {
	a := mustCreateAccount(t, s, newAccount(1))
	mustCreateDevice(t, s, newDevice(a.ID, "dev-1", at(0)))
	x := mustCreateSession(t, s, newSession(a.ID, "dev-1", "sess-1", at(0)))
	k := mustCreateToken(t, s, newToken(a.ID, akte.TokenEmailConfirm, "tok-1", at(0)))
	const nobody = akte.AccountID("acc-nobody")

	// one returns an error and whether the object result was nil.
	one := func(v any, err error) (bool, error) {
		switch v := v.(type) {
		case *akte.Account:
			return v == nil, err
		case *akte.Device:
			return v == nil, err
		case *akte.Session:
			return v == nil, err
		case *akte.Token:
			return v == nil, err
		case bool:
			return !v, err
		}
		panic("unexpected type")
	}
	none := func(err error) (bool, error) { return true, err }

	tests := []struct {
		name string
		call func(ctx context.Context) (bool, error)
	}{
		{"Account", func(ctx context.Context) (bool, error) { return one(s.Account(ctx, nobody)) }},
		{"AccountByEmail", func(ctx context.Context) (bool, error) {
			return one(s.AccountByEmail(ctx, "nobody@example.org"))
		}},
		{"UpdateAccount", func(ctx context.Context) (bool, error) {
			u := *a
			u.ID = nobody
			return none(s.UpdateAccount(ctx, &u))
		}},
		{"SetAccountLang", func(ctx context.Context) (bool, error) { return none(s.SetAccountLang(ctx, nobody, "en")) }},
		{"AdvanceTOTP", func(ctx context.Context) (bool, error) { return one(s.AdvanceTOTP(ctx, nobody, 1<<40)) }},
		{"DeleteAccount", func(ctx context.Context) (bool, error) { return none(s.DeleteAccount(ctx, nobody)) }},

		{"CreateDevice/no account", func(ctx context.Context) (bool, error) {
			return none(s.CreateDevice(ctx, newDevice(nobody, "dev-1", at(0))))
		}},
		{"Device/no account", func(ctx context.Context) (bool, error) { return one(s.Device(ctx, nobody, "dev-1")) }},
		{"Device/no device", func(ctx context.Context) (bool, error) { return one(s.Device(ctx, a.ID, "dev-2")) }},
		{"UpdateDevice", func(ctx context.Context) (bool, error) {
			return none(s.UpdateDevice(ctx, newDevice(a.ID, "dev-2", at(0))))
		}},

		{"CreateSession/no account", func(ctx context.Context) (bool, error) {
			return none(s.CreateSession(ctx, newSession(nobody, "dev-1", "sess-2", at(0))))
		}},
		{"SessionByTokenHash", func(ctx context.Context) (bool, error) {
			return one(s.SessionByTokenHash(ctx, []byte("no such hash")))
		}},
		{"TouchSession", func(ctx context.Context) (bool, error) { return none(s.TouchSession(ctx, "sess-2", at(0))) }},
		{"DeleteSession", func(ctx context.Context) (bool, error) { return none(s.DeleteSession(ctx, a.ID, "sess-2")) }},

		{"CreateToken/no account", func(ctx context.Context) (bool, error) {
			return none(s.CreateToken(ctx, newToken(nobody, akte.TokenEmailConfirm, "tok-2", at(0))))
		}},
		{"Token", func(ctx context.Context) (bool, error) {
			return one(s.Token(ctx, akte.TokenEmailConfirm, []byte("no such hash")))
		}},
		{"LatestToken", func(ctx context.Context) (bool, error) {
			return one(s.LatestToken(ctx, nobody, akte.TokenEmailConfirm))
		}},
		{"UseToken", func(ctx context.Context) (bool, error) {
			return none(s.UseToken(ctx, []byte("no such hash"), at(0)))
		}},
		{"ReleaseKVNR", func(ctx context.Context) (bool, error) {
			id, err := s.ReleaseKVNR(ctx, "Z999999999")
			return id == "", err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isNil, err := tt.call(t.Context())
			wantKind(t, tt.name, err, akte.KindNotFound)
			if !isNil {
				t.Errorf("%s returned a result with its error", tt.name)
			}
		})
	}

	// The misses changed nothing.
	wantEqual(t, "Account", mustAccount(t, s, a.ID), a)
	got, err := s.SessionByTokenHash(t.Context(), x.TokenHash)
	if err != nil {
		t.Fatalf("SessionByTokenHash: %v", err)
	}
	wantEqual(t, "Session", got, x)
	wantEqual(t, "Token", mustToken(t, s, k.Purpose, k.Hash), k)
}

// testConflict checks that creating an object whose unique property is
// taken fails with KindConflict and leaves the existing object alone.
func testConflict(t *testing.T, s akte.Store) {
	a := mustCreateAccount(t, s, newAccount(1))
	d := mustCreateDevice(t, s, newDevice(a.ID, "dev-1", at(0)))
	x := mustCreateSession(t, s, newSession(a.ID, "dev-1", "sess-1", at(0)))
	k := mustCreateToken(t, s, newToken(a.ID, akte.TokenEmailConfirm, "tok-1", at(0)))

	tests := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"CreateAccount/email", func(ctx context.Context) error {
			b := newAccount(2)
			b.Email = a.Email
			return s.CreateAccount(ctx, b, nil)
		}},
		{"CreateAccount/KVNR", func(ctx context.Context) error {
			b := newAccount(2)
			b.KVNR = a.KVNR
			return s.CreateAccount(ctx, b, nil)
		}},
		{"CreateAccount/id", func(ctx context.Context) error {
			b := newAccount(2)
			b.ID = a.ID
			return s.CreateAccount(ctx, b, nil)
		}},
		{"CreateDevice", func(ctx context.Context) error {
			e := newDevice(a.ID, d.ID, at(time.Hour))
			e.Name = "anderes"
			return s.CreateDevice(ctx, e)
		}},
		{"CreateSession/id", func(ctx context.Context) error {
			y := newSession(a.ID, "dev-1", "sess-2", at(time.Hour))
			y.ID = x.ID
			return s.CreateSession(ctx, y)
		}},
		{"CreateSession/token hash", func(ctx context.Context) error {
			y := newSession(a.ID, "dev-1", "sess-2", at(time.Hour))
			y.TokenHash = x.TokenHash
			return s.CreateSession(ctx, y)
		}},
		{"CreateToken", func(ctx context.Context) error {
			return s.CreateToken(ctx, newToken(a.ID, akte.TokenPasswordReset, "tok-1", at(time.Hour)))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(t.Context())
			wantKind(t, tt.name, err, akte.KindConflict)
		})
	}

	// The existing objects are unchanged and alone.
	as, err := s.Accounts(t.Context())
	if err != nil {
		t.Fatalf("Accounts: %v", err)
	}
	wantEqual(t, "Accounts", as, []*akte.Account{a})
	ds, err := s.Devices(t.Context(), a.ID)
	if err != nil {
		t.Fatalf("Devices: %v", err)
	}
	wantEqual(t, "Devices", ds, []*akte.Device{d})
	xs, err := s.Sessions(t.Context(), a.ID)
	if err != nil {
		t.Fatalf("Sessions: %v", err)
	}
	wantEqual(t, "Sessions", xs, []*akte.Session{x})
	wantEqual(t, "Token", mustToken(t, s, k.Purpose, k.Hash), k)
}

// testUnavailable checks Ping, and that a cancelled context or a closed
// store give KindUnavailable.
func testUnavailable(t *testing.T, s akte.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	a := mustCreateAccount(t, s, newAccount(1))

	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Ping", s.Ping},
		{"Account", func(ctx context.Context) error { _, err := s.Account(ctx, a.ID); return err }},
		{"CreateAccount", func(ctx context.Context) error { return s.CreateAccount(ctx, newAccount(2), nil) }},
		{"AdvanceTOTP", func(ctx context.Context) error { _, err := s.AdvanceTOTP(ctx, a.ID, 1<<40); return err }},
		{"Accounts", func(ctx context.Context) error { _, err := s.Accounts(ctx); return err }},
		{"ItemsPage", func(ctx context.Context) error {
			return pageErr(s.ItemsPage(ctx, a.ID, "", akte.ItemCursor{}, 10))
		}},
	}

	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	for _, c := range calls {
		wantKind(t, c.name+" with cancelled context", c.call(cancelled), akte.KindUnavailable)
	}
	// Nothing happened.
	if got := mustAccount(t, s, a.ID).TOTPLastCounter; got != a.TOTPLastCounter {
		t.Errorf("TOTPLastCounter = %d after cancelled AdvanceTOTP, want %d", got, a.TOTPLastCounter)
	}

	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, c := range calls {
		wantKind(t, c.name+" after Close", c.call(t.Context()), akte.KindUnavailable)
	}
}
