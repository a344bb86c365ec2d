package doctors

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/fhir"
)

var me = &fhir.Reference{Reference: "Patient/p1"}

func entries() []fhir.Resource {
	return []fhir.Resource{
		&fhir.Practitioner{DomainResource: fhir.DomainResource{ID: "dr1"},
			Identifier:    []fhir.Identifier{{System: fhir.SystemLANR, Value: "123456667"}},
			Name:          []fhir.HumanName{{Prefix: []string{"Dr. med."}, Given: []string{"Erika"}, Family: "Musterfrau"}},
			Qualification: []fhir.PractitionerQualification{{Code: &fhir.CodeableConcept{Text: "Allgemeinmedizin"}}},
			Address:       []fhir.Address{{Line: []string{"Markt 1"}, PostalCode: "10115", City: "Berlin"}},
			Telecom:       []fhir.ContactPoint{{System: "phone", Value: "030 1234567"}}},
		&fhir.Practitioner{DomainResource: fhir.DomainResource{ID: "dr2"}, Name: []fhir.HumanName{{Text: "Dr. Hans Zahn"}},
			Qualification: []fhir.PractitionerQualification{{Code: &fhir.CodeableConcept{Text: "Zahnmedizin"}}}},
		&fhir.Encounter{Status: "finished", Class: &fhir.Coding{Code: "AMB"}, Subject: me, Period: &fhir.Period{Start: "2026-10-02T09:00:00+02:00"},
			Participant: []fhir.EncounterParticipant{{Individual: &fhir.Reference{Reference: "Practitioner/dr1"}}}},
		&fhir.Encounter{Status: "finished", Class: &fhir.Coding{Code: "AMB"}, Subject: me, Period: &fhir.Period{Start: "2025-01-15"},
			Participant: []fhir.EncounterParticipant{{Individual: &fhir.Reference{Reference: "Practitioner/dr1"}}}},
		&fhir.Encounter{Status: "planned", Class: &fhir.Coding{Code: "AMB"}, Subject: me, Period: &fhir.Period{Start: "2026-12-20"},
			Participant: []fhir.EncounterParticipant{{Individual: &fhir.Reference{Reference: "Practitioner/dr1"}}}},
		// A visit too old for the list.
		&fhir.Encounter{Status: "finished", Class: &fhir.Coding{Code: "AMB"}, Subject: me, Period: &fhir.Period{Start: "2020-05-01"},
			Participant: []fhir.EncounterParticipant{{Individual: &fhir.Reference{Display: "Dr. Alt"}}}},
		&fhir.Immunization{Status: "completed", Patient: me, VaccineCode: &fhir.CodeableConcept{Text: "Tetanus"}, OccurrenceDateTime: "2024-06-03",
			Performer: []fhir.ImmunizationPerformer{{Actor: &fhir.Reference{Display: "Dr. med. Jörg Müller"}}}},
		&fhir.Procedure{Status: "completed", Subject: me, PerformedDateTime: "2026-03-01",
			Performer: []fhir.ProcedurePerformer{{Actor: &fhir.Reference{Identifier: &fhir.Identifier{System: fhir.SystemLANR, Value: "987654321"}, Display: "Dr. Haut"}}}},
		&fhir.Procedure{Status: "not-done", Subject: me, PerformedDateTime: "2026-04-01",
			Performer: []fhir.ProcedurePerformer{{Actor: &fhir.Reference{Display: "Dr. Nie"}}}},
	}
}

func billing() []Billing {
	var b []Billing
	json.Unmarshal([]byte(`[
		{"date":"2026-11-02","lanr":"123456667","bsnr":"721234500","name":"Musterfrau, Erika","specialty":"Hausärztin"},
		{"date":"2025-09-10","name":"Joerg Mueller","address":"Weg 2, 20095 Hamburg"},
		{"date":"2026-02-11","name":"Jörg Müller, Dr. med."},
		{"date":"2022-12-01","lanr":"000000000","name":"Praxis am See","specialty":"Orthopädie"},
		{"date":"2021-01-01","name":"Dr. Vorbei"},
		{"date":"gestern","name":"Kaputt"}
	]`), &b)
	return b
}

func TestList(t *testing.T) {
	got := List(entries(), billing(), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	want := []Doctor{
		{Name: "Dr. med. Erika Musterfrau", LANR: "123456667", BSNR: "721234500", Specialty: "Allgemeinmedizin", Address: "Markt 1, 10115 Berlin", Phone: "030 1234567",
			LastVisit: "2026-11-02", Visits: 3, PractitionerID: "dr1", Sources: []string{"billing", "encounter", "practitioner"}},
		{Name: "Dr. Haut", LANR: "987654321", LastVisit: "2026-03-01", Visits: 1, Sources: []string{"procedure"}},
		{Name: "Dr. med. Jörg Müller", LastVisit: "2026-02-11", Visits: 2, Sources: []string{"billing", "immunization"}},
		{Name: "Joerg Mueller", Address: "Weg 2, 20095 Hamburg", LastVisit: "2025-09-10", Visits: 1, Sources: []string{"billing"}},
		{Name: "Praxis am See", LANR: "000000000", Specialty: "Orthopädie", LastVisit: "2022-12-01", Visits: 1, Sources: []string{"billing"}},
		{Name: "Dr. Hans Zahn", Specialty: "Zahnmedizin", PractitionerID: "dr2", Sources: []string{"practitioner"}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d doctors: %+v", len(got), got)
	}
	for i := range want {
		got[i].days = nil
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("doctor %d:\n got  %+v\n want %+v", i, got[i], want[i])
		}
	}
}

func TestSearch(t *testing.T) {
	ds := List(entries(), billing(), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	for q, want := range map[string][]string{
		"":                {"Dr. med. Erika Musterfrau", "Dr. Haut", "Dr. med. Jörg Müller", "Joerg Mueller", "Praxis am See", "Dr. Hans Zahn"},
		"muller":          {"Dr. med. Jörg Müller"},
		"MÜLLER":          {"Dr. med. Jörg Müller"},
		"erika allgemein": {"Dr. med. Erika Musterfrau"},
		"berlin":          {"Dr. med. Erika Musterfrau"},
		"123456667":       {"Dr. med. Erika Musterfrau"},
		"orthopadie":      {"Praxis am See"},
		"zahn":            {"Dr. Hans Zahn"},
		"hamburg mueller": {"Joerg Mueller"},
		"niemand":         nil,
	} {
		var names []string
		for _, d := range Search(ds, q) {
			names = append(names, d.Name)
		}
		if !reflect.DeepEqual(names, want) {
			t.Errorf("Search(%q) = %q, want %q", q, names, want)
		}
	}
}

func TestCheckBilling(t *testing.T) {
	for _, tc := range []struct {
		b      Billing
		reason string
	}{
		{Billing{Date: "2026-01-01", Name: "A", LANR: "123456667", BSNR: "721234500"}, ""},
		{Billing{Date: "01.01.2026", Name: "A"}, "billing_date_invalid"},
		{Billing{Date: "2026-01-01", Name: " "}, "billing_name_missing"},
		{Billing{Date: "2026-01-01", Name: "A", LANR: "123456789"}, "lanr_check_digit"},
		{Billing{Date: "2026-01-01", Name: "A", BSNR: "7212"}, "bsnr_format"},
	} {
		err := CheckBilling([]Billing{{Date: "2026-01-01", Name: "ok"}, tc.b})
		var e *akte.Error
		switch {
		case tc.reason == "" && err != nil:
			t.Errorf("%+v: %v", tc.b, err)
		case tc.reason != "" && (!errors.As(err, &e) || e.Reason != tc.reason || e.Params["line"] != 2):
			t.Errorf("%+v: %v, want %s on line 2", tc.b, err, tc.reason)
		}
	}
}

func TestNameKey(t *testing.T) {
	for a, b := range map[string]string{"Dr. med. Erika Musterfrau": "Musterfrau, Erika", "Prof. Dr. Jörg Müller": "jorg muller", "Weiß": "WEISS"} {
		if nameKey(a) != nameKey(b) {
			t.Errorf("%q and %q differ: %q %q", a, b, nameKey(a), nameKey(b))
		}
	}
}
