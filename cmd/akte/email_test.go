package main

import (
	"strings"
	"testing"
)

// TestEmailChange: akte email change mails a code to the new address,
// akte email confirm moves the account there; the old address is told and
// logs in no more, the new one does, and this client keeps working (its
// state follows the account). Another account's address is refused.
func TestEmailChange(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	other := newUser(t, srv, "besetzt@example.org")
	other.register(testKVNR)
	u := newUser(t, srv, "alt@example.org")
	u.register("A123456780")
	u.login()

	if msg := u.fails("email", "change", other.Email, "--totp", u.code()); !says(msg, "email_taken", nil) {
		t.Fatalf("another account's address: %q", msg)
	}
	var started map[string]string
	u.okJSON(&started, "email", "change", "Neu@Example.org", "--totp", u.code())
	if started["status"] != "code_sent" {
		t.Fatalf("change --json: %v", started)
	}
	code := srv.mailCode("neu@example.org", "neue E-Mail-Adresse")
	if msg := u.fails("email", "confirm", "anders@example.org", "--code", code); !says(msg, "code_wrong", nil) {
		t.Fatalf("the code for another address: %q", msg)
	}
	var done map[string]string
	u.okJSON(&done, "email", "confirm", "neu@example.org", "--code", code)
	if done["status"] != "changed" || done["email"] != "neu@example.org" {
		t.Fatalf("confirm --json: %v", done)
	}
	srv.lastMail("alt@example.org", "wurde geändert") // the mailer sends in the background
	if n := srv.mails("alt@example.org", "wurde geändert"); n != 1 {
		t.Errorf("%d notices to the old address", n)
	}
	if out := u.ok("whoami"); !strings.Contains(out, "neu@example.org") {
		t.Errorf("whoami after the change:\n%s", out)
	}
	u.ok("logout")
	if msg := u.fails("login", "--email", "alt@example.org", "--totp", u.peekCode()); !says(msg, "login_failed", nil) {
		t.Errorf("login with the old address: %q", msg)
	}
	u.Email = "neu@example.org"
	u.login()
	u.ok("ls")
}
