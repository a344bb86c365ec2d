package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func (u *user) recoveryKey() string {
	u.t.Helper()
	var r struct {
		RecoveryKey string `json:"recovery_key"`
	}
	u.okJSON(&r, "recovery-key")
	return r.RecoveryKey
}

// TestPasswordChangeAndReset: a change and a reset with the recovery key
// keep the user master key (the recovery key sealed under it still opens);
// a reset without it warns first, then erases the encrypted data.
func TestPasswordChangeAndReset(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "gerd@example.org")
	u.register(testKVNR)
	u.login()
	if got := u.recoveryKey(); got != u.Recovery {
		t.Fatalf("recovery-key shows %q, registration showed %q", got, u.Recovery)
	}
	// A document in the record stays readable after the change and the
	// recovery, and is gone after the reset without the recovery key.
	doc := filepath.Join(t.TempDir(), "befund.pdf")
	sum := writeRandom(t, doc, 300<<10, 7)
	id := u.upload(doc, "--category", "findings", "--title", "Blutbild")
	readable := func(when string) {
		t.Helper()
		out := filepath.Join(t.TempDir(), "out")
		var r struct {
			ID, File, Title string
			Size            int64
		}
		u.okJSON(&r, "get", id, "-o", out)
		if r.ID != id || r.File != out || r.Title != "Blutbild" || r.Size != 300<<10 {
			t.Fatalf("get --json = %+v", r)
		}
		if fileSum(t, out) != sum {
			t.Fatalf("document differs %s", when)
		}
	}
	qr := filepath.Join(t.TempDir(), "rk.png")
	u.ok("recovery-key", "--qr", qr)
	if b, err := os.ReadFile(qr); err != nil || len(b) < 100 || string(b[1:4]) != "PNG" {
		t.Fatalf("QR PNG: %v, %d bytes", err, len(b))
	}

	// Change: needs the old password and a TOTP code.
	newPW := "Hagebutten-Nebel-2031"
	_, errs, code := u.run("", []string{"AKTE_NEW_PASSWORD=" + newPW, "AKTE_PASSWORD=Falsch-aber-lang-genug"}, "password", "change", "--totp", u.peekCode())
	if code == 0 || !says(errs, "old_password_wrong", nil) {
		t.Fatalf("change with wrong old password: %d %s", code, errs)
	}
	if _, errs, code := u.run("", []string{"AKTE_NEW_PASSWORD=passwort1234"}, "password", "change", "--totp", u.peekCode()); code == 0 || !strings.Contains(errs, "zu verbreitet") {
		t.Fatalf("change to a common password: %d %s", code, errs)
	}
	if out, errs, code := u.run("", []string{"AKTE_NEW_PASSWORD=" + newPW}, "password", "change", "--totp", u.code()); code != 0 {
		t.Fatalf("password change: %s %s", out, errs)
	}
	u.Password = newPW
	srv.lastMail(u.Email, "Passwort wurde geändert")
	if got := u.recoveryKey(); got != u.Recovery {
		t.Fatal("password change lost the user master key")
	}
	readable("after the password change")
	u.ok("logout")

	// Forgotten password, with the recovery key: data stays.
	pw2 := "Kastanien-Regen-7788"
	if out, errs, code := u.run("", []string{"AKTE_RECOVERY_KEY=" + strings.ToLower(u.Recovery), "AKTE_NEW_PASSWORD=" + pw2},
		"password", "reset", "--email", u.Email, "--totp", u.code()); code != 0 {
		t.Fatalf("reset with recovery key: %s %s", out, errs)
	}
	u.Password = pw2
	u.login()
	if got := u.recoveryKey(); got != u.Recovery {
		t.Fatal("reset with the recovery key lost the user master key")
	}
	readable("after the reset with the recovery key")

	u.ok("logout")

	// Without the recovery key: a plain warning first, then erasure.
	blobFiles := func() int { return len(srv.blobs("records/" + u.Account + "/")) }
	if blobFiles() == 0 {
		t.Fatal("the uploaded document left no blob")
	}
	out := u.ok("password", "reset", "--email", u.Email, "--without-recovery-key")
	if !says(out, "data_loss_warning", nil) {
		t.Fatalf("no data-loss warning: %s", out)
	}
	resetCode := srv.mailCode(u.Email, "Passwort zurücksetzen")
	pw3 := "Schlehen-Frost-5512"
	env := []string{"AKTE_NEW_PASSWORD=" + pw3}
	if _, errs, code := u.run("", env, "password", "reset", "--email", u.Email, "--without-recovery-key", "--code", resetCode, "--totp", u.peekCode()); code == 0 ||
		!strings.Contains(errs, "--yes-erase-my-data") || !says(errs, "data_loss_warning", nil) {
		t.Fatalf("reset without confirmation: %d %s", code, errs)
	}
	if blobFiles() == 0 {
		t.Fatal("data erased before the user confirmed")
	}
	var res struct {
		RecoveryKey string `json:"recovery_key"`
	}
	stdout, errs, code := u.run("", env, "password", "reset", "--email", u.Email, "--without-recovery-key", "--code", resetCode, "--totp", u.code(), "--yes-erase-my-data", "--json")
	if code != 0 {
		t.Fatalf("reset without recovery key: %s %s", stdout, errs)
	}
	if err := jsonUnmarshal(stdout, &res); err != nil || res.RecoveryKey == "" || res.RecoveryKey == u.Recovery {
		t.Fatalf("new recovery key: %v %q", err, stdout)
	}
	if n := blobFiles(); n != 0 {
		t.Fatalf("%d ciphertext files still in the blob store after the reset", n)
	}
	srv.lastMail(u.Email, "Daten gelöscht")
	old := u.Recovery
	u.Password, u.Recovery = pw3, res.RecoveryKey
	u.login()
	if got := u.recoveryKey(); got != res.RecoveryKey {
		t.Fatal("recovery-key does not show the new key")
	}
	if items := u.ls(); len(items) != 0 {
		t.Fatalf("documents listed after the reset: %+v", items)
	}
	u.fails("get", id, "-o", filepath.Join(t.TempDir(), "x"))
	// The old recovery key opens nothing any more.
	if _, errs, code := u.run("", []string{"AKTE_RECOVERY_KEY=" + old, "AKTE_NEW_PASSWORD=Egal-Welches-4711"},
		"password", "reset", "--email", u.Email, "--totp", u.peekCode()); code == 0 || !says(errs, "recovery_failed", nil) {
		t.Fatalf("reset with the old recovery key: %d %s", code, errs)
	}
}
