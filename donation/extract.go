package donation

import (
	"crypto/rand"
	"encoding/hex"
	"slices"

	"github.com/akte/akte"
	"github.com/akte/akte/fhir"
)

// Entry is one current structured entry of the record: the category of
// its item and its resource.
type Entry struct {
	Category string
	Resource fhir.Resource
}

// Person is what the extract keeps of the patient (from the sealed
// profile, else from the registration): the birth date (YYYY-MM-DD, only
// its year is kept) and the sex; either may be empty.
type Person struct {
	BirthDate string
	Sex       string
}

// Summary says what an extract holds, for the patient (no content).
type Summary struct {
	Categories []string       `json:"categories"`
	Resources  map[string]int `json:"resources"`
	Skipped    int            `json:"skipped"`
	Pseudonym  string         `json:"pseudonym"`
}

// Profile is the meta.profile of every extract: the format the sink reads.
const Profile = "urn:akte:donation:extract:v1"

// Build makes the pseudonymised Bundle (type collection) of the entries
// in categories (each must be one of Categories; the caller passes only
// those the patient opted in to): a Patient with the pseudonym as id, and
// per entry of a kept type (Immunization, Procedure, Observation,
// Condition) a copy holding only the allowed fields. Entries of other
// types are counted in Summary.Skipped and left out.
func Build(entries []Entry, categories []string, p Person, pseudonym string) ([]byte, Summary, error) {
	sum := Summary{Categories: slices.Clone(categories), Resources: map[string]int{}, Pseudonym: pseudonym}
	if len(categories) == 0 {
		return nil, sum, akte.R("donation.send", akte.KindInvalid, "donation_nothing_on", nil, "")
	}
	for _, c := range categories {
		if err := CheckCategory(c); err != nil {
			return nil, sum, err
		}
	}
	patientURL := "urn:uuid:" + uuidOf(pseudonym)
	subject := &fhir.Reference{Reference: patientURL}
	pat := &fhir.Patient{DomainResource: fhir.DomainResource{ID: pseudonym}}
	if len(p.BirthDate) >= 4 {
		pat.BirthDate = fhir.Date(p.BirthDate[:4])
	}
	switch p.Sex {
	case "female", "male", "other", "unknown":
		pat.Gender = p.Sex
	}
	tags := []fhir.Coding{}
	for _, c := range categories {
		tags = append(tags, fhir.Coding{System: "urn:akte:donation:category", Code: c})
	}
	b := &fhir.Bundle{Meta: &fhir.Meta{Profile: []string{Profile}, Tag: tags}, Type: "collection"}
	b.Entry = append(b.Entry, fhir.BundleEntry{FullURL: patientURL, Resource: pat})
	for _, e := range entries {
		if !slices.Contains(categories, e.Category) {
			continue
		}
		r := pseudonymise(e.Resource, subject)
		if r == nil {
			sum.Skipped++
			continue
		}
		sum.Resources[r.ResourceType()]++
		b.Entry = append(b.Entry, fhir.BundleEntry{FullURL: "urn:uuid:" + randomUUID(), Resource: r})
	}
	out, err := fhir.Marshal(b)
	return out, sum, err
}

// pseudonymise copies the allowed fields of r into a new resource of its
// type about subject, or returns nil for a type the extract does not keep.
func pseudonymise(r fhir.Resource, subject *fhir.Reference) fhir.Resource {
	switch r := r.(type) {
	case *fhir.Immunization:
		out := &fhir.Immunization{Status: code(r.Status, "completed", "entered-in-error", "not-done"), VaccineCode: concept(r.VaccineCode),
			Patient: subject, OccurrenceDateTime: month(r.OccurrenceDateTime)}
		if out.Status == "" {
			out.Status = "completed"
		}
		if out.VaccineCode == nil {
			out.VaccineCode = unknownConcept()
		}
		if out.OccurrenceDateTime == "" {
			out.OccurrenceDateTime = month(r.Recorded)
		}
		if out.OccurrenceDateTime == "" {
			out.OccurrenceString = "unknown" // occurrence[x] is required; a fixed word, not the patient's text
		}
		for _, pa := range r.ProtocolApplied {
			if pa.DoseNumberPositiveInt < 1 {
				continue // doseNumberString is free text; doseNumber[x] is required
			}
			a := fhir.ImmunizationProtocolApplied{DoseNumberPositiveInt: pa.DoseNumberPositiveInt, SeriesDosesPositiveInt: pa.SeriesDosesPositiveInt}
			for _, td := range pa.TargetDisease {
				if c := concept(&td); c != nil {
					a.TargetDisease = append(a.TargetDisease, *c)
				}
			}
			out.ProtocolApplied = append(out.ProtocolApplied, a)
		}
		return out
	case *fhir.Procedure:
		out := &fhir.Procedure{Status: code(r.Status, "preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error", "unknown"),
			Category: concept(r.Category), Code: concept(r.Code), Subject: subject, PerformedDateTime: month(r.PerformedDateTime), Outcome: concept(r.Outcome)}
		if out.Status == "" {
			out.Status = "completed"
		}
		if out.PerformedDateTime == "" && r.PerformedPeriod != nil {
			out.PerformedDateTime = month(r.PerformedPeriod.Start)
		}
		out.BodySite = concepts(r.BodySite)
		return out
	case *fhir.Observation:
		out := &fhir.Observation{Status: code(r.Status, "registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"),
			Category: concepts(r.Category), Code: concept(r.Code), Subject: subject, EffectiveDateTime: month(r.EffectiveDateTime),
			ObservationValue: value(r.ObservationValue), DataAbsentReason: concept(r.DataAbsentReason),
			Interpretation: concepts(r.Interpretation), BodySite: concept(r.BodySite), Method: concept(r.Method)}
		if out.Status == "" {
			out.Status = "final"
		}
		if out.Code == nil {
			out.Code = unknownConcept()
		}
		if out.EffectiveDateTime == "" && r.EffectivePeriod != nil {
			out.EffectiveDateTime = month(r.EffectivePeriod.Start)
		}
		for _, c := range r.Component {
			k := concept(c.Code)
			if k == nil {
				continue
			}
			out.Component = append(out.Component, fhir.ObservationComponent{Code: k, ObservationValue: value(c.ObservationValue), DataAbsentReason: concept(c.DataAbsentReason)})
		}
		return out
	case *fhir.Condition:
		return &fhir.Condition{ClinicalStatus: concept(r.ClinicalStatus), VerificationStatus: concept(r.VerificationStatus), Category: concepts(r.Category),
			Severity: concept(r.Severity), Code: concept(r.Code), BodySite: concepts(r.BodySite), Subject: subject,
			OnsetDateTime: month(r.OnsetDateTime), AbatementDateTime: month(r.AbatementDateTime), RecordedDate: month(r.RecordedDate)}
	}
	return nil
}

// concept keeps the codings' system, version and code; never a display,
// a text or a user-selected flag (free text a person may have typed).
// nil if no coding has a system and a code.
func concept(c *fhir.CodeableConcept) *fhir.CodeableConcept {
	if c == nil {
		return nil
	}
	var out fhir.CodeableConcept
	for _, cd := range c.Coding {
		if cd.System != "" && cd.Code != "" && !free(cd.System) {
			out.Coding = append(out.Coding, fhir.Coding{System: cd.System, Version: cd.Version, Code: cd.Code})
		}
	}
	if len(out.Coding) == 0 {
		return nil
	}
	return &out
}

// free reports code systems that hold identifiers, not concepts: a
// "code" there could be a lot number or a doctor's number.
func free(system string) bool {
	switch system {
	case "http://fhir.de/sid/gkv/kvid-10", "https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR", "http://fhir.de/sid/pkv/kvid-10":
		return true
	}
	return false
}

func concepts(cs []fhir.CodeableConcept) []fhir.CodeableConcept {
	var out []fhir.CodeableConcept
	for i := range cs {
		if c := concept(&cs[i]); c != nil {
			out = append(out, *c)
		}
	}
	return out
}

func unknownConcept() *fhir.CodeableConcept {
	return &fhir.CodeableConcept{Coding: []fhir.Coding{{System: "http://terminology.hl7.org/CodeSystem/data-absent-reason", Code: "unknown"}}}
}

// value keeps numbers, codes, booleans and month dates; a string value
// (free text) is dropped.
func value(v fhir.ObservationValue) fhir.ObservationValue {
	out := fhir.ObservationValue{ValueCodeableConcept: concept(v.ValueCodeableConcept), ValueBoolean: v.ValueBoolean, ValueInteger: v.ValueInteger,
		ValueDateTime: month(v.ValueDateTime)}
	if q := v.ValueQuantity; q != nil && q.Value != "" {
		out.ValueQuantity = &fhir.Quantity{Value: q.Value, Comparator: q.Comparator, System: q.System, Code: q.Code}
		if q.System == "http://unitsofmeasure.org" {
			out.ValueQuantity.Unit = q.Code
		}
	}
	return out
}

// code keeps s if it is one of the values of the FHIR code set.
func code(s string, allowed ...string) string {
	if slices.Contains(allowed, s) {
		return s
	}
	return ""
}

// month cuts a date or dateTime to its month ("2024-05"); a year alone
// stays a year.
func month(d fhir.Date) fhir.Date {
	s := string(d)
	switch {
	case len(s) >= 7 && s[4] == '-':
		return fhir.Date(s[:7])
	case len(s) == 4:
		return d
	}
	return ""
}

// uuidOf formats the pseudonym (16 bytes in hex) as a UUID.
func uuidOf(p string) string {
	if len(p) != 32 {
		return randomUUID()
	}
	return p[:8] + "-" + p[8:12] + "-" + p[12:16] + "-" + p[16:20] + "-" + p[20:]
}

func randomUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}
