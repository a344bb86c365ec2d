package service_test

import (
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// TestResumeRegistration: an unfinished registration is shown again to
// whoever proves its password, with the same TOTP secret and URI, before
// and after the address is confirmed; never after the first login; and an
// unknown address, a wrong password and a finished registration's stranger
// all get login_failed, counted like logins.
func TestResumeRegistration(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	cl := service.Client{Addr: "192.0.2.7"}
	reg, err := e.svc.Register(ctx, cl, registerRequest("anna@example.org", "X110411675"))
	if err != nil {
		t.Fatal(err)
	}
	a := &account{email: "anna@example.org", totp: reg.TOTPSecret, deviceSecret: reg.DeviceSecret, id: reg.AccountID}
	resume := func(email string, secret []byte) (*service.ResumeResult, error) {
		return e.svc.ResumeRegistration(ctx, cl, email, secret)
	}
	for _, confirm := range []bool{false, true} {
		if confirm {
			if err := e.svc.ConfirmEmail(ctx, cl, a.email, e.code(a.email, "Bestätigen")); err != nil {
				t.Fatal(err)
			}
		}
		r, err := resume(" Anna@Example.org ", material().LoginSecret)
		if err != nil {
			t.Fatalf("confirmed %v: %v", confirm, err)
		}
		if r.TOTPSecret != reg.TOTPSecret || r.TOTPURI != reg.TOTPURI || r.Account.ID != reg.AccountID || r.Account.Confirmed() != confirm {
			t.Fatalf("confirmed %v: resumed %+v, registered %+v", confirm, r, reg)
		}
		if string(r.Account.Keys.UMKByPassword) != string(material().Keys.UMKByPassword) {
			t.Fatal("another key bundle")
		}
	}
	_, err = resume(a.email, wrongSecret)
	wantKind(t, "wrong password", err, akte.KindUnauthenticated, "login_failed")
	_, err = resume("nobody@example.org", material().LoginSecret)
	wantKind(t, "unknown address", err, akte.KindUnauthenticated, "login_failed")
	if got := e.failures(a.id, "account.resume"); got["wrong_password"] != 1 {
		t.Fatalf("failures %v", got)
	}
	// The first login proves the authenticator: the registration is done.
	if _, err := e.login(a, cl.Addr, "device-0001", a.deviceSecret, e.totpAt(a, 0)); err != nil {
		t.Fatal(err)
	}
	_, err = resume(a.email, material().LoginSecret)
	wantKind(t, "after the first login", err, akte.KindConflict, "registration_finished")
	_, err = resume(a.email, wrongSecret)
	wantKind(t, "after the first login, wrong password", err, akte.KindUnauthenticated, "login_failed")
}

// TestResumeCountsAsLogin: guesses through resume and through login share
// the account's counter, so resume opens no second door for guessing.
func TestResumeCountsAsLogin(t *testing.T) {
	cfg := testConfig()
	e := newEnv(t, cfg)
	ctx := t.Context()
	cl := service.Client{Addr: "192.0.2.8"}
	a := e.register("ben@example.org", "X110411675", cl.Addr, true)
	for range cfg.FailureFree {
		_, err := e.svc.ResumeRegistration(ctx, cl, a.email, wrongSecret)
		wantKind(t, "guess", err, akte.KindUnauthenticated, "login_failed")
	}
	_, err := e.login(a, "192.0.2.9", "device-0002", "", e.wrongTOTP(a, 1))
	wantKind(t, "login after the free guesses", err, akte.KindRateLimited, "")
}

var wrongSecret = []byte("wrong-login-secret-32-bytes-long")
