package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte/wire"
)

// ledger reads akte consent ls --json.
func (u *user) ledger() wire.ConsentLedger {
	u.t.Helper()
	var l wire.ConsentLedger
	u.okJSON(&l, "consent", "ls")
	return l
}

// state returns a text's newest record in the ledger (nil if none).
func stateOf(l wire.ConsentLedger, text string) *wire.ConsentRecord {
	for _, s := range l.States {
		if s.Text == text {
			return s.Last
		}
	}
	return nil
}

// TestConsentLedgerE2E: registration needs the three required texts and
// records them; the privacy notice and the terms cannot be withdrawn; the
// operator records a paper consent; a new version of a required text (the
// operator's own texts) is asked at the next login and the ledger keeps
// both wordings.
func TestConsentLedgerE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	anna := newUser(t, srv, "anna-consent@example.org")
	// Without agreeing, nothing is registered.
	if msg := anna.fails("register", "--email", anna.Email, "--kvnr", testKVNR, "--birthdate", "1980-04-01"); !says(msg, "consent_required", nil) {
		t.Fatalf("register without consent: %s", msg)
	}
	if anna.state().AccountID != "" {
		t.Fatal("an account was made without consent")
	}
	anna.register(testKVNR)
	anna.login()
	l := anna.ledger()
	for _, id := range []string{"processing", "privacy", "terms"} {
		r := stateOf(l, id)
		if r == nil || r.Decision != "given" || r.Version != 1 || r.Via != "cli" || len(r.Hash) != 64 || time.Since(r.At) > time.Hour {
			t.Errorf("%s after registration: %+v", id, r)
		}
	}
	if len(l.Due) != 0 {
		t.Errorf("due after registration: %v", l.Due)
	}
	// The text agreed to reads back in full.
	out := anna.ok("consent", "show", "processing")
	if !strings.Contains(out, "Verarbeitung Ihrer Gesundheitsdaten") && !strings.Contains(out, "processing of your health data") {
		t.Errorf("consent show processing:\n%s", out)
	}
	if msg := anna.fails("consent", "withdraw", "privacy", "--yes"); !says(msg, "consent_not_withdrawable", nil) {
		t.Errorf("withdraw privacy: %s", msg)
	}
	// On paper, via the operator.
	anna.ok(append(append([]string{"admin", "consent", "record", anna.Email, "vaccinations", "--decision", "given"}, srv.adminArgs()...), "--operator", "erika")...)
	if r := stateOf(anna.ledger(), "vaccinations"); r == nil || r.Via != "paper" || r.Decision != "given" {
		t.Errorf("paper consent: %+v", r)
	}

	// The operator's own privacy notice, version 2: the next login asks.
	dir := t.TempDir()
	for lang, body := range map[string]string{"de": "Datenschutzhinweise des Betreibers, Fassung 2", "en": "The operator's privacy notice, version 2"} {
		if err := os.WriteFile(filepath.Join(dir, "privacy."+lang+".md"), []byte("version: 2\n\n"+body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv.stop()
	srv2 := startServer(t, srv.Data, []string{"--consent-texts", dir})
	anna.srv = srv2
	if _, errs, code := anna.run("", nil, "login", "--email", anna.Email, "--totp", anna.code()); code == 0 || !says(errs, "consents_due", nil) ||
		!strings.Contains(errs, "Fassung 2") && !strings.Contains(errs, "version 2") {
		t.Fatalf("login with a new version: %d %s", code, errs)
	}
	if l := anna.ledger(); len(l.Due) != 1 || l.Due[0] != "privacy" {
		t.Errorf("due: %v", l.Due)
	}
	anna.ok("login", "--email", anna.Email, "--totp", anna.code(), "--accept")
	l = anna.ledger()
	if r := stateOf(l, "privacy"); r == nil || r.Version != 2 || len(l.Due) != 0 {
		t.Fatalf("after agreeing: %+v %v", r, l.Due)
	}
	// The newest record's text is the operator's version 2.
	var now struct {
		Text wire.ConsentText `json:"text"`
	}
	anna.okJSON(&now, "consent", "show", "privacy")
	if !strings.Contains(now.Text.Body, "2") || now.Text.Version != 2 {
		t.Errorf("privacy v2 shown: %+v", now.Text)
	}
	n := 0
	for _, r := range l.Records {
		if r.Text == "privacy" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("privacy has %d records, want 2 (v1 at registration, v2 now)", n)
	}
}

// TestServiceConsentWithdrawnE2E: a withdrawn service consent stops its
// service at once, one service after the other; giving it again starts it.
func TestServiceConsentWithdrawnE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "ben-services@example.org")
	u.register(testKVNR)
	u.login()
	for _, name := range []string{"vaccinations", "checkups"} {
		u.ok("services", "on", name, "--sex", "male", "--yes")
		if r := stateOf(u.ledger(), name); r == nil || r.Decision != "given" {
			t.Fatalf("%s: no consent in the ledger after services on: %+v", name, r)
		}
		u.ok(name, "--json")
		u.ok("consent", "withdraw", name, "--yes")
		if msg := u.fails(name, "--json"); !says(msg, "service_off", map[string]any{"service": name}) {
			t.Errorf("%s after the withdrawal: %s", name, msg)
		}
		u.ok("consent", "give", name, "--yes")
		u.ok(name, "--json")
	}
	// services off withdraws in the ledger too.
	u.ok("services", "off", "checkups")
	if r := stateOf(u.ledger(), "checkups"); r == nil || r.Decision != "withdrawn" {
		t.Errorf("checkups after services off: %+v", r)
	}
}

// TestRestrictionE2E: while the patient restricts processing, a provider
// with a grant reads nothing and the services stop; the patient reads on;
// lifted, the grant applies again.
func TestRestrictionE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	pat, doc := newUser(t, srv, "clara-restrict@example.org"), newUser(t, srv, "praxis-restrict@example.org")
	pat.register(testKVNR)
	pat.login()
	doc.verifiedProvider("Praxis Restrict", "1-20000077")
	doc.login()
	rid := pat.state().RecordID
	f := filepath.Join(t.TempDir(), "befund.pdf")
	writeRandom(t, f, 3000, 7)
	id := pat.upload(f, "--category", "findings", "--title", "Blutbild")
	pat.ok("grant", "add", "--provider", doc.Account, "--category", "findings")
	pat.ok("services", "on", "vaccinations", "--sex", "female", "--yes")
	doc.ok("get", id, "--record", rid, "-o", "-")

	var r wire.Restriction
	pat.okJSON(&r, "restrict", "on")
	if !r.Restricted || r.Since == nil {
		t.Fatalf("restrict on: %+v", r)
	}
	for _, args := range [][]string{{"get", id, "--record", rid, "-o", "-"}, {"ls", "--record", rid}} {
		if msg := doc.fails(args...); !says(msg, "record_restricted", nil) {
			t.Errorf("provider %v while restricted: %s", args, msg)
		}
	}
	if msg := pat.fails("vaccinations"); !says(msg, "record_restricted", nil) {
		t.Errorf("vaccinations while restricted: %s", msg)
	}
	if got := pat.ls(); len(got) == 0 {
		t.Error("the patient lists nothing while restricted")
	}
	pat.okJSON(&r, "restrict", "off")
	if r.Restricted {
		t.Fatalf("restrict off: %+v", r)
	}
	if out := doc.ok("get", id, "--record", rid, "-o", "-"); len(out) != 3000 {
		t.Errorf("provider after lifting: %d bytes", len(out))
	}
	pat.ok("vaccinations")
}

// TestWithdrawalE2E: withdrawing the processing consent deletes the
// account after the grace (the server's clock moved through
// AKTE_TEST_CLOCK_FILE), and giving it again before undoes that; the
// consent evidence stays after the deletion. With a grace of 0 the
// deletion is at once.
func TestWithdrawalE2E(t *testing.T) {
	t.Parallel()
	clock := filepath.Join(t.TempDir(), "clock")
	setClock := func(d time.Duration) {
		if err := os.WriteFile(clock, []byte(d.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	setClock(0)
	// Mails go to an SMTP server: the development outbox would keep the
	// address under the data directory.
	srv := smtpServer(t, "AKTE_TEST_CLOCK_FILE="+clock, "AKTE_SESSION_IDLE=2400h", "AKTE_SESSION_MAX=2400h")
	dora := newUser(t, srv, "dora-withdraws@example.org")
	dora.register(testKVNR)
	dora.login()
	f := filepath.Join(t.TempDir(), "befund.pdf")
	writeRandom(t, f, 300<<10, 5)
	dora.upload(f, "--category", "findings", "--title", "Befund")

	l := dora.ledger()
	var w wire.ConsentLedger
	dora.okJSON(&w, "consent", "withdraw", "processing", "--yes")
	if w.DeleteAt == nil || w.DeleteAt.Sub(stateOf(w, "processing").At) != 7*24*time.Hour {
		t.Fatalf("withdrawal: %+v", w)
	}
	if r := stateOf(w, "processing"); r.Decision != "withdrawn" || r.Hash != stateOf(l, "processing").Hash {
		t.Errorf("withdrawal record: %+v", r)
	}
	noSession := []string{"AKTE_SESSION="}
	setClock(3 * 24 * time.Hour)
	// Undo: the consent given again.
	var g wire.ConsentLedger
	if out, errs, code := dora.run("", noSession, "consent", "give", "processing", "--yes", "--json"); code != 0 || jsonUnmarshal(out, &g) != nil || g.DeleteAt != nil {
		t.Fatalf("give again: %d %s %s", code, out, errs)
	}
	// Withdrawn again; the grace runs from now.
	if out, errs, code := dora.run("", noSession, "consent", "withdraw", "processing", "--yes", "--json"); code != 0 || jsonUnmarshal(out, &w) != nil || w.DeleteAt == nil {
		t.Fatalf("withdraw again: %d %s %s", code, out, errs)
	}
	setClock(9 * 24 * time.Hour)
	time.Sleep(2 * time.Second)
	if len(srv.blobs("records/"+dora.Account+"/")) == 0 {
		t.Fatal("dora's blobs are gone during the grace")
	}
	setClock(10*24*time.Hour + time.Minute)
	for deadline := time.Now().Add(45 * time.Second); len(srv.blobs("records/"+dora.Account+"/")) > 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("dora's blobs are still there after the grace")
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, _, code := dora.run("", noSession, "ls"); code != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("dora still lists her record after the deletion")
		}
	}
	srv.stop()
	email, evidence := 0, 0
	srv.atRest(func(name string, b []byte) {
		if bytes.Contains(b, []byte(dora.Email)) {
			t.Logf("%s holds dora's address", name)
			email++
		}
		if bytes.Contains(b, []byte(dora.Account)) {
			evidence++
		}
	})
	if email != 0 {
		t.Error("dora's address is still at rest")
	}
	if evidence == 0 {
		t.Error("the consent evidence (dora's ledger) is gone with the account")
	}

	// Grace 0: at once.
	srv0 := startServer(t, "", nil, "AKTE_WITHDRAWAL_GRACE=0s")
	eve := newUser(t, srv0, "eve-at-once@example.org")
	eve.register(testKVNR)
	eve.login()
	eve.ok("consent", "withdraw", "processing", "--yes")
	if _, _, code := eve.run("", nil, "ls"); code == 0 {
		t.Error("eve lists her record after a withdrawal with grace 0")
	}
}
