package doctors

import (
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/fhir"
	"github.com/akte/akte/internal/fhirschema"
)

// TestReadBilling: the documented billing bundle (testdata/billing.json)
// gives one line per Encounter that took place, the doctor taken from the
// bundle's Practitioner or from the participant itself.
func TestReadBilling(t *testing.T) {
	data, err := os.ReadFile("testdata/billing.json")
	if err != nil {
		t.Fatal(err)
	}
	lines, err := ReadBilling(data)
	if err != nil {
		t.Fatal(err)
	}
	erika := Billing{LANR: "123456667", BSNR: "721234500", Name: "Dr. med. Erika Musterfrau", Specialty: "Allgemeinmedizin", Address: "Markt 1, 10115 Berlin", Phone: "030 1234567"}
	a, b := erika, erika
	a.Date, b.Date = "2026-09-14", "2025-02-03"
	want := []Billing{a, b,
		{Date: "2024-05-21", LANR: "234567701", BSNR: "731234500", Name: "Dr. Hanna Haut"},
		{Date: "2021-03-02", Name: "Dr. Otto Alt"},
	}
	if !reflect.DeepEqual(lines, want) {
		t.Fatalf("lines\n got %+v\nwant %+v", lines, want)
	}
	if err := CheckBillingData(data); err != nil {
		t.Errorf("CheckBillingData: %v", err)
	}

	// The list of 2026-11-30: Dr. Alt's visit is more than four years ago.
	ds := List(nil, lines, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	var got []string
	for _, d := range ds {
		got = append(got, d.Name+" "+d.LastVisit)
	}
	if !reflect.DeepEqual(got, []string{"Dr. med. Erika Musterfrau 2026-09-14", "Dr. Hanna Haut 2024-05-21"}) {
		t.Errorf("list %v", got)
	}
	if ds[0].Visits != 2 || !reflect.DeepEqual(ds[0].Sources, []string{"billing"}) || ds[0].BSNR != "721234500" {
		t.Errorf("first doctor %+v", ds[0])
	}
	if s := Search(ds, "haut 2345"); len(s) != 1 || s[0].LANR != "234567701" {
		t.Errorf("search: %+v", s)
	}
}

// TestReadBillingRefused: what is not billing data says why, and billing
// data with a bad line is refused before it is pushed.
func TestReadBillingRefused(t *testing.T) {
	enc := func(participant string) string {
		return `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Encounter","status":"finished",
			"class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"period":{"start":"2026-01-05"},
			"participant":[{"individual":` + participant + `}]}}]}`
	}
	for _, tc := range []struct{ data, reason string }{
		{`[1,2]`, "fhir_not_object"},
		{`{"resourceType":"Practitioner","name":[{"text":"Dr. X"}]}`, "billing_not_bundle"},
		{`{"resourceType":"Bundle","type":"collection"}`, "billing_no_lines"},
		{enc(`{"reference":"urn:uuid:nobody"}`), "billing_name_missing"},
		{enc(`{"identifier":{"system":"` + fhir.SystemLANR + `","value":"123456789"},"display":"Dr. X"}`), "lanr_check_digit"},
	} {
		err := CheckBillingData([]byte(tc.data))
		if r, _ := akte.ReasonOf(err); r != tc.reason {
			t.Errorf("%s: %v, want %s", tc.data, err, tc.reason)
		}
	}
	if err := CheckBillingData([]byte(enc(`{"display":"Dr. Y"}`))); err != nil {
		t.Errorf("a line with a name only: %v", err)
	}
}

// TestBillingSchema: the documented billing data are valid FHIR R4.
func TestBillingSchema(t *testing.T) {
	data, err := os.ReadFile("testdata/billing.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := fhirschema.New(t).Validate(data); err != nil {
		t.Error(err)
	}
}
