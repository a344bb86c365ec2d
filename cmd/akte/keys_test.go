package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestKeysRotate: `akte keys rotate` leaves every document readable and
// the old recovery key useless. A wrong password or code changes nothing;
// a rotation shows a new recovery key (recovery-key shows it too), logs
// the other devices out, and afterwards a password reset with the old
// recovery key is refused while the new one works.
func TestKeysRotate(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "rita@example.org")
	u.register(testKVNR)
	u.login()
	type doc struct{ id, sum string }
	var docs []doc
	for i, name := range []string{"befund.pdf", "arztbrief.pdf"} {
		path := filepath.Join(t.TempDir(), name)
		sum := writeRandom(t, path, int64(200<<10+i*77), uint64(10+i))
		docs = append(docs, doc{u.upload(path, "--category", []string{"findings", "letters"}[i], "--title", name), sum})
	}
	readable := func(when string) {
		t.Helper()
		for _, d := range docs {
			out := filepath.Join(t.TempDir(), "out")
			u.ok("get", d.id, "-o", out)
			if fileSum(t, out) != d.sum {
				t.Fatalf("document %s differs %s", d.id, when)
			}
		}
	}
	phone := u.device()
	phone.fails("login", "--email", phone.Email, "--totp", phone.peekCode())
	srv.confirmDevice(u.Email)
	phone.login()

	// Refused: nothing changes.
	if _, errs, code := u.run("", []string{"AKTE_PASSWORD=Falsch-aber-lang-genug"}, "keys", "rotate", "--totp", u.peekCode()); code == 0 || !says(errs, "old_password_wrong", nil) {
		t.Fatalf("rotate with a wrong password: %d %s", code, errs)
	}
	if _, errs, code := u.run("", nil, "keys", "rotate", "--totp", u.wrongCode()); code == 0 || !says(errs, "totp_wrong", nil) {
		t.Fatalf("rotate with a wrong code: %d %s", code, errs)
	}
	if got := u.recoveryKey(); got != u.Recovery {
		t.Fatal("a refused rotation changed the recovery key")
	}
	readable("after refused rotations")
	phone.ok("ls")

	// Rotated: the password comes from standard input here.
	var res struct {
		Status      string `json:"status"`
		RecoveryKey string `json:"recovery_key"`
	}
	out, errs, code := u.run(u.Password+"\n", []string{"AKTE_PASSWORD="}, "keys", "rotate", "--totp", u.code(), "--password-stdin", "--json")
	if code != 0 {
		t.Fatalf("keys rotate: %s %s", out, errs)
	}
	if err := jsonUnmarshal(out, &res); err != nil || res.Status != "rotated" || res.RecoveryKey == "" || res.RecoveryKey == u.Recovery {
		t.Fatalf("keys rotate --json: %v %q", err, out)
	}
	old := u.Recovery
	u.Recovery = res.RecoveryKey
	readable("after the rotation")
	if got := u.recoveryKey(); got != u.Recovery {
		t.Fatalf("recovery-key shows %q, the rotation showed %q", got, u.Recovery)
	}
	if msg := phone.fails("ls"); !says(msg, "unauthenticated", nil) {
		t.Fatalf("the other device after the rotation: %s", msg)
	}

	// Again, as a person reads it: the new key, and that the old one
	// stopped working.
	out = u.ok("keys", "rotate", "--totp", u.code())
	newer := u.recoveryKey()
	if newer == u.Recovery || !strings.Contains(out, newer) || !strings.Contains(out, "gilt nicht mehr") {
		t.Fatalf("keys rotate shows:\n%s\n(recovery-key: %s)", out, newer)
	}
	readable("after the second rotation")
	u.ok("logout")

	// A forgotten password: the old recovery keys are refused, the new one
	// keeps the data.
	for _, rk := range []string{old, u.Recovery} {
		if _, errs, code := u.run("", []string{"AKTE_RECOVERY_KEY=" + rk, "AKTE_NEW_PASSWORD=Egal-Welches-4711"},
			"password", "reset", "--email", u.Email, "--totp", u.peekCode()); code == 0 || !says(errs, "recovery_failed", nil) {
			t.Fatalf("reset with an old recovery key: %d %s", code, errs)
		}
	}
	u.Recovery = newer
	pw := "Kastanien-Regen-7788"
	if out, errs, code := u.run("", []string{"AKTE_RECOVERY_KEY=" + u.Recovery, "AKTE_NEW_PASSWORD=" + pw},
		"password", "reset", "--email", u.Email, "--totp", u.code()); code != 0 {
		t.Fatalf("reset with the new recovery key: %s %s", out, errs)
	}
	u.Password = pw
	u.login()
	if got := u.recoveryKey(); got != u.Recovery {
		t.Fatal("the reset with the new recovery key lost the new user master key")
	}
	readable("after the reset with the new recovery key")
}
