package bmp

import (
	"testing"

	"github.com/akte/akte/fhir"
	"github.com/akte/akte/internal/fhirschema"
)

var subject = fhir.Reference{Reference: "Patient/p1"}

// TestStatementsSchema: every MedicationStatement made from the examples,
// and a Bundle of them, is valid FHIR R4 (official JSON schema), passes
// Parse and the plausibility checks.
func TestStatementsSchema(t *testing.T) {
	v := fhirschema.New(t)
	bundle := &fhir.Bundle{Type: "collection"}
	for name := range examples {
		p, err := Decode(read(t, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, ms := range p.MedicationStatements(subject) {
			b, err := fhir.Marshal(ms)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Validate(b); err != nil {
				t.Errorf("%s: %v\n%s", name, err, b)
			}
			if _, err := fhir.Parse(b); err != nil {
				t.Errorf("%s: Parse: %v", name, err)
			}
			if err := fhir.Check(ms, fhir.Context{Today: fhirDay("2026-11-30")}); err != nil {
				t.Errorf("%s: Check: %v", name, err)
			}
			bundle.Entry = append(bundle.Entry, fhir.BundleEntry{Resource: ms})
		}
	}
	b, _ := fhir.Marshal(bundle)
	if err := v.Validate(b); err != nil {
		t.Errorf("bundle: %v", err)
	}
}

func TestStatements(t *testing.T) {
	p, _ := Decode(read(t, "bmp-0001.xml"))
	ms := p.MedicationStatements(subject)
	if len(ms) != 6 {
		t.Fatalf("%d statements", len(ms))
	}
	insulin := ms[2]
	if insulin.MedicationCodeableConcept.Code(fhir.SystemPZN) != "00558736" || insulin.MedicationCodeableConcept.Text != "PZN 00558736" ||
		insulin.ReasonCode[0].Text != "Diabetes" || insulin.Subject.Reference != "Patient/p1" || insulin.DateAsserted != "2018-07-01" ||
		insulin.Identifier[0].Value != "02BD2867FB024401A590D59D94E1FFAE-3" {
		t.Errorf("insulin: %+v", insulin)
	}
	if len(insulin.Dosage) != 2 {
		t.Fatalf("insulin dosages: %+v", insulin.Dosage)
	}
	d0, d1 := insulin.Dosage[0], insulin.Dosage[1]
	if d0.Text != "20-0-20-0 IE" || d0.Timing.Repeat.When[0] != "MORN" || d1.Timing.Repeat.When[0] != "EVE" ||
		d0.DoseAndRate[0].DoseQuantity.Value != "20" || d0.DoseAndRate[0].DoseQuantity.Code != "p" || d0.DoseAndRate[0].DoseQuantity.System != SystemDoseUnit ||
		d0.PatientInstruction != "Wechseln der Injektionsstellen, unmittelbar vor einer Mahlzeit spritzen" {
		t.Errorf("insulin dosage: %+v %+v", d0, d1)
	}
	patch := ms[4]
	if len(patch.Dosage) != 1 || patch.Dosage[0].Text != "alle drei Tage 1 Stück" || patch.Dosage[0].Timing != nil ||
		patch.Category.Text != "zu besonderen Zeiten anzuwendende Medikamente" {
		t.Errorf("free-text dosing: %+v", patch)
	}
	if ms[5].Category.Coding[0].Code != "418" || ms[5].Category.Coding[0].System != SystemSubHeading {
		t.Errorf("sub-heading: %+v", ms[5].Category)
	}

	p, _ = Decode(read(t, "bmp-28.xml"))
	ms = p.MedicationStatements(subject)
	if ms[0].MedicationCodeableConcept.Text != "Ramipril 5 mg" || len(ms[0].MedicationCodeableConcept.Coding) != 0 {
		t.Errorf("ingredient as name: %+v", ms[0].MedicationCodeableConcept)
	}
	mtx := ms[3].Dosage[0].Timing.Repeat
	if mtx.DayOfWeek[0] != "mon" || mtx.PeriodUnit != "wk" {
		t.Errorf("weekly: %+v", mtx)
	}
	spray := ms[5]
	if spray.Dosage[0].AsNeededBoolean == nil || !*spray.Dosage[0].AsNeededBoolean || spray.Dosage[0].Text != "max. 3 Hub" {
		t.Errorf("as needed: %+v", spray.Dosage)
	}
	if ms[6].Note[0].Text != "Sofort mit Einnahme beginnen, für 10 Tage (bis 10.07.2026)" || len(ms[6].Dosage) != 3 {
		t.Errorf("extra line: %+v", ms[6])
	}
	if ms[0].InformationSource.Identifier.Value != "123456667" {
		t.Errorf("author: %+v", ms[0].InformationSource)
	}
	for frac, want := range map[string]string{"1/2": "0.5", "2,5": "2.5", "1/3": "0.333", "12": "12"} {
		if got := decimal(frac); string(got) != want {
			t.Errorf("decimal(%s) = %s", frac, got)
		}
	}
}
