package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/akte/akte/client"
	"github.com/akte/akte/donation"
	"github.com/akte/akte/internal/fhirschema"
)

// Fixtures of the four donated categories, each with a marker in every
// place the extract must not carry: names, identifiers, lot numbers, notes
// and other free text.
func donationFixtures(marker string) map[string]string {
	return map[string]string{
		"vaccinations": immunization(daysAgo(400), "LOT"+marker, 1),
		"child-exams": `{"resourceType": "Procedure", "status": "completed",
  "code": {"coding": [{"system": "urn:akte:checkup", "code": "U3", "display": "U3 ` + marker + `"}], "text": "Kinderarzt ` + marker + `"},
  "subject": {"reference": "Patient/p1", "display": "Max Mustermann"},
  "performedDateTime": "` + daysAgo(300) + `",
  "performer": [{"actor": {"display": "Dr. Kinderarzt ` + marker + `"}}],
  "note": [{"text": "Freitext ` + marker + `"}]}`,
		"dental": `{"resourceType": "Procedure", "status": "completed",
  "code": {"coding": [{"system": "urn:akte:checkup", "code": "dental"}]},
  "subject": {"reference": "Patient/p1"},
  "performedDateTime": "` + daysAgo(200) + `",
  "identifier": [{"system": "urn:praxis", "value": "ID` + marker + `"}],
  "note": [{"text": "Zahn ` + marker + `"}]}`,
		"maternity": `{"resourceType": "Observation", "status": "final",
  "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}], "text": "Gewicht ` + marker + `"},
  "subject": {"reference": "Patient/p1"},
  "effectiveDateTime": "` + daysAgo(100) + `",
  "valueQuantity": {"value": 68.5, "unit": "kg ` + marker + `", "system": "http://unitsofmeasure.org", "code": "kg"},
  "note": [{"text": "Mutterpass ` + marker + `"}]}`,
	}
}

// codeOf is the one code of each fixture that the extract keeps.
var donationCodes = map[string]string{"vaccinations": "J07AM51", "child-exams": `"U3"`, "dental": `"dental"`, "maternity": "29463-7"}

// sinkFiles returns the extracts in the sink directory, by name.
func sinkFiles(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("a temporary file stayed in the sink: %s", e.Name())
			continue
		}
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

// openExtract decrypts a sink's file with its identity, checks it against
// the FHIR R4 schema (if node is there) and that it holds none of the
// forbidden strings, and returns it.
func openExtract(t *testing.T, id *age.X25519Identity, ct []byte, v *fhirschema.Validator, forbidden []string) string {
	t.Helper()
	if !bytes.HasPrefix(ct, []byte(donation.Header)) {
		t.Fatalf("the sink got no age file: %.40q", ct)
	}
	r, err := age.Decrypt(bytes.NewReader(ct), id)
	if err != nil {
		t.Fatalf("decrypt with the sink's identity: %v", err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil {
		if err := v.Validate(b); err != nil {
			t.Errorf("extract against the FHIR R4 schema: %v\n%s", err, b)
		}
	}
	for _, f := range forbidden {
		if bytes.Contains(b, []byte(f)) {
			t.Errorf("the extract holds %q:\n%s", f, b)
		}
	}
	var bundle struct {
		ResourceType string `json:"resourceType"`
		Type         string `json:"type"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil || bundle.ResourceType != "Bundle" || bundle.Type != "collection" {
		t.Fatalf("extract is no collection Bundle (%v):\n%s", err, b)
	}
	return string(b)
}

func schema(t *testing.T) *fhirschema.Validator {
	if os.Getenv(fhirschema.RequiredEnv) == "" {
		if _, err := os.Stat("../../internal/fhirschema/node_modules/ajv"); err != nil {
			t.Log("FHIR schema validation skipped: internal/fhirschema/node_modules missing (make test runs it)")
			return nil
		}
	}
	return fhirschema.New(t)
}

// TestDonationE2E: the research data donation with the real binary and a
// directory sink. Opt in per category (consent text, fingerprint), send,
// decrypt with the sink's identity: a valid FHIR R4 Bundle without names,
// KVNR, lot numbers or free text, the birth year only, the same pseudonym
// every time; each category's withdrawal (and a withdrawal in the ledger
// alone) stops its donation at once, also on the server; the server keeps
// no plaintext; a changed recipient is refused until confirmed.
func TestDonationE2E(t *testing.T) {
	t.Parallel()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	sink := t.TempDir()
	args := []string{"--donation-sink", sink, "--donation-recipient", id.Recipient().String(), "--limit-donations", "100"}
	srv := startServer(t, "", args)
	anna := newUser(t, srv, "anna-donation@example.org")
	anna.register(testKVNR)
	anna.login()

	var ls client.DonationStatus
	anna.okJSON(&ls, "donate", "ls")
	fp := donation.Fingerprint(id.Recipient().String())
	if !ls.Offered || ls.Fingerprint != fp || ls.Pinned != "" || len(ls.Categories) != 4 {
		t.Fatalf("donate ls: %+v", ls)
	}
	if msg := anna.fails("donate", "send"); !says(msg, "donation_nothing_on", nil) {
		t.Errorf("send with nothing on: %s", msg)
	}
	marker := "QX7" + fmt.Sprint(time.Now().UnixNano()%100000)
	fix := donationFixtures(marker)
	for cat, res := range fix {
		if _, errs, code := anna.run(res, nil, "entry", "add", "-", "--category", cat); code != 0 {
			t.Fatalf("entry add %s: %s", cat, errs)
		}
	}
	// A refusal records nothing.
	if out, _, code := anna.run("n\n", nil, "donate", "on", "vaccinations"); code == 0 || !strings.Contains(out, "Datenspende") || !strings.Contains(out, fp) {
		t.Errorf("donate on, refused: exit %d\n%s", code, out)
	}
	if r := stateOf(anna.ledger(), "donation-vaccinations"); r != nil {
		t.Errorf("a refusal was recorded: %+v", r)
	}
	for _, cat := range donation.Categories() {
		var on map[string]any
		anna.okJSON(&on, "donate", "on", cat, "--yes")
		if on["fingerprint"] != fp {
			t.Errorf("donate on %s: %v", cat, on)
		}
	}
	forbidden := []string{marker, "Musterfrau", "Mustermann", "Mustervax", testKVNR, "123456667", "1980-04-01", "Patient/p1", "Notiz", "Freitext"}
	v := schema(t)
	send := func() (client.DonationSent, string) {
		t.Helper()
		before := sinkFiles(t, sink)
		var sent client.DonationSent
		anna.okJSON(&sent, "donate", "send")
		var added []string
		for _, f := range sinkFiles(t, sink) {
			if !slices.Contains(before, f) {
				added = append(added, f)
			}
		}
		if len(added) != 1 {
			t.Fatalf("sink got %v", added)
		}
		ct, err := os.ReadFile(filepath.Join(sink, added[0]))
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != sent.Bytes {
			t.Errorf("sink file %d bytes, send said %d", len(ct), sent.Bytes)
		}
		// The file name is the sink's own (time and random), never the
		// pseudonym.
		if strings.Contains(added[0], sent.Pseudonym) {
			t.Errorf("file name %s names the pseudonym", added[0])
		}
		return sent, openExtract(t, id, ct, v, forbidden)
	}
	sent, ex := send()
	if len(sent.Categories) != 4 || sent.Resources["Immunization"] != 1 || sent.Resources["Procedure"] != 2 || sent.Resources["Observation"] != 1 {
		t.Errorf("first donation: %+v", sent)
	}
	for cat, code := range donationCodes {
		if !strings.Contains(ex, code) {
			t.Errorf("extract lacks %s (%s):\n%s", cat, code, ex)
		}
	}
	if !strings.Contains(ex, `"birthDate":"1980"`) || !strings.Contains(ex, `"id":"`+sent.Pseudonym+`"`) || !strings.Contains(ex, daysAgo(400)[:7]) {
		t.Errorf("extract lacks the birth year, the pseudonym or the month:\n%s", ex)
	}
	sent2, _ := send()
	if sent2.Pseudonym != sent.Pseudonym || len(sent.Pseudonym) != 32 {
		t.Errorf("pseudonym %q, then %q", sent.Pseudonym, sent2.Pseudonym)
	}

	// The server refuses a category whose consent is withdrawn, whatever a
	// client sends (a test per category follows).
	token := anna.state().Token
	post := func(cats string, body []byte) int {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/account/donations?categories="+cats, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post("vaccinations", []byte(`{"resourceType":"Bundle"}`)); c != http.StatusBadRequest {
		t.Errorf("plaintext relayed: %d", c)
	}
	sealed, err := donation.Seal([]byte("{}"), id.Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	if c := post("vaccinations", append(sealed, bytes.Repeat([]byte{0}, donation.MaxExtract)...)); c != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: %d", c)
	}

	// Each category's withdrawal stops it at once: the next extract has
	// none of it, and the server refuses it.
	left := donation.Categories()
	for i, cat := range donation.Categories() {
		n := len(sinkFiles(t, sink))
		if i == 0 {
			// In the ledger alone (akte consent withdraw): the profile
			// still says on, the client believes the ledger.
			anna.ok("consent", "withdraw", donation.TextID(cat), "--yes")
		} else {
			anna.ok("donate", "off", cat)
		}
		left = left[1:]
		if c := post(cat, sealed); c != http.StatusForbidden {
			t.Errorf("%s withdrawn: the server relayed it (%d)", cat, c)
		}
		if len(left) == 0 {
			if msg := anna.fails("donate", "send"); !says(msg, "donation_nothing_on", nil) {
				t.Errorf("send with all withdrawn: %s", msg)
			}
			if len(sinkFiles(t, sink)) != n {
				t.Errorf("something was relayed with every category withdrawn")
			}
			break
		}
		s, ex := send()
		if slices.Contains(s.Categories, cat) || strings.Contains(ex, donationCodes[cat]) || strings.Contains(ex, `"code":"`+cat+`"`) {
			t.Errorf("%s withdrawn but donated: %+v\n%s", cat, s, ex)
		}
		var ls client.DonationStatus
		anna.okJSON(&ls, "donate", "ls")
		for _, r := range ls.Categories {
			if r.On != slices.Contains(left, r.Category) {
				t.Errorf("after %s off: %+v", cat, r)
			}
		}
	}

	// The protocol names the donation's events by their codes.
	out := anna.ok("audit", "--json")
	for _, op := range []string{"donation.consent_give", "donation.consent_withdraw", "donation.relay"} {
		if !strings.Contains(out, op) {
			t.Errorf("protocol lacks %s", op)
		}
	}

	// The server changes the recipient: refused until the patient
	// confirms the new fingerprint.
	anna.ok("donate", "on", "dental", "--yes")
	srv.stop()
	// Nothing of an extract is in the server's data (database, blobs,
	// logs), in any form.
	srv.atRest(func(path string, b []byte) {
		for _, m := range []string{marker, sent.Pseudonym, donation.Profile, "J07AM51", "29463-7"} {
			if bytes.Contains(b, []byte(m)) {
				t.Errorf("%s contains %q", path, m)
			}
		}
	})
	id2, _ := age.GenerateX25519Identity()
	srv2 := startServer(t, srv.Data, []string{"--donation-sink", sink, "--donation-recipient", id2.Recipient().String(), "--limit-donations", "100"})
	anna.srv = srv2
	anna.login()
	fp2 := donation.Fingerprint(id2.Recipient().String())
	before := sinkFiles(t, sink)
	if msg := anna.fails("donate", "send"); !says(msg, "donation_recipient_changed", map[string]any{"pinned": fp, "offered": fp2}) {
		t.Errorf("send to a changed recipient: %s", msg)
	}
	if msg := anna.fails("donate", "on", "maternity", "--yes"); !says(msg, "donation_recipient_changed", nil) {
		t.Errorf("opt in with a changed recipient: %s", msg)
	}
	if r := stateOf(anna.ledger(), "donation-maternity"); r == nil || r.Decision != "withdrawn" {
		t.Errorf("an opt-in to a changed recipient was recorded: %+v", r)
	}
	if msg := anna.fails("donate", "send", "--accept-recipient", fp); !says(msg, "donation_recipient_changed", nil) {
		t.Errorf("send confirming the old fingerprint: %s", msg)
	}
	if len(sinkFiles(t, sink)) != len(before) {
		t.Fatal("relayed to a recipient the patient did not confirm")
	}
	var s3 client.DonationSent
	anna.okJSON(&s3, "donate", "send", "--accept-recipient", strings.ToUpper(fp2))
	var ct []byte
	for _, f := range sinkFiles(t, sink) {
		if !slices.Contains(before, f) {
			ct, _ = os.ReadFile(filepath.Join(sink, f))
		}
	}
	openExtract(t, id2, ct, v, forbidden)
	if s3.Pseudonym == sent.Pseudonym {
		t.Error("one pseudonym at two sinks: they could be linked")
	}
	anna.okJSON(&ls, "donate", "ls")
	if ls.Changed || ls.Pinned != fp2 {
		t.Errorf("after confirming: %+v", ls)
	}
}

// TestDonationHTTPS: the HTTPS sink gets the ciphertext by POST from the
// server's queue (TLS checked against --donation-sink-ca), retried after
// a failure.
func TestDonationHTTPS(t *testing.T) {
	t.Parallel()
	id, _ := age.GenerateX25519Identity()
	got := make(chan []byte, 4)
	fails := 1
	sinkSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.Header.Get("Content-Type") != "application/octet-stream" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if fails > 0 {
			fails--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		got <- b
		w.WriteHeader(http.StatusNoContent)
	}))
	defer sinkSrv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	cert := sinkSrv.TLS.Certificates[0]
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = tls.VersionTLS12
	srv := startServer(t, "", []string{"--donation-sink", sinkSrv.URL + "/donations", "--donation-recipient", id.Recipient().String(), "--donation-sink-ca", ca, "--limit-donations", "1"})
	ben := newUser(t, srv, "ben-donation@example.org")
	ben.register(testKVNR)
	ben.login()
	marker := "HX9" + fmt.Sprint(time.Now().UnixNano()%100000)
	if _, errs, code := ben.run(donationFixtures(marker)["vaccinations"], nil, "entry", "add", "-"); code != 0 {
		t.Fatal(errs)
	}
	ben.ok("donate", "on", "vaccinations", "--yes")
	var sent client.DonationSent
	ben.okJSON(&sent, "donate", "send")
	select {
	case ct := <-got:
		ex := openExtract(t, id, ct, schema(t), []string{marker, "Musterfrau", "Mustervax", testKVNR, "123456667"})
		if !strings.Contains(ex, "J07AM51") || len(ct) != sent.Bytes {
			t.Errorf("extract (%d bytes, sent %d):\n%s", len(ct), sent.Bytes, ex)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the HTTPS sink got nothing")
	}
	// The route is rate-limited per account (here 1 an hour).
	if msg := ben.fails("donate", "send"); !says(msg, "rate_limited", nil) && !says(msg, "rate_limited_wait", nil) {
		t.Errorf("second send within the limit: %s", msg)
	}
	ben.ok("donate", "off", "vaccinations")
	if msg := ben.fails("donate", "send"); !says(msg, "donation_nothing_on", nil) {
		t.Errorf("send after off: %s", msg)
	}
}

// TestDonationNotOffered: without a sink the server offers nothing and
// the client says so.
func TestDonationNotOffered(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	c := newUser(t, srv, "cora-donation@example.org")
	c.register(testKVNR)
	c.login()
	if msg := c.fails("donate", "on", "dental", "--yes"); !says(msg, "donation_not_offered", nil) {
		t.Errorf("donate on without a sink: %s", msg)
	}
	if r := stateOf(c.ledger(), "donation-dental"); r != nil {
		t.Errorf("recorded without an offer: %+v", r)
	}
}
