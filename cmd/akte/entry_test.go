package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte/internal/fhirschema"
)

// immunization is a KBV MIO Impfpass shaped Immunization against tetanus
// and diphtheria on the day, with a marker in its lot number and note.
func immunization(day, lot string, dose int) string {
	return fmt.Sprintf(`{
  "resourceType": "Immunization",
  "meta": {"profile": ["https://fhir.kbv.de/StructureDefinition/KBV_PR_MIO_Vaccination_Record_Prime|1.1.0"]},
  "status": "completed",
  "vaccineCode": {"coding": [{"system": "http://fhir.de/CodeSystem/bfarm/atc", "code": "J07AM51"}], "text": "Td-Impfstoff Mustervax"},
  "patient": {"reference": "Patient/p1"},
  "occurrenceDateTime": %q,
  "primarySource": true,
  "lotNumber": %q,
  "performer": [{"actor": {"identifier": {"system": "https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR", "value": "123456667"}, "display": "Dr. med. Erika Musterfrau"}}],
  "note": [{"text": "Notiz %s"}],
  "protocolApplied": [{
    "targetDisease": [
      {"coding": [{"system": "http://snomed.info/sct", "code": "76902006", "display": "Tetanus"}]},
      {"coding": [{"system": "http://snomed.info/sct", "code": "397430003", "display": "Diphtheria"}]}
    ],
    "doseNumberPositiveInt": %d
  }]
}`, day, lot, lot, dose)
}

type statusRow struct {
	Target   string `json:"target"`
	Status   string `json:"status"`
	NextDate string `json:"next_date"`
	Reason   string `json:"reason"`
	Doses    int    `json:"doses"`
}

func statusOf(rows []statusRow, target string) statusRow {
	for _, r := range rows {
		if r.Target == target {
			return r
		}
	}
	return statusRow{}
}

func daysAgo(n int) string { return time.Now().AddDate(0, 0, -n).Format(time.DateOnly) }

// TestEntries drives structured entries, services and the vaccination
// status through the real binary: the status changes with the entries,
// an edit keeps the earlier version, rm deletes the whole entry, bad
// entries are refused with their reason and leave nothing behind, and
// the database holds no plaintext of an entry.
func TestEntries(t *testing.T) {
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "entries@example.org")
	u.register(testKVNR) // born 1980-04-01
	u.login()
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o600)
		return p
	}

	// Services: all listed, all off; the status needs the service.
	var services []struct {
		Name      string `json:"name"`
		On        bool   `json:"on"`
		Available bool   `json:"available"`
	}
	u.okJSON(&services, "services", "ls")
	if len(services) != 5 || services[0].Name != "vaccinations" || services[0].On || !services[1].Available || !services[2].Available || !services[3].Available || !services[4].Available {
		t.Fatalf("services ls = %+v", services)
	}
	if errs := u.fails("vaccinations"); !says(errs, "service_off", map[string]any{"service": "vaccinations"}) {
		t.Errorf("vaccinations while off: %s", errs)
	}
	// Without consent nothing is switched on; a service not built yet
	// cannot be.
	out, errs, code := u.run("n\n", nil, "services", "on", "vaccinations", "--sex", "female")
	if code == 0 || !says(errs, "consent_not_given", map[string]any{"service": "vaccinations"}) || !strings.Contains(out+errs, "STIKO") {
		t.Fatalf("consent refused: exit %d\n%s\n%s", code, out, errs)
	}
	if errs := u.fails("services", "on", "nosuch", "--yes"); !says(errs, "service_unknown", nil) {
		t.Errorf("an unknown service on: %s", errs)
	}
	// With no service on, the birth date given at registration still
	// bounds an entry's dates.
	if _, errs, code := u.run(immunization("1979-01-01", "LOTEARLY", 1), nil, "entry", "add", "-"); code == 0 || !strings.Contains(errs, "date_before_birth") && !says(errs, "date_before_birth", nil) {
		t.Errorf("before birth, no service on: exit %d, %s", code, errs)
	}
	var on struct {
		On      bool `json:"on"`
		Consent struct {
			Text    string `json:"text"`
			Version int    `json:"version"`
			Hash    string `json:"hash"`
		} `json:"consent"`
	}
	u.okJSON(&on, "services", "on", "vaccinations", "--sex", "female", "--yes")
	if !on.On || on.Consent.Text != "vaccinations" || on.Consent.Version != 1 || len(on.Consent.Hash) != 64 {
		t.Fatalf("services on = %+v", on)
	}

	// No immunization: the basic immunisation against tetanus is overdue.
	var rows []statusRow
	u.okJSON(&rows, "vaccinations")
	if r := statusOf(rows, "tetanus"); r.Status != "overdue" || r.Reason == "" {
		t.Fatalf("tetanus without entries: %+v", r)
	}
	if txt := u.ok("vaccinations"); !strings.Contains(txt, "ärztliche Beratung") && !strings.Contains(txt, "doctor's advice") {
		t.Errorf("no notice in:\n%s", txt)
	}

	// Bad entries are refused with their reason; nothing is stored.
	bad := []struct{ json, reason string }{
		{immunization(time.Now().AddDate(0, 0, 3).Format(time.DateOnly), "LOTFUT", 1), "date_in_future"},
		{immunization("1979-01-01", "LOTBIRTH", 1), "date_before_birth"},
		{immunization(daysAgo(10), "LOTDOSE", 25), "dose_number_invalid"},
		{strings.Replace(immunization(daysAgo(10), "LOTLANR", 1), "123456667", "123457667", 1), "lanr_check_digit"},
		{`{"resourceType": "Basic"}`, "fhir_resource_type_unsupported"},
		{`[1]`, "fhir_not_object"},
	}
	for _, b := range bad {
		_, errs, code := u.run(b.json, nil, "entry", "add", "-")
		if code == 0 || !strings.Contains(errs, b.reason) && !says(errs, b.reason, nil) {
			t.Errorf("%s: exit %d, %s", b.reason, code, errs)
		}
	}
	var list []map[string]any
	if u.okJSON(&list, "entry", "ls"); len(list) != 0 {
		t.Fatalf("refused entries were stored: %v", list)
	}

	// The basic immunisation: three doses over the last year.
	marker := "LOTMARKER7Q2"
	var added []struct {
		ID       string          `json:"id"`
		Type     string          `json:"type"`
		Category string          `json:"category"`
		Resource json.RawMessage `json:"resource"`
	}
	for i, d := range []int{400, 365, 150} {
		var a struct {
			ID       string          `json:"id"`
			Type     string          `json:"type"`
			Category string          `json:"category"`
			Resource json.RawMessage `json:"resource"`
		}
		u.okJSON(&a, "entry", "add", write(fmt.Sprintf("imm%d.json", i), immunization(daysAgo(d), marker, i+1)))
		if a.Type != "Immunization" || a.Category != "vaccinations" {
			t.Fatalf("entry add = %+v", a)
		}
		added = append(added, a)
	}
	u.okJSON(&rows, "vaccinations")
	if r := statusOf(rows, "tetanus"); r.Status != "complete" || r.Doses != 3 || r.NextDate == "" {
		t.Fatalf("tetanus after the basic immunisation: %+v", r)
	}
	if u.okJSON(&list, "entry", "ls", "--type", "Immunization"); len(list) != 3 {
		t.Fatalf("entry ls: %v", list)
	}
	if u.okJSON(&list, "entry", "ls", "--type", "Procedure"); len(list) != 0 {
		t.Fatalf("entry ls --type Procedure: %v", list)
	}
	if ls := u.ok("ls"); strings.Contains(ls, added[0].ID) {
		t.Errorf("akte ls lists an entry:\n%s", ls)
	}

	// Edit: a new version; the old one is its history.
	var edited struct {
		ID       string `json:"id"`
		Version  int    `json:"version"`
		Replaces string `json:"replaces"`
	}
	u.okJSON(&edited, "entry", "edit", added[2].ID, write("edit.json", immunization(daysAgo(140), marker, 3)))
	if edited.Version != 2 || edited.Replaces != added[2].ID {
		t.Fatalf("entry edit = %+v", edited)
	}
	var shown struct {
		ID       string          `json:"id"`
		Resource json.RawMessage `json:"resource"`
		History  []struct {
			ID       string          `json:"id"`
			Resource json.RawMessage `json:"resource"`
		} `json:"history"`
	}
	u.okJSON(&shown, "entry", "show", edited.ID)
	if len(shown.History) != 1 || shown.History[0].ID != added[2].ID || !bytes.Contains(shown.Resource, []byte(daysAgo(140))) ||
		!bytes.Contains(shown.History[0].Resource, []byte(daysAgo(150))) {
		t.Fatalf("entry show after edit: %+v", shown)
	}
	if u.okJSON(&list, "entry", "ls"); len(list) != 3 {
		t.Fatalf("entry ls after edit: %d entries", len(list))
	}

	// rm deletes the entry with its history; the status follows.
	var rm struct {
		Deleted []string `json:"deleted"`
	}
	u.okJSON(&rm, "entry", "rm", edited.ID)
	if len(rm.Deleted) != 2 {
		t.Fatalf("entry rm = %+v", rm)
	}
	if errs := u.fails("entry", "show", added[2].ID); !says(errs, "entry_not_found", map[string]any{"id": added[2].ID}) {
		t.Errorf("show after rm: %s", errs)
	}
	u.okJSON(&rows, "vaccinations")
	if r := statusOf(rows, "tetanus"); r.Status == "complete" || r.Doses != 2 {
		t.Fatalf("tetanus after rm of the third dose: %+v", r)
	}

	// Check-ups on and vaccinations off at the same moment: each change is
	// applied to what the other wrote (compare-and-set on the profile), so
	// both hold; the birth date stays for the check-ups.
	var wg sync.WaitGroup
	results := make([]string, 2)
	for i, args := range [][]string{{"services", "on", "checkups", "--sex", "female", "--yes"}, {"services", "off", "vaccinations"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, errs, code := u.run("", nil, args...)
			results[i] = fmt.Sprintf("exit %d\n%s\n%s", code, out, errs)
			if code != 0 {
				results[i] = "FAILED " + results[i]
			}
		}()
	}
	wg.Wait()
	for _, r := range results {
		if strings.HasPrefix(r, "FAILED") {
			t.Fatal(r)
		}
	}
	u.okJSON(&services, "services", "ls")
	if services[0].On || !services[1].On {
		t.Fatalf("after on checkups and off vaccinations at once: %+v", services)
	}
	var cu []statusRow
	if u.okJSON(&cu, "checkups"); len(cu) < 5 {
		t.Fatalf("checkups: %+v", cu)
	}
	var off struct {
		BirthDateKept bool `json:"birth_date_kept"`
	}
	if errs := u.fails("vaccinations"); !says(errs, "service_off", map[string]any{"service": "vaccinations"}) {
		t.Errorf("vaccinations after off: %s", errs)
	}
	if u.okJSON(&off, "services", "off", "checkups"); off.BirthDateKept {
		t.Errorf("the birth date outlived the last service")
	}
	u.okJSON(&services, "services", "ls")
	for _, s := range services {
		if s.On {
			t.Errorf("%s still on", s.Name)
		}
	}

	// The item operations record the entries in the audit log.
	var events []struct {
		Operation string `json:"operation"`
		Object    string `json:"object"`
	}
	u.okJSON(&events, "audit")
	ops := map[string]bool{}
	for _, ev := range events {
		ops[ev.Operation+" "+ev.Object] = true
	}
	for _, want := range []string{"item.upload item:" + added[0].ID, "item.upload item:" + edited.ID, "item.delete item:" + edited.ID, "item.delete item:" + added[2].ID} {
		if !ops[want] {
			t.Errorf("no audit event %q in %v", want, ops)
		}
	}

	// Nothing of an entry is readable at rest.
	srv.stop()
	// (The resource type alone is in the vaccination service's consent
	// text, which the ledger keeps in plain text: decision 0044.)
	srv.atRest(func(path string, b []byte) {
		for _, m := range []string{marker, "Mustervax", "Musterfrau", "76902006", `"resourceType":"Immunization"`, "J07AM51"} {
			if bytes.Contains(b, []byte(m)) {
				t.Errorf("%s contains %q", path, m)
			}
		}
	})

	// The resources as stored are valid FHIR R4 (last: without node the
	// validator skips the test).
	v := fhirschema.New(t)
	for _, a := range added[:2] {
		if err := v.Validate(a.Resource); err != nil {
			t.Errorf("entry %s: %v", a.ID, err)
		}
	}
	if err := v.Validate(shown.Resource); err != nil {
		t.Errorf("edited entry: %v", err)
	}

}
