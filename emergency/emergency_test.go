package emergency

import (
	"reflect"
	"testing"
	"time"

	"github.com/akte/akte/fhir"
)

func cc(system, code, text string) *fhir.CodeableConcept {
	c := &fhir.CodeableConcept{Text: text}
	if code != "" {
		c.Coding = []fhir.Coding{{System: system, Code: code}}
	}
	return c
}

const (
	allergyClinical = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
	conditionClin   = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	verification    = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
)

var me = &fhir.Reference{Reference: "Patient/p1"}

func record() []fhir.Resource {
	return []fhir.Resource{
		&fhir.Patient{Name: []fhir.HumanName{{Given: []string{"Jürgen"}, Family: "Wernersen"}}, BirthDate: "1940-03-24",
			Contact: []fhir.PatientContact{
				{Name: &fhir.HumanName{Text: "Hausverwaltung"}, Telecom: []fhir.ContactPoint{{System: "email", Value: "hv@example.org"}}},
				{Relationship: []fhir.CodeableConcept{{Coding: []fhir.Coding{{System: systemRelationship, Code: "C"}}, Text: "Tochter"}},
					Name: &fhir.HumanName{Text: "Anna Wernersen"}, Telecom: []fhir.ContactPoint{{System: "email", Value: "anna@example.org"}, {System: "phone", Value: "0171 1234567"}}},
			}},
		&fhir.AllergyIntolerance{Patient: me, Code: cc("", "", "Penicillin"), Criticality: "high", Type: "allergy",
			Reaction: []fhir.AllergyIntoleranceReaction{{Manifestation: []fhir.CodeableConcept{{Text: "Atemnot"}, {Text: "Nesselsucht"}}}}},
		&fhir.AllergyIntolerance{Patient: me, Code: cc("", "", "Laktose"), Type: "intolerance", ClinicalStatus: cc(allergyClinical, "active", "")},
		&fhir.AllergyIntolerance{Patient: me, Code: cc("", "", "Pollen"), ClinicalStatus: cc(allergyClinical, "resolved", "")},
		&fhir.AllergyIntolerance{Patient: me, Code: cc("", "", "Nüsse"), VerificationStatus: cc(verification, "refuted", "")},
		&fhir.Condition{Subject: me, Code: &fhir.CodeableConcept{Coding: []fhir.Coding{{System: systemICD10GM, Code: "E11.9", Display: "Diabetes mellitus, Typ 2"}}}, OnsetDateTime: "2015"},
		&fhir.Condition{Subject: me, Code: cc("", "", "Bluthochdruck"), ClinicalStatus: cc(conditionClin, "active", "")},
		&fhir.Condition{Subject: me, Code: cc("", "", "Bronchitis"), AbatementDateTime: "2024-02-01"},
		&fhir.Condition{Subject: me, Code: cc("", "", "Gürtelrose"), ClinicalStatus: cc(conditionClin, "resolved", "")},
		&fhir.MedicationStatement{Status: "active", Subject: me, MedicationCodeableConcept: &fhir.CodeableConcept{Coding: []fhir.Coding{{System: fhir.SystemPZN, Code: "00558736"}}, Text: "Insulin"},
			Dosage: []fhir.Dosage{{Text: "20-0-20-0 IE"}}, ReasonCode: []fhir.CodeableConcept{{Text: "Diabetes"}}},
		&fhir.MedicationStatement{Status: "completed", Subject: me, MedicationCodeableConcept: cc("", "", "Cefaclor")},
		&fhir.MedicationStatement{Status: "active", Subject: me, MedicationCodeableConcept: cc("", "", "Amoxicillin"), EffectivePeriod: &fhir.Period{Start: "2026-11-01", End: "2026-11-10"}},
		&fhir.MedicationStatement{Status: "active", Subject: me, MedicationCodeableConcept: cc("", "", "Ramipril 5 mg"), EffectivePeriod: &fhir.Period{Start: "2026-01-01", End: "2026-12-31"}},
		&fhir.Immunization{Status: "completed", VaccineCode: cc("", "", "Tetanus"), Patient: me, OccurrenceDateTime: "2020"},
	}
}

func TestSummarize(t *testing.T) {
	s := Summarize(record(), time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	want := Summary{
		Name: "Jürgen Wernersen", BirthDate: "1940-03-24",
		Allergies: []Allergy{
			{Substance: "Penicillin", Criticality: "high", Reactions: []string{"Atemnot", "Nesselsucht"}, Type: "allergy"},
			{Substance: "Laktose", Type: "intolerance"},
		},
		Conditions: []Condition{{Text: "Diabetes mellitus, Typ 2", Code: "E11.9", Since: "2015"}, {Text: "Bluthochdruck"}},
		Medications: []Medication{
			{Name: "Insulin", PZN: "00558736", Dose: "20-0-20-0 IE", Indication: "Diabetes"},
			{Name: "Ramipril 5 mg"},
		},
		Contacts: []Contact{
			{Name: "Anna Wernersen", Relationship: "Tochter", Phone: "0171 1234567", Email: "anna@example.org", Emergency: true},
			{Name: "Hausverwaltung", Email: "hv@example.org"},
		},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got  %+v\nwant %+v", s, want)
	}
	empty := Summarize(nil, time.Now())
	if empty.Allergies == nil || empty.Medications == nil || len(empty.Contacts) != 0 {
		t.Errorf("empty summary: %+v (lists must be empty, not null, in JSON)", empty)
	}
}
