package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestDoctorsE2E: `akte doctors` needs its service; it lists the doctor of
// a Practitioner entry with the last of their visits (Encounter entries)
// of the last four years, leaves out a doctor seen only before, and
// searches without case.
func TestDoctorsE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "doctors@example.org")
	u.register(testKVNR)
	u.login()
	day := func(years, days int) string { return time.Now().AddDate(-years, 0, -days).Format(time.DateOnly) }
	add := func(json string) {
		t.Helper()
		if _, errs, code := u.run(json, nil, "entry", "add", "-"); code != 0 {
			t.Fatalf("entry add: %s\n%s", errs, json)
		}
	}
	add(`{"resourceType":"Practitioner","id":"musterfrau","identifier":[{"system":"https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR","value":"123456667"}],
		"name":[{"family":"Musterfrau","given":["Erika"],"prefix":["Dr. med."]}],"qualification":[{"code":{"text":"Allgemeinmedizin"}}]}`)
	encounter := func(date, participant string) string {
		return fmt.Sprintf(`{"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
			"participant":[{"individual":%s}],"period":{"start":%q}}`, participant, date)
	}
	add(encounter(day(0, 40), `{"reference":"Practitioner/musterfrau"}`))
	add(encounter(day(0, 2), `{"identifier":{"system":"https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR","value":"123456667"},"display":"Dr. Erika Musterfrau"}`))
	add(encounter(day(5, 0), `{"display":"Dr. Alt Vorbei"}`))

	if errs := u.fails("doctors"); !says(errs, "service_off", map[string]any{"service": "doctors"}) {
		t.Fatalf("doctors while off: %s", errs)
	}
	u.ok("services", "on", "doctors", "--yes")
	type doctor struct {
		Name      string `json:"name"`
		LANR      string `json:"lanr"`
		Specialty string `json:"specialty"`
		LastVisit string `json:"last_visit"`
		Visits    int    `json:"visits"`
	}
	var ds []doctor
	u.okJSON(&ds, "doctors", "--json")
	want := doctor{Name: "Dr. med. Erika Musterfrau", LANR: "123456667", Specialty: "Allgemeinmedizin", LastVisit: day(0, 2), Visits: 2}
	if len(ds) != 1 || ds[0] != want {
		t.Fatalf("doctors = %+v, want [%+v]", ds, want)
	}
	u.okJSON(&ds, "doctors", "ALLGEMEIN", "--json")
	if len(ds) != 1 {
		t.Errorf("search ALLGEMEIN: %+v", ds)
	}
	u.okJSON(&ds, "doctors", "zahnarzt", "--json")
	if len(ds) != 0 {
		t.Errorf("search zahnarzt: %+v", ds)
	}
	u.ok("services", "off", "doctors")
	if errs := u.fails("doctors"); !says(errs, "service_off", map[string]any{"service": "doctors"}) {
		t.Fatalf("doctors after off: %s", errs)
	}
}

// TestDoctorsBillingE2E: the insurer pushes billing data (a FHIR bundle,
// decision 0050) into the record of its insured; the insured's `akte
// doctors` lists those doctors with their last visit, leaves out a line
// older than four years, and searches them. Billing data the patient's
// client could not read are refused before they are pushed.
func TestDoctorsBillingE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	cred, _ := registerParty(t, srv, "insurer", "Musterkasse")
	ins := partyUser(t, srv, cred)
	dir := t.TempDir()
	kvnr := kvnrs(1)[0]
	letter := filepath.Join(dir, "brief.pdf")
	ins.ok("insurer", "open-record", "--kvnr", kvnr, "--birthdate", "1961-07-14", "--letter", letter)
	u := newUser(t, srv, "versichert@example.org")
	var res struct {
		AccountID   string `json:"account_id"`
		RecoveryKey string `json:"recovery_key"`
		TOTPSecret  string `json:"totp_secret"`
	}
	u.okJSON(&res, "activate", "--accept", "--kvnr", kvnr, "--code", codeOf(t, letter), "--email", u.Email)
	u.Account, u.Recovery, u.TOTP = res.AccountID, res.RecoveryKey, res.TOTPSecret
	u.ok("verify-email", "--code", srv.mailCode(u.Email, "Bestätigen"))
	u.login()
	var fp struct {
		RecordFingerprint string `json:"record_fingerprint"`
	}
	u.okJSON(&fp, "app", "fingerprint")
	rid := u.state().RecordID

	day := func(years, days int) string { return time.Now().AddDate(-years, 0, -days).Format(time.DateOnly) }
	encounter := func(date, individual string) string {
		return fmt.Sprintf(`{"resource":{"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
			"period":{"start":%q},"participant":[{"individual":%s}]}}`, date, individual)
	}
	write := func(name string, entries ...string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(`{"resourceType":"Bundle","type":"collection","entry":[`+strings.Join(entries, ",")+`]}`), 0o600)
		return p
	}
	// Nothing to read: refused at the insurer, nothing pushed.
	empty := write("leer.json", `{"resource":{"resourceType":"Practitioner","name":[{"text":"Dr. Ohne Besuch"}]}}`)
	if msg := ins.fails("push", empty, "--record", rid, "--fingerprint", fp.RecordFingerprint); !says(msg, "billing_no_lines", nil) {
		t.Errorf("billing data without a visit: %s", msg)
	}
	bill := write("abrechnung.json",
		`{"fullUrl":"urn:uuid:5b1f0c7e-0000-4000-8000-000000000001","resource":{"resourceType":"Practitioner",
			"identifier":[{"system":"https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR","value":"123456667"}],
			"name":[{"text":"Dr. med. Erika Musterfrau"}],"qualification":[{"code":{"text":"Allgemeinmedizin"}}]}}`,
		encounter(day(0, 10), `{"reference":"urn:uuid:5b1f0c7e-0000-4000-8000-000000000001"}`),
		encounter(day(1, 0), `{"reference":"urn:uuid:5b1f0c7e-0000-4000-8000-000000000001"}`),
		encounter(day(2, 3), `{"identifier":{"system":"https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR","value":"234567701"},"display":"Dr. Hanna Haut"}`),
		encounter(day(4, 2), `{"display":"Dr. Otto Alt"}`))
	var pushed struct{ Category string }
	ins.okJSON(&pushed, "push", bill, "--record", rid, "--fingerprint", fp.RecordFingerprint)
	if pushed.Category != "billing" {
		t.Fatalf("pushed into %q", pushed.Category)
	}
	// A receipt (PDF) in the same category is no billing data.
	ins.ok("push", pdfFile(t, dir, "QUITTUNG"), "--record", rid)

	if errs := u.fails("doctors"); !says(errs, "service_off", map[string]any{"service": "doctors"}) {
		t.Fatalf("doctors while off: %s", errs)
	}
	u.ok("services", "on", "doctors", "--yes")
	type doctor struct {
		Name      string   `json:"name"`
		LANR      string   `json:"lanr"`
		Specialty string   `json:"specialty"`
		LastVisit string   `json:"last_visit"`
		Visits    int      `json:"visits"`
		Sources   []string `json:"sources"`
	}
	var ds []doctor
	out, errs, code := u.run("", nil, "doctors", "--json")
	if code != 0 || strings.Contains(errs, "Warn") {
		t.Fatalf("doctors: %d %s", code, errs)
	}
	if err := json.Unmarshal([]byte(out), &ds); err != nil {
		t.Fatal(err)
	}
	want := []doctor{
		{Name: "Dr. med. Erika Musterfrau", LANR: "123456667", Specialty: "Allgemeinmedizin", LastVisit: day(0, 10), Visits: 2, Sources: []string{"billing"}},
		{Name: "Dr. Hanna Haut", LANR: "234567701", LastVisit: day(2, 3), Visits: 1, Sources: []string{"billing"}},
	}
	if !reflect.DeepEqual(ds, want) {
		t.Fatalf("doctors from billing data\n got %+v\nwant %+v", ds, want)
	}
	u.okJSON(&ds, "doctors", "haut", "--json")
	if len(ds) != 1 || ds[0].LANR != "234567701" {
		t.Errorf("search haut: %+v", ds)
	}
	if text := u.ok("doctors"); !strings.Contains(text, "Dr. Hanna Haut") || strings.Contains(text, "Otto Alt") {
		t.Errorf("doctors as text:\n%s", text)
	}
}
