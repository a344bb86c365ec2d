package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestTerminationE2E: notice on an account keeps its data for the grace
// period (the server's clock moved through AKTE_TEST_CLOCK_FILE) and can
// be taken back; a reminder goes a week before; after the grace nothing of
// the account is at rest any more (data directory, or database dump and
// bucket), while another account is intact.
func TestTerminationE2E(t *testing.T) {
	t.Parallel()
	clock := filepath.Join(t.TempDir(), "clock")
	setClock := func(d time.Duration) {
		if err := os.WriteFile(clock, []byte(d.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	setClock(0)
	srv := smtpServer(t, "AKTE_TEST_CLOCK_FILE="+clock, "AKTE_SESSION_IDLE=2400h", "AKTE_SESSION_MAX=2400h")
	ks := kvnrs(1)
	alice, bob := newUser(t, srv, "alice-leaves@example.org"), newUser(t, srv, "bob-stays@example.org")
	alice.register(testKVNR)
	alice.login()
	bob.register(ks[0])
	bob.login()
	rid := alice.state().RecordID
	doc := filepath.Join(t.TempDir(), "befund.pdf")
	writeRandom(t, doc, 300<<10, 3)
	alice.upload(doc, "--category", "findings", "--title", "Befund")
	bobDoc := bob.upload(doc, "--category", "findings", "--title", "Befund")

	var notice struct {
		RequestedAt time.Time `json:"requested_at"`
		DeleteAt    time.Time `json:"delete_at"`
	}
	alice.okJSON(&notice, "account", "terminate", "--yes")
	if d := notice.DeleteAt.Sub(notice.RequestedAt); d != 28*24*time.Hour {
		t.Errorf("grace %v", d)
	}
	srv.lastMail(alice.Email, "Kündigung ist eingegangen")
	alice.ok("account", "keep")
	srv.lastMail(alice.Email, "zurückgenommen")
	alice.okJSON(&notice, "account", "terminate", "--yes")

	noSession := []string{"AKTE_SESSION="} // the session key's signed time lies days from the server's
	setClock(21*24*time.Hour + time.Hour)
	waitMail(t, srv, alice.Email, "in 7 Tag(en) gelöscht")
	if out, errs, code := alice.run("", noSession, "ls", "--json"); code != 0 || !bytes.Contains([]byte(out), []byte("Befund")) {
		t.Fatalf("during the grace: %d %s", code, errs)
	}
	if len(srv.blobs("records/"+alice.Account+"/")) == 0 {
		t.Fatal("alice's blobs are gone during the grace")
	}

	setClock(28*24*time.Hour + time.Minute)
	for deadline := time.Now().Add(45 * time.Second); len(srv.blobs("records/"+alice.Account+"/")) > 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("alice's blobs are still there after the grace")
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, _, code := alice.run("", noSession, "ls"); code != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("alice still lists her record after the deletion")
		}
	}
	var bobs []lsItem
	if out, errs, code := bob.run("", noSession, "ls", "--json"); code != 0 || json.Unmarshal([]byte(out), &bobs) != nil || len(bobs) != 1 || bobs[0].ID != bobDoc {
		t.Fatalf("bob after alice left: %d %s %s", code, out, errs)
	}
	srv.stop()
	n := srv.atRest(func(name string, b []byte) {
		for _, secret := range []string{alice.Email, rid, alice.TOTP} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s still holds %q", name, secret)
			}
		}
	})
	if n == 0 {
		t.Fatal("nothing at rest was scanned")
	}
}
