package service_test

import (
	"strings"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/mailtest"
	"github.com/akte/akte/service"
)

// TestMailLanguage: an account's mails are in the language chosen at
// registration (German if none) until its owner changes it; the notice to
// an address that is taken is in both.
func TestMailLanguage(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx, cl := t.Context(), service.Client{Addr: "192.0.2.1"}
	req := registerRequest("paula@example.org", "X110411675")
	req.Lang = "en"
	res, err := e.svc.Register(ctx, cl, req)
	if err != nil {
		t.Fatal(err)
	}
	a := &account{email: req.Email, totp: res.TOTPSecret, deviceSecret: res.DeviceSecret, id: res.AccountID}
	if err := e.svc.ConfirmEmail(ctx, cl, a.email, e.code(a.email, "Confirm your e-mail address")); err != nil {
		t.Fatal(err)
	}
	req.Lang = "fr"
	_, err = e.svc.Register(ctx, cl, req)
	wantKind(t, "registering in French", err, akte.KindInvalid, "lang_invalid")
	req.Lang = ""
	if _, err := e.svc.Register(ctx, cl, req); err != nil {
		t.Fatal(err)
	}
	m, err := mailtest.Last(e.outbox, a.email, "Registration with your e-mail address")
	if err != nil || !strings.Contains(m.Subject, "Registrierung mit Ihrer E-Mail-Adresse") || !strings.Contains(m.Body, "Guten Tag") || !strings.Contains(m.Body, "Hello") {
		t.Fatalf("the notice to a taken address is not in both languages: %v %q", err, m.Subject)
	}
	if _, err := e.login(a, "192.0.2.1", "device-0002", "", e.nextTOTP(a)); !akte.Is(err, akte.KindDeviceUnconfirmed) {
		t.Fatal(err)
	}
	if e.mails(a.email, "Confirm a new device") != 1 {
		t.Fatal("no device link in English")
	}
	res2, err := e.login(a, "192.0.2.1", "device-0001", a.deviceSecret, e.nextTOTP(a))
	if err != nil || res2.Account.Lang != "en" {
		t.Fatalf("login: %v, language %q", err, res2.Account.Lang)
	}
	p := &service.Principal{Account: res2.Account, Session: res2.Session}
	wantKind(t, "setting French", e.svc.SetLang(ctx, p, "fr"), akte.KindInvalid, "lang_invalid")
	wantKind(t, "setting nothing", e.svc.SetLang(ctx, p, ""), akte.KindInvalid, "lang_invalid")
	if err := e.svc.SetLang(ctx, p, "de"); err != nil {
		t.Fatal(err)
	}
	if stored, _ := e.store.Account(ctx, a.id); stored.Lang != "de" {
		t.Fatalf("stored language %q, want de", stored.Lang)
	}
	if err := e.svc.ChangePassword(ctx, p, material().LoginSecret, e.nextTOTP(a), newPassword(3)); err != nil {
		t.Fatal(err)
	}
	if e.mails(a.email, "Ihr Passwort wurde geändert") != 1 {
		t.Fatal("no mail in German after the change of language")
	}
}
