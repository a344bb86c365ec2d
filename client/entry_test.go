package client

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/client/health"
	"github.com/akte/akte/fhir"
)

// record200 is a record of 200 Immunization entries as a listing opens
// them (the resource JSON from the sealed metadata), with the service on.
func record200(tb testing.TB) ([]string, health.Profile) {
	targets := []string{"76902006", "397430003", "27836007", "6142004", "840539006", "16814004", "4740000", "14189004"}
	birth, _ := time.Parse(time.DateOnly, "1950-03-01")
	var raws []string
	for i := range 200 {
		d := birth.AddDate(0, 2+i*4, 0)
		im := &fhir.Immunization{Status: "completed", OccurrenceDateTime: fhir.DateOf(d), VaccineCode: &fhir.CodeableConcept{Text: "Impfstoff"},
			Patient: &fhir.Reference{Reference: "Patient/p"}, LotNumber: fmt.Sprintf("LOT%03d", i)}
		pa := fhir.ImmunizationProtocolApplied{DoseNumberPositiveInt: 1}
		for j := range 3 {
			pa.TargetDisease = append(pa.TargetDisease, fhir.CodeableConcept{Coding: []fhir.Coding{{System: fhir.SystemSNOMED, Code: targets[(i+j)%len(targets)]}}})
		}
		im.ProtocolApplied = []fhir.ImmunizationProtocolApplied{pa}
		b, err := fhir.Marshal(im)
		if err != nil {
			tb.Fatal(err)
		}
		raws = append(raws, string(b))
	}
	return raws, health.Profile{BirthDate: "1950-03-01", Sex: "female", Services: map[string]health.ServiceState{"vaccinations": {On: true}}}
}

// entriesOf builds what LoadEntries makes of the listing: each resource
// parsed, the current versions, the profile.
func entriesOf(tb testing.TB, raws []string, p health.Profile) *Entries {
	es := &Entries{All: map[string]*Entry{}, Profile: p}
	for i, raw := range raws {
		m := core.Meta{Type: "Immunization", Entry: core.RawJSON(raw)}
		r, err := openResource(m)
		if err != nil {
			tb.Fatal(err)
		}
		e := &Entry{ID: fmt.Sprint(i), Resource: r, JSON: []byte(raw), Meta: m}
		es.All[e.ID] = e
		es.Latest = append(es.Latest, e)
	}
	return es
}

// BenchmarkVaccinationStatus200 is the figure of docs/benchmarks.md: the
// vaccination status of a record with 200 immunizations on the client,
// from the resources as the listing opened them (parsing each included)
// to the status of every target (goal: under 5 ms native).
func BenchmarkVaccinationStatus200(b *testing.B) {
	raws, p := record200(b)
	today, _ := time.Parse(time.DateOnly, "2026-11-30")
	status := func(es *Entries) {
		rs, err := VaccinationStatus(es, today)
		if err != nil || len(rs) < 10 {
			b.Fatal(err, len(rs))
		}
	}
	// What akte vaccinations does after the listing: open the 200
	// resources and compute.
	b.Run("open+status", func(b *testing.B) {
		for b.Loop() {
			status(entriesOf(b, raws, p))
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/record")
	})
	// The status alone, from opened entries (the rules data parsed on each
	// call, as the client does).
	es := entriesOf(b, raws, p)
	b.Run("status", func(b *testing.B) {
		for b.Loop() {
			status(es)
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/record")
	})
}

// TestEntryChain: History and Chain follow the sealed version chain.
func TestEntryChain(t *testing.T) {
	raws, p := record200(t)
	es := entriesOf(t, raws[:4], p)
	// 0 <- 1 <- 2; 3 alone.
	es.All["1"].Replaces, es.All["2"].Replaces = "0", "1"
	es.All["0"].Version, es.All["1"].Version, es.All["2"].Version = 1, 2, 3
	if h := es.History(es.All["2"]); len(h) != 2 || h[0].ID != "1" || h[1].ID != "0" {
		t.Errorf("History(2) = %v", h)
	}
	if c := es.Chain(es.All["0"]); len(c) != 3 || c[0].ID != "2" {
		t.Errorf("Chain(0) = %v", c)
	}
	if c := es.Chain(es.All["3"]); len(c) != 1 {
		t.Errorf("Chain(3) = %v", c)
	}
	if _, err := es.Find("nope"); err == nil {
		t.Error("Find(nope) succeeded")
	}
	// A service that is off computes nothing.
	es.Profile.Services = nil
	if _, err := VaccinationStatus(es, time.Now()); err == nil {
		t.Error("status with the service off")
	}
}

// TestParseEntry: a checked resource is refused with its reason, and one
// over health.MaxEntrySize with entry_too_large.
func TestParseEntry(t *testing.T) {
	ctx := fhir.Context{Today: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), BirthDate: "1950-03-01"}
	raws, _ := record200(t)
	if _, _, err := health.Parse([]byte(raws[0]), ctx); err != nil {
		t.Fatal(err)
	}
	huge := fmt.Sprintf(`{"resourceType":"Observation","status":"final","code":{"text":"x"},"note":[{"text":%q}]}`, strings.Repeat("a", health.MaxEntrySize))
	for in, want := range map[string]string{
		huge: "entry_too_large",
		`{"resourceType":"Immunization","status":"completed","vaccineCode":{"text":"x"},"patient":{"reference":"Patient/p"},"occurrenceDateTime":"2030-01-01","protocolApplied":[{"targetDisease":[{"text":"t"}],"doseNumberPositiveInt":1}]}`: "date_in_future",
	} {
		_, _, err := health.Parse([]byte(in), ctx)
		if r := reasonOf(err); r != want {
			t.Errorf("%.60s: reason %q, want %q (%v)", in, r, want, err)
		}
	}
}

func reasonOf(err error) string {
	r, _ := akte.ReasonOf(err)
	return r
}
