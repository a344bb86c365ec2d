package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte/internal/mailtest"
	"github.com/akte/akte/wire"
)

// smtpServer starts akte serve with mails through a real SMTP server
// (the harness reads them from its mailbox), plus env.
func smtpServer(t *testing.T, env ...string) *server {
	t.Helper()
	mbox := mailtest.StartServer(t)
	secret := filepath.Join(t.TempDir(), "smtp-url")
	os.WriteFile(secret, []byte(mbox.URL()+"\n"), 0o600)
	srv := startServer(t, "", nil, append(env, "AKTE_SMTP_FILE="+secret)...)
	srv.Mailbox = mbox.Dir
	return srv
}

// repJSON is what akte representative prints of one representative.
type repJSON struct {
	wire.Representative
	AccountKeyFingerprint string `json:"account_key_fingerprint"`
	KeyFingerprint        string `json:"key_fingerprint"`
}

// nameRepresentative has the patient name rep, rep accept, and the
// patient hand over the key after comparing the fingerprint rep tells.
func nameRepresentative(t *testing.T, patient, rep *user, kvnr string, rid string, args ...string) string {
	t.Helper()
	var added repJSON
	patient.okJSON(&added, append([]string{"representative", "add", "--email", rep.Email, "--kvnr", kvnr}, args...)...)
	if added.ID == "" || added.Role != "invited" {
		t.Fatalf("add --json: %+v", added)
	}
	patient.srv.lastMail(rep.Email, "als Vertretung benannt")
	var accepted struct {
		Representative wire.Representative `json:"representative"`
		Fingerprint    string              `json:"key_fingerprint"`
	}
	rep.okJSON(&accepted, "--record", rid, "representative", "accept", "--kvnr", kvnr)
	if accepted.Fingerprint == "" {
		t.Fatalf("accept --json: %+v", accepted)
	}
	patient.srv.lastMail(patient.Email, "hat angenommen")
	var listed []repJSON
	patient.okJSON(&listed, "representative", "ls")
	var shown string
	for _, r := range listed {
		if r.ID == added.ID {
			shown = r.AccountKeyFingerprint
		}
	}
	if shown != accepted.Fingerprint {
		t.Fatalf("the patient is shown the fingerprint %q, the representative has %q", shown, accepted.Fingerprint)
	}
	var confirmed repJSON
	patient.okJSON(&confirmed, "representative", "confirm", added.ID, "--fingerprint", strings.ToUpper(accepted.Fingerprint))
	if !confirmed.KeyHandedOver || confirmed.KeyFingerprint != accepted.Fingerprint {
		t.Fatalf("confirm --json: %+v", confirmed)
	}
	return added.ID
}

// TestRepresentative: a representative accepts (with the KVNR the patient
// named), gets the record key only after the patient compared its
// fingerprint, then reads and uploads in the represented record with the
// global --record; it cannot name or remove representatives. The sixth
// representative is refused; a removed one is a stranger again. Every
// step that concerns another person mails them (real SMTP).
func TestRepresentative(t *testing.T) {
	t.Parallel()
	srv := smtpServer(t)
	ks := kvnrs(7)
	alice, bob := newUser(t, srv, "alice@example.org"), newUser(t, srv, "bob@example.org")
	alice.register(testKVNR)
	alice.login()
	bob.register(ks[0])
	bob.login()
	rid := alice.state().RecordID
	doc := filepath.Join(t.TempDir(), "befund.pdf")
	sum := writeRandom(t, doc, 3000, 7)
	docID := alice.upload(doc, "--category", "findings", "--title", "Befund")

	// Named, not yet accepted: bob sees the record as invited, may do nothing in it.
	var added repJSON
	alice.okJSON(&added, "representative", "add", "--email", bob.Email, "--kvnr", ks[0])
	srv.lastMail(bob.Email, "als Vertretung benannt")
	var rs []wire.RecordAccess
	bob.okJSON(&rs, "records")
	if len(rs) != 2 || rs[1].RecordID != rid || rs[1].Role != "invited" || rs[1].OwnerEmail != alice.Email || rs[1].OwnerKVNR != "" {
		t.Fatalf("bob's records: %+v", rs)
	}
	if msg := bob.fails("ls", "--record", rid); !says(msg, "action_not_permitted", nil) {
		t.Errorf("invited, ls: %q", msg)
	}
	// Another KVNR than the one named: not accepted.
	if msg := bob.fails("--record", rid, "representative", "accept", "--kvnr", ks[6]); !says(msg, "representative_kvnr_mismatch", nil) {
		t.Errorf("accept with another KVNR: %q", msg)
	}
	var accepted struct {
		Fingerprint string `json:"key_fingerprint"`
	}
	bob.okJSON(&accepted, "--record", rid, "representative", "accept", "--kvnr", ks[0])
	srv.lastMail(alice.Email, "hat angenommen")
	// Accepted, but the key is not handed over yet.
	if msg := bob.fails("ls", "--record", rid); !says(msg, "representative_key_missing", nil) {
		t.Errorf("ls before the key: %q", msg)
	}
	// The patient's client refuses a key whose fingerprint is not the one the representative told.
	if msg := alice.fails("representative", "confirm", added.ID, "--fingerprint", strings.Repeat("0000 ", 8)); !says(msg, "representative_fingerprint_mismatch", nil) {
		t.Errorf("confirm with another fingerprint: %q", msg)
	}
	if msg := alice.fails("representative", "confirm", added.ID); !says(msg, "representative_fingerprint_required", nil) {
		t.Errorf("confirm without a fingerprint: %q", msg)
	}
	alice.ok("representative", "confirm", added.ID, "--fingerprint", accepted.Fingerprint)

	// Bob reads and adds in alice's record.
	bob.okJSON(&rs, "records")
	if rs[1].Role != "representative" {
		t.Fatalf("bob's role: %+v", rs)
	}
	items := bob.ls("--record", rid)
	if len(items) != 1 || items[0].ID != docID || items[0].Title != "Befund" {
		t.Fatalf("bob's listing of alice's record: %+v", items)
	}
	out := filepath.Join(t.TempDir(), "out.pdf")
	bob.ok("get", docID, "-o", out, "--record", rid)
	if got := fileSum(t, out); got != sum {
		t.Errorf("downloaded %s, uploaded %s", got, sum)
	}
	letter := filepath.Join(t.TempDir(), "brief.pdf")
	writeRandom(t, letter, 2000, 8)
	bob.upload(letter, "--category", "letters", "--title", "Brief von Bob", "--record", rid)
	if items := alice.ls(); len(items) != 2 {
		t.Errorf("alice's record after bob's upload: %+v", items)
	}
	if items := bob.ls(); len(items) != 0 {
		t.Errorf("bob's own record: %+v", items)
	}
	// ... but names and removes nobody.
	if msg := bob.fails("--record", rid, "representative", "remove", added.ID); !says(msg, "action_not_permitted", nil) {
		t.Errorf("bob removes: %q", msg)
	}
	if msg := bob.fails("--record", rid, "representative", "add", "--email", "x@example.org", "--kvnr", ks[5]); !says(msg, "action_not_permitted", nil) {
		t.Errorf("bob names: %q", msg)
	}

	// Five at most.
	for i := 1; i <= 4; i++ {
		alice.ok("representative", "add", "--email", fmt.Sprintf("r%d@example.org", i), "--kvnr", ks[i])
	}
	if msg := alice.fails("representative", "add", "--email", "r5@example.org", "--kvnr", ks[5]); !says(msg, "representatives_limit", map[string]any{"max": 5}) {
		t.Errorf("the sixth: %q", msg)
	}
	var listed []repJSON
	alice.okJSON(&listed, "representative", "ls")
	if len(listed) != 5 || !listed[0].KeyHandedOver {
		t.Errorf("ls: %+v", listed)
	}

	// Removed: a stranger again, answered as for a record that does not exist.
	alice.ok("representative", "remove", added.ID)
	if msg := bob.fails("ls", "--record", rid); !says(msg, "record_not_found", nil) {
		t.Errorf("removed, ls: %q", msg)
	}
}

// TestEmergencyRepresentative: an emergency representative's request
// opens access after the waiting period and not before (the server's
// clock moved through AKTE_TEST_CLOCK_FILE); the patient is told at the
// request and a day before it opens; the patient's refusal within the
// period stops another's request.
func TestEmergencyRepresentative(t *testing.T) {
	t.Parallel()
	clock := filepath.Join(t.TempDir(), "clock")
	setClock := func(d time.Duration) {
		if err := os.WriteFile(clock, []byte(d.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	setClock(0)
	// Sessions outlive the days the clock moves.
	srv := smtpServer(t, "AKTE_TEST_CLOCK_FILE="+clock, "AKTE_SESSION_IDLE=2400h", "AKTE_SESSION_MAX=2400h")
	ks := kvnrs(2)
	alice, carol, dave := newUser(t, srv, "alice@example.org"), newUser(t, srv, "carol@example.org"), newUser(t, srv, "dave@example.org")
	alice.register(testKVNR)
	alice.login()
	carol.register(ks[0])
	carol.login()
	dave.register(ks[1])
	dave.login()
	rid := alice.state().RecordID
	doc := filepath.Join(t.TempDir(), "notfall.pdf")
	writeRandom(t, doc, 1500, 9)
	docID := alice.upload(doc, "--category", "emergency", "--title", "Notfalldaten")
	carolID := nameRepresentative(t, alice, carol, ks[0], rid, "--emergency-wait", "3")
	daveID := nameRepresentative(t, alice, dave, ks[1], rid, "--emergency-wait", "3")

	// Before a request: nothing.
	if msg := carol.fails("ls", "--record", rid); !says(msg, "action_not_permitted", nil) {
		t.Errorf("before the request: %q", msg)
	}
	var req repJSON
	carol.okJSON(&req, "--record", rid, "representative", "request")
	if req.OpensAt == nil || req.OpensAt.Sub(*req.RequestedAt) != 72*time.Hour {
		t.Fatalf("request --json: %+v", req)
	}
	if m := srv.lastMail(alice.Email, "Notfallzugriff auf Ihre Akte beantragt"); !strings.Contains(m.Body, carolID) {
		t.Errorf("the request's mail names no way to refuse: %q", m.Body)
	}
	dave.ok("--record", rid, "representative", "request")
	alice.ok("representative", "refuse", daveID)
	srv.lastMail(dave.Email, "abgelehnt")

	// Within the period: still nothing; a day before, the patient is told again.
	setClock(50 * time.Hour)
	noSession := []string{"AKTE_SESSION="} // the session key's signed time lies days from the server's: the password opens the keys
	if _, errs, code := carol.run("", noSession, "ls", "--record", rid); code == 0 || !says(errs, "action_not_permitted", nil) {
		t.Errorf("within the period: %d %q", code, errs)
	}
	waitMail(t, srv, alice.Email, "öffnet sich bald")

	// After it: carol reads; dave, refused, does not.
	setClock(72*time.Hour + time.Minute)
	out, errs, code := carol.run("", noSession, "ls", "--record", rid, "--json")
	if code != 0 || !strings.Contains(out, docID) {
		t.Fatalf("after the period: %d %s %s", code, out, errs)
	}
	if _, errs, code := dave.run("", noSession, "ls", "--record", rid); code == 0 || !says(errs, "action_not_permitted", nil) {
		t.Errorf("the refused one after the period: %d %q", code, errs)
	}
	waitMail(t, srv, carol.Email, "Notfallzugriff geöffnet")
	waitMail(t, srv, alice.Email, "Notfallzugriff geöffnet")
}

// waitMail waits for a mail the maintenance jobs send (they run every
// LeaseTTL/3 on the replica that holds the lease).
func waitMail(t *testing.T, srv *server, addr, subj string) {
	t.Helper()
	for deadline := time.Now().Add(45 * time.Second); srv.mails(addr, subj) == 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s about %q", addr, subj)
		}
	}
}
