package service_test

import (
	"bytes"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// TestChangeAuthenticator: a new TOTP secret needs the password, a code of
// the current app and a code of the new one; afterwards only the new app's
// codes log in, and the owner is told by mail.
func TestChangeAuthenticator(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	p, a := e.principal("anna@example.org", "X110411675")
	np := e.svc.ProposeAuthenticator(p)
	if np.Secret == a.totp || len(np.Secret) != 32 {
		t.Fatalf("proposal %+v", np)
	}
	newApp := &account{email: a.email, totp: np.Secret}
	change := func(secret []byte, code, newSecret, newCode string) error {
		return e.svc.ChangeAuthenticator(ctx, p, secret, code, newSecret, newCode)
	}
	wantKind(t, "wrong password", change(wrongSecret, e.nextTOTP(a), np.Secret, e.totpAt(newApp, 0)), akte.KindUnauthenticated, "old_password_wrong")
	wantKind(t, "wrong current code", change(material().LoginSecret, e.wrongTOTP(a, 3), np.Secret, e.totpAt(newApp, 0)), akte.KindUnauthenticated, "totp_wrong")
	wantKind(t, "not a secret", change(material().LoginSecret, e.nextTOTP(a), "not base32!", e.totpAt(newApp, 0)), akte.KindInvalid, "totp_secret_invalid")
	wantKind(t, "short secret", change(material().LoginSecret, e.nextTOTP(a), "ABCDEFGH", e.totpAt(newApp, 0)), akte.KindInvalid, "totp_secret_invalid")
	wantKind(t, "mis-scanned", change(material().LoginSecret, e.nextTOTP(a), np.Secret, e.totpAt(a, 0)), akte.KindInvalid, "totp_new_wrong")
	if got := e.failures(a.id, "account.authenticator_change"); got["wrong_password"] != 1 || got["wrong_totp"] != 1 {
		t.Fatalf("failures %v", got)
	}
	if err := change(material().LoginSecret, e.nextTOTP(a), np.Secret, e.totpAt(newApp, 0)); err != nil {
		t.Fatal(err)
	}
	if e.mails(a.email, "Authenticator") != 1 {
		t.Error("no notice mailed")
	}
	_, err := e.login(a, "192.0.2.1", "device-0001", a.deviceSecret, e.nextTOTP(a))
	wantKind(t, "old app", err, akte.KindUnauthenticated, "login_failed")
	if _, err := e.login(newApp, "192.0.2.1", "device-0001", a.deviceSecret, e.nextTOTP(newApp)); err != nil {
		t.Fatalf("new app: %v", err)
	}
}

// Two changes of one account at once (a password change on one device, an
// authenticator change on another) must not undo each other: each request
// works on the account as it read it, and the second write is refused as
// account_changed instead of writing the old password hash or key back.
func TestAccountChangesDoNotUndoEachOther(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	p, a := e.principal("anna@example.org", "X110411675")
	read := func() *service.Principal {
		c := *p.Account
		return &service.Principal{Account: &c, Session: p.Session}
	}
	byPassword, byApp := read(), read() // both requests read the account before either writes
	np := e.svc.ProposeAuthenticator(byApp)
	newApp := &account{email: a.email, totp: np.Secret}
	if err := e.svc.ChangePassword(ctx, byPassword, material().LoginSecret, e.nextTOTP(a), newPassword(7)); err != nil {
		t.Fatal(err)
	}
	err := e.svc.ChangeAuthenticator(ctx, byApp, material().LoginSecret, e.nextTOTP(a), np.Secret, e.totpAt(newApp, 0))
	wantKind(t, "authenticator change on a copy read before the password change", err, akte.KindConflict, "account_changed")
	got, err := e.store.Account(ctx, a.id)
	if err != nil {
		t.Fatal(err)
	}
	if got.TOTPSecret != a.totp || !bytes.Equal(got.Keys.UMKByPassword, newPassword(7).UMKByPassword) {
		t.Fatal("the refused change wrote, or undid the password change")
	}
	// Tried again on what is stored now, it goes through.
	if err := e.svc.ChangeAuthenticator(ctx, &service.Principal{Account: got, Session: p.Session}, newPassword(7).LoginSecret, e.nextTOTP(a), np.Secret, e.totpAt(newApp, 0)); err != nil {
		t.Fatal(err)
	}
}
