package health

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/doctors"
	"github.com/akte/akte/emergency"
	"github.com/akte/akte/fhir"
	"github.com/akte/akte/rules"
)

func imm(day string, dose int, targets ...string) string {
	var td []string
	for _, t := range targets {
		td = append(td, `{"coding":[{"system":"http://snomed.info/sct","code":"`+t+`"}]}`)
	}
	return `{"resourceType":"Immunization","status":"completed","vaccineCode":{"text":"Td"},"patient":{"reference":"Patient/p"},` +
		`"occurrenceDateTime":"` + day + `","protocolApplied":[{"targetDisease":[` + strings.Join(td, ",") + `],"doseNumberPositiveInt":` + string(rune('0'+dose)) + `}]}`
}

const (
	tetanus    = "76902006"
	diphtheria = "397430003"
)

// TestStatusJSON: what the browser's module answers (StatusJSON) is what
// the CLI computes (rules over the parsed entries); GOOS=js GOARCH=wasm
// go test runs it inside WebAssembly too.
func TestStatusJSON(t *testing.T) {
	profile := `{"birth_date":"1980-04-01","sex":"female","services":{"vaccinations":{"on":true},"checkups":{"on":true}}}`
	entries := []string{imm("2025-10-01", 1, tetanus, diphtheria), imm("2025-11-01", 2, tetanus, diphtheria), imm("2026-05-02", 3, tetanus, diphtheria),
		`{"resourceType":"Procedure","status":"completed","code":{"coding":[{"system":"urn:akte:checkup","code":"skin-cancer"}]},"subject":{"reference":"Patient/p"},"performedDateTime":"2026-01-10"}`}
	today := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	p, err := DecodeProfile([]byte(profile))
	if err != nil {
		t.Fatal(err)
	}
	person, _ := p.Person("vaccinations")
	var imms []*fhir.Immunization
	var procs []*fhir.Procedure
	for _, e := range entries {
		r, err := fhir.Parse([]byte(e))
		if err != nil {
			t.Fatal(err)
		}
		switch r := r.(type) {
		case *fhir.Immunization:
			imms = append(imms, r)
		case *fhir.Procedure:
			procs = append(procs, r)
		}
	}
	for service, want := range map[string][]rules.Result{
		"vaccinations": rules.STIKO().Vaccinations(person, imms, today),
		"checkups":     rules.GBA().Checkups(person, procs, today),
	} {
		got, err := StatusJSON(service, profile, entries, nil, "2026-11-30")
		if err != nil {
			t.Fatal(service, err)
		}
		w, _ := json.Marshal(want)
		if got != string(w) {
			t.Errorf("%s:\n got %s\nwant %s", service, got, w)
		}
	}
	var rs []rules.Result
	got, _ := StatusJSON("vaccinations", profile, entries, nil, "2026-11-30")
	json.Unmarshal([]byte(got), &rs)
	for _, r := range rs {
		if r.Target == "tetanus" && (r.Status != rules.Complete || r.Doses != 3) {
			t.Errorf("tetanus after three doses: %+v", r)
		}
	}
	// A service that is off, or not built, computes nothing.
	for service, reason := range map[string]string{"vaccinations": "service_off", "medication": "service_not_available", "x": "service_unknown"} {
		_, err := StatusJSON(service, `{"birth_date":"1980-04-01","sex":"female"}`, entries, nil, "2026-11-30")
		if r, _ := akte.ReasonOf(err); r != reason {
			t.Errorf("%s: %v, want %s", service, err, reason)
		}
	}
}

// TestStatusJSONDoctorsEmergency: the browser's doctor list takes the
// insurer's billing documents (one that does not read is left out), and
// its emergency data are what emergency.Summarize makes; both need their
// service.
func TestStatusJSONDoctorsEmergency(t *testing.T) {
	bundle, err := os.ReadFile("../../doctors/testdata/billing.json")
	if err != nil {
		t.Fatal(err)
	}
	entries := []string{
		`{"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/me"},"code":{"text":"Penicillin"},"criticality":"high"}`,
		`{"resourceType":"Condition","subject":{"reference":"Patient/me"},"code":{"text":"Asthma"}}`,
	}
	profile := `{"services":{"doctors":{"on":true},"emergency":{"on":true}}}`
	got, err := StatusJSON("doctors", profile, entries, []string{string(bundle), "kein Bundle"}, "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	var ds []doctors.Doctor
	json.Unmarshal([]byte(got), &ds)
	if len(ds) != 2 || ds[0].Name != "Dr. med. Erika Musterfrau" || ds[0].LastVisit != "2026-09-14" || ds[1].LastVisit != "2024-05-21" {
		t.Errorf("doctors from billing: %s", got)
	}
	got, err = StatusJSON("emergency", profile, entries, nil, "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	var all []fhir.Resource
	for _, e := range entries {
		r, _ := fhir.Parse([]byte(e))
		all = append(all, r)
	}
	want, _ := json.Marshal(emergency.Summarize(all, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)))
	if got != string(want) || !strings.Contains(got, "Penicillin") || !strings.Contains(got, "Asthma") {
		t.Errorf("emergency:\n got %s\nwant %s", got, want)
	}
	for _, service := range []string{"doctors", "emergency"} {
		_, err := StatusJSON(service, `{}`, entries, nil, "2026-11-30")
		if r, _ := akte.ReasonOf(err); r != "service_off" {
			t.Errorf("%s while off: %v", service, err)
		}
	}
}

// TestCheckEntry: the browser's check before sealing refuses with the
// reasons of fhir and returns what the metadata takes.
func TestCheckEntry(t *testing.T) {
	out, err := CheckEntry(imm("2026-05-02", 3, tetanus), "2026-11-30", "1980-04-01")
	if err != nil || out["type"] != "Immunization" || out["category"] != "vaccinations" || out["date"] != "2026-05-02" || out["title"] != "Td" {
		t.Fatalf("CheckEntry = %v, %v", out, err)
	}
	if _, err := fhir.Parse([]byte(out["resource"].(string))); err != nil {
		t.Errorf("sealed resource does not parse: %v", err)
	}
	for in, want := range map[[3]string]string{
		{imm("2027-01-01", 1, tetanus), "2026-11-30", ""}:           "date_in_future",
		{imm("1979-01-01", 1, tetanus), "2026-11-30", "1980-04-01"}: "date_before_birth",
		{`{"resourceType":"Basic"}`, "2026-11-30", ""}:              "fhir_resource_type_unsupported",
		{imm("2026-01-01", 1, tetanus), "30.11.2026", ""}:           "date_format",
	} {
		_, err := CheckEntry(in[0], in[1], in[2])
		if r, _ := akte.ReasonOf(err); r != want {
			t.Errorf("%.50s: %v, want %s", in[0], err, want)
		}
	}
}

// BenchmarkStatusJSON200 is what the browser's module does for the
// vaccination status of a record with 200 immunizations: parse each
// resource (fhir.Parse, with its checks) and compute (docs/benchmarks.md;
// run it under GOOS=js GOARCH=wasm for the WebAssembly figure).
func BenchmarkStatusJSON200(b *testing.B) {
	profile := `{"birth_date":"1950-03-01","sex":"female","services":{"vaccinations":{"on":true}}}`
	targets := []string{"76902006", "397430003", "27836007", "6142004", "840539006", "16814004", "4740000", "14189004"}
	birth := time.Date(1950, 3, 1, 0, 0, 0, 0, time.UTC)
	var entries []string
	for i := range 200 {
		entries = append(entries, imm(birth.AddDate(0, 2+i*4, 0).Format(time.DateOnly), 1, targets[i%8], targets[(i+1)%8], targets[(i+2)%8]))
	}
	for b.Loop() {
		if out, err := StatusJSON("vaccinations", profile, entries, nil, "2026-11-30"); err != nil || len(out) < 100 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/record")
}
