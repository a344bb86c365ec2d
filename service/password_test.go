package service_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/mailtest"
	"github.com/akte/akte/service"
)

// newPassword is a password change as a client makes it: another login
// secret, the same user master key wrapped anew.
func newPassword(b byte) service.NewPassword {
	m := material()
	return service.NewPassword{KDF: m.KDF, LoginSecret: bytes.Repeat([]byte{b}, 32), UMKByPassword: bytes.Repeat([]byte{b}, 64)}
}

func (e *env) loginWith(a *account, secret []byte) error {
	_, err := e.svc.Login(e.t.Context(), service.Client{Addr: "192.0.2.1"}, service.LoginRequest{Email: a.email, LoginSecret: secret,
		TOTP: e.nextTOTP(a), DeviceID: "device-0001", DeviceName: "Laptop", DeviceSecret: a.deviceSecret})
	return err
}

// TestPasswordChange: the old password and a fresh TOTP code prove the
// owner, each refused with its own reason; the change keeps the user
// master key and this session, ends the others, and is mailed.
func TestPasswordChange(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	p, a := e.principal("kim@example.org", "X110411675")
	other, err := e.login(a, "192.0.2.1", "device-0001", a.deviceSecret, e.nextTOTP(a))
	if err != nil {
		t.Fatal(err)
	}
	a.deviceSecret = other.DeviceSecret
	old := material().LoginSecret
	n := newPassword(7)
	wantKind(t, "a wrong old password", e.svc.ChangePassword(ctx, p, make([]byte, 32), e.nextTOTP(a), n), akte.KindUnauthenticated, "old_password_wrong")
	wantKind(t, "a wrong code", e.svc.ChangePassword(ctx, p, old, e.wrongTOTP(a, 0), n), akte.KindUnauthenticated, "totp_wrong")
	used := e.totpAt(a, -30*time.Second) // the step the second login used
	wantKind(t, "a used code", e.svc.ChangePassword(ctx, p, old, used, n), akte.KindUnauthenticated, "totp_reused")
	wantKind(t, "a short login secret", e.svc.ChangePassword(ctx, p, old[:31], e.nextTOTP(a), n), akte.KindInvalid, "field_length")
	if err := e.svc.ChangePassword(ctx, p, old, e.nextTOTP(a), n); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, other.Token); !akte.Is(err, akte.KindUnauthenticated) {
		t.Errorf("the other session after the change: %v", err)
	}
	if _, err := e.svc.Authenticate(ctx, a.token); err != nil {
		t.Errorf("this session after the change: %v", err)
	}
	stored, err := e.store.Account(ctx, a.id)
	if err != nil || !bytes.Equal(stored.Keys.UMKByPassword, n.UMKByPassword) || !bytes.Equal(stored.Keys.UMKByRecovery, material().Keys.UMKByRecovery) {
		t.Errorf("keys after the change: %v", err)
	}
	if n := e.mails(a.email, "Passwort wurde geändert"); n != 1 {
		t.Errorf("%d mails about the change, want 1", n)
	}
	wantKind(t, "the old password", e.loginWith(a, old), akte.KindUnauthenticated, "login_failed")
	if err := e.loginWith(a, n.LoginSecret); err != nil {
		t.Fatalf("the new password: %v", err)
	}
}

// document uploads a complete document of 250 bytes into p's record.
func (e *env) document(p *service.Principal, id string) {
	e.t.Helper()
	if _, err := e.svc.CreateUpload(e.t.Context(), p, p.RecordID, upload(id, 250)); err != nil {
		e.t.Fatal(err)
	}
	for n, size := range []int{100, 100, 50} {
		if err := e.put(p, id, n, make([]byte, size)); err != nil {
			e.t.Fatal(err)
		}
	}
	if _, err := e.svc.CompleteUpload(e.t.Context(), p, p.RecordID, akte.ItemID(id)); err != nil {
		e.t.Fatal(err)
	}
}

// TestRecoveryWithKey: the recovery verifier and a TOTP code give the
// user master key sealed under the recovery key; the new password wraps
// the same key, so every document stays; all sessions end.
func TestRecoveryWithKey(t *testing.T) {
	e := newEnv(t, uploadConfig())
	ctx, cl := t.Context(), service.Client{Addr: "192.0.2.5"}
	p, a := e.principal("lea@example.org", "X110411675")
	e.document(p, "hhhhhhhhhhhhhhhh")
	m := material()
	_, err := e.svc.RecoverStart(ctx, cl, a.email, make([]byte, 32), e.nextTOTP(a))
	wantKind(t, "a wrong recovery key", err, akte.KindUnauthenticated, "recovery_failed")
	_, err = e.svc.RecoverStart(ctx, cl, a.email, m.RecoveryVerifier, e.wrongTOTP(a, 0))
	wantKind(t, "a wrong code", err, akte.KindUnauthenticated, "recovery_failed")
	g, err := e.svc.RecoverStart(ctx, cl, a.email, m.RecoveryVerifier, e.nextTOTP(a))
	if err != nil || !bytes.Equal(g.UMKByRecovery, m.Keys.UMKByRecovery) {
		t.Fatalf("recover: %v", err)
	}
	n := newPassword(9)
	if err := e.svc.RecoverComplete(ctx, cl, g.Token, n); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, a.token); !akte.Is(err, akte.KindUnauthenticated) {
		t.Errorf("a session after the recovery: %v", err)
	}
	if items, err := e.store.Items(ctx, a.id, ""); err != nil || len(items) != 1 {
		t.Errorf("documents after the recovery: %d %v", len(items), err)
	}
	if e.mails(a.email, "Sicherheitsschlüssel neu gesetzt") != 1 {
		t.Error("no mail about the recovery")
	}
	if err := e.loginWith(a, n.LoginSecret); err != nil {
		t.Fatalf("the new password: %v", err)
	}
}

// TestResetWithoutKey: the mailed code warns of the loss; without the
// acknowledgement nothing happens; with it every document and ciphertext
// goes, the new keys replace the old, all sessions end.
func TestResetWithoutKey(t *testing.T) {
	e := newEnv(t, uploadConfig())
	ctx, cl := t.Context(), service.Client{Addr: "192.0.2.6"}
	p, a := e.principal("mara@example.org", "X110411675")
	e.document(p, "iiiiiiiiiiiiiiii")
	if _, err := e.svc.CreateUpload(ctx, p, p.RecordID, upload("jjjjjjjjjjjjjjjj", 150)); err != nil {
		t.Fatal(err)
	}
	if err := e.put(p, "jjjjjjjjjjjjjjjj", 0, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ResetStart(ctx, cl, a.email); err != nil {
		t.Fatal(err)
	}
	mail, err := mailtest.Last(e.outbox, a.email, "Passwort zurücksetzen")
	if err != nil || !strings.Contains(mail.Body, "unwiderruflich gelöscht") {
		t.Fatalf("the reset mail does not warn: %v %q", err, mail.Body)
	}
	code, _ := mail.Code()
	m := material()
	req := service.ResetRequest{Email: a.email, Code: code, TOTP: e.nextTOTP(a), KDF: m.KDF, LoginSecret: bytes.Repeat([]byte{5}, 32),
		RecoveryVerifier: bytes.Repeat([]byte{6}, 32), Keys: m.Keys, Record: freshRecord()}
	wantKind(t, "without the acknowledgement", e.svc.ResetComplete(ctx, cl, req), akte.KindInvalid, "data_loss_unacknowledged")
	if keys, _ := e.blobs.List(ctx, ""); len(keys) != 4 {
		t.Fatalf("%d blobs after a refused reset, want 4", len(keys))
	}
	req.AcknowledgeDataLoss = true
	if err := e.svc.ResetComplete(ctx, cl, req); err != nil {
		t.Fatal(err)
	}
	if keys, _ := e.blobs.List(ctx, ""); len(keys) != 0 {
		t.Errorf("blobs after the reset: %v", keys)
	}
	if items, _ := e.store.Items(ctx, a.id, ""); len(items) != 0 {
		t.Errorf("documents after the reset: %d", len(items))
	}
	if ups, _ := e.store.Uploads(ctx, a.id, e.clk.Now().Add(time.Hour)); len(ups) != 0 {
		t.Errorf("uploads after the reset: %d", len(ups))
	}
	if _, err := e.svc.Authenticate(ctx, a.token); !akte.Is(err, akte.KindUnauthenticated) {
		t.Errorf("a session after the reset: %v", err)
	}
	if e.mails(a.email, "Daten gelöscht") != 1 {
		t.Error("no mail about the reset")
	}
	_, err = e.svc.RecoverStart(ctx, cl, a.email, m.RecoveryVerifier, e.nextTOTP(a))
	wantKind(t, "the old recovery key", err, akte.KindUnauthenticated, "recovery_failed")
	if err := e.loginWith(a, req.LoginSecret); err != nil {
		t.Fatalf("the new password: %v", err)
	}
}
