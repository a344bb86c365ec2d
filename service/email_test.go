package service_test

import (
	"testing"
	"time"

	"github.com/akte/akte"
)

// TestEmailChange: the password and a code of the authenticator start it,
// a code mailed to the new address ends it; the old address is told and no
// longer logs in; a code is bound to its address, used once and expires;
// another account's address is refused.
func TestEmailChange(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	p, a := e.principal("anna@example.org", "X110411675")
	e.principal("berta@example.org", "A123456780")
	start := func(secret []byte, code, to string) error {
		return e.svc.StartEmailChange(ctx, p, secret, code, to)
	}
	wantKind(t, "not an address", start(material().LoginSecret, e.nextTOTP(a), "anna"), akte.KindInvalid, "email_invalid")
	wantKind(t, "the same address", start(material().LoginSecret, e.nextTOTP(a), " Anna@Example.org"), akte.KindInvalid, "email_unchanged")
	wantKind(t, "wrong password", start(wrongSecret, e.nextTOTP(a), "anna@neu.example"), akte.KindUnauthenticated, "old_password_wrong")
	wantKind(t, "wrong code", start(material().LoginSecret, e.wrongTOTP(a, 3), "anna@neu.example"), akte.KindUnauthenticated, "totp_wrong")
	wantKind(t, "another account's address", start(material().LoginSecret, e.nextTOTP(a), "berta@example.org"), akte.KindConflict, "email_taken")
	if e.mails("berta@example.org", "neue E-Mail-Adresse") != 0 {
		t.Fatal("the holder of a taken address got a code")
	}

	if err := start(material().LoginSecret, e.nextTOTP(a), "Anna@Neu.example"); err != nil {
		t.Fatal(err)
	}
	code := e.code("anna@neu.example", "neue E-Mail-Adresse")
	_, err := e.svc.ConfirmEmailChange(ctx, p, "other@neu.example", code)
	wantKind(t, "the code for another address", err, akte.KindInvalid, "code_wrong")
	_, err = e.svc.ConfirmEmailChange(ctx, p, "anna@neu.example", "1234567")
	wantKind(t, "a short code", err, akte.KindInvalid, "code_format")
	moved, err := e.svc.ConfirmEmailChange(ctx, p, "anna@neu.example", code)
	if err != nil {
		t.Fatal(err)
	}
	if moved.Email != "anna@neu.example" {
		t.Fatalf("moved to %q", moved.Email)
	}
	_, err = e.svc.ConfirmEmailChange(ctx, p, "anna@neu.example", code)
	wantKind(t, "the code again", err, akte.KindUsed, "code_used")
	if e.mails("anna@example.org", "wurde geändert") != 1 {
		t.Error("the old address was not told")
	}
	// The old address no longer logs in; the new one does.
	_, err = e.login(a, "192.0.2.1", "device-0001", a.deviceSecret, e.nextTOTP(a))
	wantKind(t, "login with the old address", err, akte.KindUnauthenticated, "login_failed")
	a.email = "anna@neu.example"
	if _, err := e.login(a, "192.0.2.1", "device-0001", a.deviceSecret, e.nextTOTP(a)); err != nil {
		t.Fatalf("login with the new address: %v", err)
	}

	// A code expires.
	p.Account = moved
	if err := start(material().LoginSecret, e.nextTOTP(a), "anna@dritt.example"); err != nil {
		t.Fatal(err)
	}
	code = e.code("anna@dritt.example", "neue E-Mail-Adresse")
	e.clk.Add(31 * time.Minute)
	_, err = e.svc.ConfirmEmailChange(ctx, p, "anna@dritt.example", code)
	wantKind(t, "an expired code", err, akte.KindExpired, "code_expired")
	if got := e.failures(a.id, "account.email_change"); got["code_wrong"] != 1 || got["code_used"] != 1 || got["code_expired"] != 1 {
		t.Fatalf("failures %v", got)
	}
}
