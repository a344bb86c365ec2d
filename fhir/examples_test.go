package fhir

import "encoding/json"

func ptr[T any](v T) *T { return &v }

func snomed(code, display string) CodeableConcept {
	return CodeableConcept{Coding: []Coding{{System: SystemSNOMED, Code: code, Display: display}}}
}

var me = &Reference{Reference: "Patient/p1"}

// examples returns one resource of every type the project writes, with the
// elements Akte fills in: the schema test validates each of them.
func examples() []Resource {
	doctor := &Reference{Identifier: &Identifier{System: SystemLANR, Value: "123456667"}, Display: "Dr. med. Erika Musterfrau"}
	return []Resource{
		&Immunization{
			DomainResource: DomainResource{ID: "imm1", Meta: &Meta{Profile: []string{"https://fhir.kbv.de/StructureDefinition/KBV_PR_MIO_Vaccination_Record_Prime|1.1.0"}},
				Extension: []Extension{{URL: "https://fhir.kbv.de/StructureDefinition/KBV_EX_MIO_Vaccination_Follow_Up", ValueDateTime: "2024-09-01"}}},
			Status: "completed",
			VaccineCode: &CodeableConcept{Coding: []Coding{
				{System: SystemSNOMED, Code: "836387005"},
				{System: SystemATC, Code: "J07BH01"},
				{System: SystemPZN, Code: "12743189", Display: "Rotarix"},
			}, Text: "Rotarix"},
			Patient: me, OccurrenceDateTime: "2024-03-01", PrimarySource: ptr(true),
			LotNumber: "AROLB123AB", Manufacturer: &Reference{Display: "GSK"},
			Performer: []ImmunizationPerformer{{Actor: doctor}},
			Note:      []Annotation{{Text: "gut vertragen"}},
			ProtocolApplied: []ImmunizationProtocolApplied{{
				TargetDisease:         []CodeableConcept{snomed("18624000", "Disease caused by Rotavirus")},
				DoseNumberPositiveInt: 1, SeriesDosesPositiveInt: 2,
			}},
		},
		&Procedure{
			Status: "completed", Code: &CodeableConcept{Coding: []Coding{{System: "urn:akte:checkup", Code: "U4"}}, Text: "U4"},
			Subject: me, PerformedDateTime: "2024-05-02", Performer: []ProcedurePerformer{{Actor: doctor}},
			Note: []Annotation{{Text: "unauffällig", Time: "2024-05-02T10:00:00+02:00"}},
		},
		&Encounter{
			Status: "finished", Class: &Coding{System: "http://terminology.hl7.org/CodeSystem/v3-ActCode", Code: "AMB"},
			Subject: me, Period: &Period{Start: "2024-05-02T09:30:00+02:00", End: "2024-05-02T10:15:00+02:00"},
			Participant:     []EncounterParticipant{{Individual: &Reference{Reference: "Practitioner/dr1"}}},
			ServiceProvider: &Reference{Identifier: &Identifier{System: SystemBSNR, Value: "721234500"}, Display: "Praxis am Markt"},
		},
		&Practitioner{
			DomainResource: DomainResource{ID: "dr1"},
			Identifier:     []Identifier{{System: SystemLANR, Value: "123456667"}},
			Name:           []HumanName{{Family: "Musterfrau", Given: []string{"Erika"}, Prefix: []string{"Dr. med."}}},
			Telecom:        []ContactPoint{{System: "phone", Value: "030 1234567"}},
			Address:        []Address{{Line: []string{"Markt 1"}, PostalCode: "10115", City: "Berlin", Country: "DE"}},
			Qualification:  []PractitionerQualification{{Code: &CodeableConcept{Text: "Allgemeinmedizin"}}},
		},
		&MedicationStatement{
			Status:                    "active",
			MedicationCodeableConcept: &CodeableConcept{Coding: []Coding{{System: SystemPZN, Code: "00230272"}}, Text: "PZN 00230272"},
			Subject:                   me, DateAsserted: "2024-05-02",
			ReasonCode: []CodeableConcept{{Text: "Herz/Blutdruck"}},
			Dosage: []Dosage{{Text: "1-0-0-0", Timing: &Timing{Repeat: &TimingRepeat{When: []string{"MORN"}}},
				DoseAndRate: []DoseAndRate{{DoseQuantity: &Quantity{Value: json.Number("1"), Unit: "Stück", System: "https://fhir.kbv.de/CodeSystem/KBV_CS_SFHIR_BMP_DOSIEREINHEIT", Code: "1"}}}}},
		},
		&Observation{
			Status: "final", Code: &CodeableConcept{Coding: []Coding{{System: "http://loinc.org", Code: "85354-9", Display: "Blood pressure panel"}}},
			Category: []CodeableConcept{{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/observation-category", Code: "vital-signs"}}}},
			Subject:  me, EffectiveDateTime: "2024-05-02T08:00:00+02:00",
			Component: []ObservationComponent{
				{Code: &CodeableConcept{Coding: []Coding{{System: "http://loinc.org", Code: "8480-6"}}}, ObservationValue: ObservationValue{ValueQuantity: &Quantity{Value: "128", Unit: "mmHg", System: "http://unitsofmeasure.org", Code: "mm[Hg]"}}},
				{Code: &CodeableConcept{Coding: []Coding{{System: "http://loinc.org", Code: "8462-4"}}}, ObservationValue: ObservationValue{ValueQuantity: &Quantity{Value: "82", Unit: "mmHg", System: "http://unitsofmeasure.org", Code: "mm[Hg]"}}},
			},
		},
		&Observation{
			Status: "final", Code: &CodeableConcept{Coding: []Coding{{System: "http://loinc.org", Code: "29463-7", Display: "Body weight"}}},
			Subject: me, EffectiveDateTime: "2024-05-02",
			ObservationValue: ObservationValue{ValueQuantity: &Quantity{Value: "72.50", Unit: "kg", System: "http://unitsofmeasure.org", Code: "kg"}},
		},
		&AllergyIntolerance{
			ClinicalStatus: &CodeableConcept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", Code: "active"}}},
			Type:           "allergy", Category: []string{"medication"}, Criticality: "high",
			Code: &CodeableConcept{Text: "Penicillin"}, Patient: me, RecordedDate: "2020-01-01",
			Reaction: []AllergyIntoleranceReaction{{Manifestation: []CodeableConcept{{Text: "Hautausschlag"}}, Severity: "moderate"}},
		},
		&Condition{
			ClinicalStatus: &CodeableConcept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/condition-clinical", Code: "active"}}},
			Code:           &CodeableConcept{Coding: []Coding{{System: "http://fhir.de/CodeSystem/bfarm/icd-10-gm", Code: "E11.9", Display: "Diabetes mellitus, Typ 2"}}},
			Subject:        me, OnsetDateTime: "2015", RecordedDate: "2015-06-01",
		},
		&Patient{
			DomainResource: DomainResource{ID: "p1"},
			Identifier:     []Identifier{{System: SystemKVNR, Value: "X110411675"}},
			Name:           []HumanName{{Family: "Wernersen", Given: []string{"Jürgen"}}},
			Gender:         "male", BirthDate: "1940-03-24",
			Contact: []PatientContact{{
				Relationship: []CodeableConcept{{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/v2-0131", Code: "C"}}}},
				Name:         &HumanName{Text: "Anna Wernersen"}, Telecom: []ContactPoint{{System: "phone", Value: "0171 1234567"}},
			}},
		},
	}
}
