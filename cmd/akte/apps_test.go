package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"zombiezen.com/go/sqlite"
	"zombiezen.com/go/sqlite/sqlitex"

	"github.com/akte/akte/wire"
)

// registerParty has an operator register an app or an insurer and returns
// its credential and id.
func registerParty(t *testing.T, srv *server, kind, name string) (cred, id string) {
	t.Helper()
	admin := newUser(t, srv, "ops@example.org")
	var reg wire.PartyRegistration
	admin.okJSON(&reg, append([]string{"admin", kind, "register", "--name", name, "--operator", "test"}, srv.adminArgs()...)...)
	if reg.Credential == "" || reg.ID == "" || reg.Kind != kind {
		t.Fatalf("admin %s register: %+v", kind, reg)
	}
	return reg.Credential, reg.ID
}

// partyUser is the client installation of an app or insurer: its own
// home, the credential in AKTE_CREDENTIAL.
func partyUser(t *testing.T, srv *server, cred string) *user {
	u := newUser(t, srv, "party@example.org")
	u.Env = []string{"AKTE_CREDENTIAL=" + cred}
	return u
}

// fhirBundle and pdfFile write a pushed file holding marker.
func fhirBundle(t *testing.T, dir, marker string) string {
	p := filepath.Join(dir, "messwerte.json")
	os.WriteFile(p, []byte(`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation","status":"final","code":{"text":"`+marker+`"},"valueQuantity":{"value":104,"unit":"mg/dL"}}}]}`), 0o600)
	return p
}

func pdfFile(t *testing.T, dir, marker string) string {
	p := filepath.Join(dir, "bericht.pdf")
	os.WriteFile(p, []byte("%PDF-1.4\n% "+strings.Repeat(marker+"\n", 500)+"%%EOF\n"), 0o600)
	return p
}

// countRows counts the rows of a table matching where, in the server's
// database (SQLite, or PostgreSQL with AKTE_TEST_BACKEND=postgres-s3).
func (s *server) countRows(table, where string) int {
	s.t.Helper()
	q := "SELECT count(*) FROM " + table + " WHERE " + where
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if s.remote != nil {
		c, err := pgx.Connect(ctx, s.remote.DB)
		if err != nil {
			s.t.Fatal(err)
		}
		defer c.Close(ctx)
		var n int
		if err := c.QueryRow(ctx, q).Scan(&n); err != nil {
			s.t.Fatal(err)
		}
		return n
	}
	c, err := sqlite.OpenConn(filepath.Join(s.Data, "akte.db"), sqlite.OpenReadOnly)
	if err != nil {
		s.t.Fatal(err)
	}
	defer c.Close()
	c.SetBusyTimeout(30 * time.Second)
	n := -1
	if err := sqlitex.ExecuteTransient(c, q, &sqlitex.ExecOptions{ResultFunc: func(st *sqlite.Stmt) error {
		n = st.ColumnInt(0)
		return nil
	}}); err != nil {
		s.t.Fatal(err)
	}
	return n
}

// status sends a request with a bearer token and returns the status.
func status(t *testing.T, method, url, token string) int {
	t.Helper()
	var body io.Reader
	if method != "GET" && method != "DELETE" {
		body = strings.NewReader("{}")
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, url, body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestAppsE2E: issue 15 item 4 with the real binary. The operator
// registers an app; the patient connects it (consent screen, record
// fingerprint); the app seals only to the record key it verified (no
// fingerprint, a wrong one: refused), pushes a FHIR bundle and a PDF, and
// gets 403/404 on every read and list; the patient reads both while they
// wait in the inbox, files them at the next login, and then a provider
// with the apps category reads them. Disconnected, the app adds nothing.
func TestAppsE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	pat := newUser(t, srv, "patientin-apps@example.org")
	pat.register(kvnrs(3)[2])
	pat.login()
	rid := pat.state().RecordID
	cred, appID := registerParty(t, srv, "app", "Zucker-Tagebuch")

	var apps []wire.App
	pat.okJSON(&apps, "app", "ls")
	if len(apps) != 1 || apps[0].ID != appID || apps[0].Connected || apps[0].Category != "apps" {
		t.Fatalf("app ls before connecting: %+v", apps)
	}
	// Without --yes and without a terminal, nothing is connected.
	_, consent, code := pat.run("", nil, "app", "connect", appID)
	if code == 0 || !strings.Contains(consent, "Zucker-Tagebuch") || !strings.Contains(consent, "akte app disconnect "+appID) {
		t.Fatalf("connect without confirmation: %d %s", code, consent)
	}
	var conn struct {
		App               wire.App `json:"app"`
		RecordID          string   `json:"record_id"`
		RecordFingerprint string   `json:"record_fingerprint"`
	}
	pat.okJSON(&conn, "app", "connect", appID, "--yes")
	if !conn.App.Connected || conn.RecordID != rid || len(conn.RecordFingerprint) != 39 {
		t.Fatalf("connect: %+v", conn)
	}

	app := partyUser(t, srv, cred)
	dir := t.TempDir()
	const marker = "APP-MARKER-Nuechternglukose-77a1"
	bundle, pdf := fhirBundle(t, dir, marker), pdfFile(t, dir, marker)
	if msg := app.fails("push", bundle, "--record", rid); !says(msg, "record_key_unverified", nil) {
		t.Errorf("push without a verified key: %s", msg)
	}
	if msg := app.fails("push", bundle, "--record", rid, "--fingerprint", strings.Repeat("abcd ", 7)+"abcd"); !says(msg, "record_key_mismatch", nil) {
		t.Errorf("push with another fingerprint: %s", msg)
	}
	txt := filepath.Join(dir, "notiz.txt")
	os.WriteFile(txt, []byte("keine Struktur"), 0o600)
	if msg := app.fails("push", txt, "--record", rid, "--fingerprint", conn.RecordFingerprint); !says(msg, "push_file_type", nil) {
		t.Errorf("push of a text file: %s", msg)
	}
	var pushed struct {
		ID       string `json:"id"`
		Category string `json:"category"`
	}
	app.okJSON(&pushed, "push", bundle, "--record", rid, "--fingerprint", conn.RecordFingerprint)
	idBundle := pushed.ID
	app.okJSON(&pushed, "push", pdf, "--record", rid) // pinned now
	idPDF := pushed.ID
	if pushed.Category != "apps" {
		t.Errorf("pushed into %q", pushed.Category)
	}
	if msg := app.fails("push", pdf, "--record", rid, "--category", "findings"); msg == "" {
		t.Error("push into findings succeeded")
	}
	// A substituted record key is refused: the pin of this record is
	// another key than the server now gives.
	pins := filepath.Join(app.Home, "pins.json")
	b, _ := os.ReadFile(pins)
	os.WriteFile(pins, []byte(`{"record_keys":{"`+rid+`":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}`), 0o600)
	if msg := app.fails("push", pdf, "--record", rid); !says(msg, "record_key_changed", nil) {
		t.Errorf("push with a changed key: %s", msg)
	}
	os.WriteFile(pins, b, 0o600)

	// The app reads and lists nothing, not even what it added.
	base := srv.URL + "/api/v1/records/" + rid
	for _, r := range []string{"GET " + base, "GET " + base + "/manifest", "GET " + base + "/items", "GET " + base + "/items/" + idBundle,
		"GET " + base + "/items/" + idBundle + "/content", "GET " + base + "/uploads/" + idPDF, "GET " + base + "/grants", "GET " + base + "/apps",
		"GET " + base + "/representatives", "GET " + base + "/hidings", "GET " + base + "/blocks", "GET " + srv.URL + "/api/v1/records",
		"GET " + srv.URL + "/api/v1/account", "GET " + srv.URL + "/api/v1/account/audit", "PUT " + base + "/apps/" + appID, "DELETE " + base + "/items/" + idPDF} {
		method, url, _ := strings.Cut(r, " ")
		if st := status(t, method, url, cred); st != http.StatusForbidden && st != http.StatusNotFound {
			t.Errorf("%s with the app's credential: %d", r, st)
		}
	}

	// The patient sees and opens both while they wait in the inbox.
	items := pat.ls()
	if got := ids(items); !slices.Contains(got, idBundle) || !slices.Contains(got, idPDF) {
		t.Fatalf("the patient lists %v", got)
	}
	for id, p := range map[string]string{idBundle: bundle, idPDF: pdf} {
		want, _ := os.ReadFile(p)
		if out := pat.ok("get", id, "-o", "-"); out != string(want) {
			t.Errorf("the patient's download of %s differs", id)
		}
		if it := pat.ownerItem(t.Context(), id); it.KeyVersion != 0 {
			t.Errorf("%s before the login: key version %d", id, it.KeyVersion)
		}
	}
	// Filed at the next login: under the category key, which a grant of
	// the category carries.
	var login struct {
		InboxFiled int `json:"inbox_filed"`
	}
	pat.okJSON(&login, "login", "--email", pat.Email, "--totp", pat.code())
	pat.Session = ""
	if login.InboxFiled != 2 {
		t.Errorf("inbox filed: %d", login.InboxFiled)
	}
	for _, id := range []string{idBundle, idPDF} {
		if it := pat.ownerItem(t.Context(), id); it.KeyVersion == 0 {
			t.Errorf("%s after the login is still in the inbox", id)
		}
	}
	dr := newUser(t, srv, "diabetologie@example.org")
	dr.verifiedProvider("Diabetologische Praxis", "1-20000077")
	dr.login()
	pat.ok("grant", "add", "--provider", dr.Account, "--category", "apps")
	want, _ := os.ReadFile(bundle)
	if out := dr.ok("get", idBundle, "--record", rid, "-o", "-"); out != string(want) {
		t.Error("the provider's download of the app's bundle differs")
	}

	// Disconnected: the app adds nothing more; what it added stays.
	pat.ok("app", "disconnect", appID)
	if msg := app.fails("push", pdf, "--record", rid); !says(msg, "record_not_found", nil) {
		t.Errorf("push after disconnecting: %s", msg)
	}
	if got := ids(pat.ls()); len(got) != 2 {
		t.Errorf("after disconnecting the patient lists %v", got)
	}
	// The protocol names the app as the actor of its pushes.
	var push, connect, disconnect, filed bool
	for _, e := range pat.auditRows() {
		op, role, actor := fmt.Sprint(e["operation"]), fmt.Sprint(e["actor_role"]), fmt.Sprint(e["actor_id"])
		push = push || (op == "app.push" && role == "app" && actor == appID)
		connect = connect || op == "app.connect"
		disconnect = disconnect || op == "app.disconnect"
		filed = filed || op == "item.file"
	}
	if t.Failed() {
		t.Log(pat.auditRows())
	}
	if !push || !connect || !disconnect || !filed {
		t.Errorf("protocol: push %v connect %v disconnect %v filed %v", push, connect, disconnect, filed)
	}
}

// codeOf reads the activation code out of the letter.
func codeOf(t *testing.T, letter string) string {
	t.Helper()
	out, err := exec.Command("pdftotext", letter, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	c := regexp.MustCompile(`[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}`).FindString(string(out))
	if c == "" {
		t.Fatalf("no code in the letter:\n%s", out)
	}
	return c
}

// TestInsurerE2E: issue 15 item 5. An insurer opens a record; the letter
// renders (pdftoppm) and its code activates the account once, with the
// KVNR verified and the insurer linked; wrong KVNRs and used codes are
// answered alike; the insurer pushes billing data the insured reads, and
// reads nothing; a shell never activated is gone after 4 weeks.
func TestInsurerE2E(t *testing.T) {
	t.Parallel()
	clock := filepath.Join(t.TempDir(), "clock")
	os.WriteFile(clock, []byte("0s"), 0o600)
	srv := startServer(t, "", nil, "AKTE_TEST_CLOCK_FILE="+clock, "AKTE_SESSION_IDLE=2400h", "AKTE_SESSION_MAX=2400h")
	cred, insID := registerParty(t, srv, "insurer", "Musterkasse")
	ins := partyUser(t, srv, cred)
	ks := kvnrs(6)
	dir := t.TempDir()
	letter := filepath.Join(dir, "brief.pdf")
	var opened struct {
		ActivationID string    `json:"activation_id"`
		ExpiresAt    time.Time `json:"expires_at"`
	}
	ins.okJSON(&opened, "insurer", "open-record", "--kvnr", ks[4], "--birthdate", "1961-07-14", "--letter", letter, "--insurer-name", "Musterkasse")
	if opened.ActivationID == "" || opened.ExpiresAt.IsZero() {
		t.Fatalf("open-record: %+v", opened)
	}
	if out, err := exec.Command("pdftoppm", "-r", "50", "-png", letter, filepath.Join(dir, "brief")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "brief-1.png")); err != nil {
		t.Fatal(err)
	}
	code := codeOf(t, letter)
	if out, _ := exec.Command("pdftotext", letter, "-").Output(); !bytes.Contains(out, []byte(ks[4])) || !bytes.Contains(out, []byte("14.07.1961")) {
		t.Errorf("the letter lacks the KVNR or birth date:\n%s", out)
	}
	// A patient's session and the insurer's credential for an app's work:
	// the insurer opens records, nobody else does.
	pat := newUser(t, srv, "jemand@example.org")
	pat.register(ks[0])
	pat.login()
	if st := status(t, "POST", srv.URL+"/api/v1/insurer/records", pat.state().Token); st != http.StatusForbidden {
		t.Errorf("a patient opens a record: %d", st)
	}

	insured := newUser(t, srv, "versicherter@example.org")
	// The wrong KVNR with the right code, and a made-up code: alike.
	for _, args := range [][]string{{"--kvnr", ks[5], "--code", code}, {"--kvnr", ks[4], "--code", "AAAA-BBBB-CCCC"}} {
		if msg := insured.fails(append([]string{"activate", "--accept", "--email", insured.Email}, args...)...); !says(msg, "activation_code_invalid", nil) {
			t.Errorf("activate %v: %s", args, msg)
		}
	}
	var res struct {
		AccountID   string `json:"account_id"`
		RecoveryKey string `json:"recovery_key"`
		TOTPSecret  string `json:"totp_secret"`
	}
	insured.okJSON(&res, "activate", "--accept", "--kvnr", strings.ToLower(ks[4]), "--code", strings.ToLower(code), "--email", insured.Email)
	if res.RecoveryKey == "" || res.TOTPSecret == "" {
		t.Fatalf("activate: %+v", res)
	}
	insured.Account, insured.Recovery, insured.TOTP = res.AccountID, res.RecoveryKey, res.TOTPSecret
	insured.ok("verify-email", "--code", srv.mailCode(insured.Email, "Bestätigen"))
	insured.login()
	// The usage data for billing name the insurer (decision 0047).
	var usage []usageRow
	insured.okJSON(&usage, append([]string{"admin", "usage"}, srv.adminArgs()...)...)
	if !slices.ContainsFunc(usage, func(u usageRow) bool { return u.AccountID == insured.Account && u.Insurer == "Musterkasse" }) {
		t.Errorf("usage data without the insurer: %+v", usage)
	}
	again := newUser(t, srv, "zweiter@example.org")
	if msg := again.fails("activate", "--accept", "--kvnr", ks[4], "--code", code, "--email", again.Email); !says(msg, "activation_code_invalid", nil) {
		t.Errorf("the code a second time: %s", msg)
	}
	var acc struct {
		KVNR         string `json:"kvnr"`
		BirthDate    string `json:"birth_date"`
		KVNRVerified bool   `json:"kvnr_verified"`
	}
	insured.okJSON(&acc, "whoami")
	if acc.KVNR != ks[4] || acc.BirthDate != "1961-07-14" || !acc.KVNRVerified {
		t.Errorf("the activated account: %+v", acc)
	}

	// The insurer is linked to the record: it adds billing data, sealed to
	// the key whose fingerprint the insured tells it.
	var apps []wire.App
	insured.okJSON(&apps, "app", "ls")
	if len(apps) != 1 || apps[0].ID != insID || !apps[0].Connected || apps[0].Category != "billing" {
		t.Fatalf("the insured's apps: %+v", apps)
	}
	rid := insured.state().RecordID
	var fp struct {
		RecordFingerprint string `json:"record_fingerprint"`
	}
	insured.okJSON(&fp, "app", "fingerprint")
	bill := pdfFile(t, dir, "QUITTUNG-MARKER-Quartal-3")
	var pushed struct{ ID, Category string }
	ins.okJSON(&pushed, "push", bill, "--record", rid, "--fingerprint", fp.RecordFingerprint)
	if pushed.Category != "billing" {
		t.Errorf("the insurer pushed into %q", pushed.Category)
	}
	want, _ := os.ReadFile(bill)
	if out := insured.ok("get", pushed.ID, "-o", "-"); out != string(want) {
		t.Error("the insured's download of the billing data differs")
	}
	var pushedByInsurer, activated bool
	for _, e := range insured.auditRows() {
		pushedByInsurer = pushedByInsurer || (e["operation"] == "insurer.push" && e["actor_role"] == "insurer" && e["actor_id"] == insID)
		activated = activated || (e["operation"] == "account.activate" && e["actor_role"] == "patient")
	}
	if !pushedByInsurer || !activated {
		t.Errorf("the insured's protocol: insurer push %v, activation %v", pushedByInsurer, activated)
	}
	for _, r := range []string{"/api/v1/records/" + rid + "/items", "/api/v1/records/" + rid + "/items/" + pushed.ID + "/content", "/api/v1/records/" + rid} {
		if st := status(t, "GET", srv.URL+r, cred); st != http.StatusForbidden && st != http.StatusNotFound {
			t.Errorf("the insurer reads %s: %d", r, st)
		}
	}

	// A shell never activated is gone after 4 weeks.
	ins.okJSON(&opened, "insurer", "open-record", "--kvnr", ks[3], "--birthdate", "1990-01-02", "--letter", filepath.Join(dir, "zwei.pdf"))
	stale := codeOf(t, filepath.Join(dir, "zwei.pdf"))
	if n := srv.countRows("activations", "id = '"+opened.ActivationID+"'"); n != 1 {
		t.Fatalf("the shell: %d rows", n)
	}
	os.WriteFile(clock, []byte((28*24*time.Hour + time.Hour).String()), 0o600)
	for deadline := time.Now().Add(45 * time.Second); srv.countRows("activations", "id = '"+opened.ActivationID+"'") > 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the unused shell is still there after 4 weeks")
		}
	}
	if srv.countRows("activations", "used_at IS NOT NULL") != 1 {
		t.Error("the used shell went too")
	}
	late := newUser(t, srv, "spaet@example.org")
	late.Env = []string{"AKTE_TEST_CLOCK_FILE=" + clock}
	if msg := late.fails("activate", "--accept", "--kvnr", ks[3], "--code", stale, "--email", late.Email); !says(msg, "activation_code_invalid", nil) {
		t.Errorf("the expired code: %s", msg)
	}
}
