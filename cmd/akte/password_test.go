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
	qr := filepath.Join(t.TempDir(), "rk.png")
	u.ok("recovery-key", "--qr", qr)
	if b, err := os.ReadFile(qr); err != nil || len(b) < 100 || string(b[1:4]) != "PNG" {
		t.Fatalf("QR PNG: %v, %d bytes", err, len(b))
	}

	// Change: needs the old password and a TOTP code.
	newPW := "Hagebutten-Nebel-2031"
	_, errs, code := u.run("", []string{"AKTE_NEW_PASSWORD=" + newPW, "AKTE_PASSWORD=Falsch-aber-lang-genug"}, "password", "change", "--totp", u.peekCode())
	if code == 0 || !strings.Contains(errs, "bisherige Passwort ist falsch") {
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
	u.ok("logout")

	// Without the recovery key: a plain warning first, then erasure.
	acct := filepath.Join(srv.Data, "blobs", "records", u.Account)
	if err := os.MkdirAll(acct, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(acct, "ciphertext"), []byte("sealed bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := u.ok("password", "reset", "--email", u.Email, "--without-recovery-key")
	if !strings.Contains(out, "unwiderruflich gelöscht") {
		t.Fatalf("no data-loss warning: %s", out)
	}
	resetCode := srv.mailCode(u.Email, "Passwort zurücksetzen")
	pw3 := "Schlehen-Frost-5512"
	env := []string{"AKTE_NEW_PASSWORD=" + pw3}
	if _, errs, code := u.run("", env, "password", "reset", "--email", u.Email, "--without-recovery-key", "--code", resetCode, "--totp", u.peekCode()); code == 0 ||
		!strings.Contains(errs, "--yes-erase-my-data") || !strings.Contains(errs, "unwiderruflich") {
		t.Fatalf("reset without confirmation: %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(acct, "ciphertext")); err != nil {
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
	if _, err := os.Stat(filepath.Join(acct, "ciphertext")); err == nil {
		t.Fatal("ciphertext still in the blob store after the reset")
	}
	srv.lastMail(u.Email, "Daten gelöscht")
	old := u.Recovery
	u.Password, u.Recovery = pw3, res.RecoveryKey
	u.login()
	if got := u.recoveryKey(); got != res.RecoveryKey {
		t.Fatal("recovery-key does not show the new key")
	}
	// The old recovery key opens nothing any more.
	if _, errs, code := u.run("", []string{"AKTE_RECOVERY_KEY=" + old, "AKTE_NEW_PASSWORD=Egal-Welches-4711"},
		"password", "reset", "--email", u.Email, "--totp", u.peekCode()); code == 0 || !strings.Contains(errs, "Sicherheitsschlüssel ist falsch") {
		t.Fatalf("reset with the old recovery key: %d %s", code, errs)
	}
}
