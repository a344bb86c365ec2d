package main

import (
	"strings"
	"testing"
)

// TestRegisterContinues: a registration whose output was lost (the terminal
// closed, the phone discarded the tab) is continued by running akte
// register again — on the same machine without further flags, on another
// with --continue — with the same authenticator secret and recovery key,
// before and after the address is confirmed; a wrong password learns
// nothing; after the first login it is refused as finished (issue 12,
// item 1).
func TestRegisterContinues(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "weiter@example.org")
	u.registerUnconfirmed(testKVNR)

	type shown struct {
		AccountID      string `json:"account_id"`
		RecoveryKey    string `json:"recovery_key"`
		TOTPSecret     string `json:"totp_secret"`
		TOTPURI        string `json:"totp_uri"`
		Resumed        bool   `json:"resumed"`
		EmailConfirmed bool   `json:"email_confirmed"`
	}
	check := func(s shown, confirmed bool) {
		t.Helper()
		if s.AccountID != u.Account || s.RecoveryKey != u.Recovery || s.TOTPSecret != u.TOTP || !s.Resumed || s.EmailConfirmed != confirmed ||
			!strings.Contains(s.TOTPURI, "secret="+u.TOTP) {
			t.Fatalf("continued registration %+v, want account %s, recovery key %s, TOTP %s, confirmed %v", s, u.Account, u.Recovery, u.TOTP, confirmed)
		}
	}
	// Same machine: register again, without KVNR and birth date.
	var s shown
	u.okJSON(&s, "register", "--email", u.Email)
	check(s, false)
	// The text form says it continued and shows both secrets again.
	out := u.ok("register", "--email", u.Email)
	for _, want := range []string{u.Recovery, u.TOTP, "verify-email"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	// Another machine, after the address is confirmed.
	u.ok("verify-email", "--code", srv.mailCode(u.Email, "Bestätigen"))
	other := u.device()
	other.okJSON(&s, "register", "--email", u.Email, "--continue")
	check(s, true)
	// A wrong password, and an address nobody registered, get the login's
	// one answer.
	wrong := u.device()
	wrong.Password = "Falsches-Passwort-Morgentau-42"
	if msg := wrong.fails("register", "--email", u.Email, "--continue"); !says(msg, "login_failed", nil) {
		t.Errorf("wrong password: %q", msg)
	}
	nobody := newUser(t, srv, "niemand@example.org")
	if msg := nobody.fails("register", "--email", nobody.Email, "--continue"); !says(msg, "login_failed", nil) {
		t.Errorf("unknown address: %q", msg)
	}
	// The resumed secret logs in; from then on the registration is done.
	u.login()
	u.ok("logout")
	if msg := u.fails("register", "--email", u.Email); !says(msg, "registration_finished", nil) {
		t.Errorf("after the first login: %q", msg)
	}
	if msg := other.fails("register", "--email", u.Email, "--continue"); !says(msg, "registration_finished", nil) {
		t.Errorf("after the first login, other machine: %q", msg)
	}
}
