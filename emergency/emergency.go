// Package emergency gathers the emergency data of a record from its FHIR
// entries (allergies, conditions, current medication, emergency contacts).
// Pure Go, WebAssembly-ready: the browser's health module links it; the
// wallet card (PDF) is package emergency/card, apart for fpdf's sake.
package emergency

import (
	"slices"
	"strings"
	"time"

	"github.com/akte/akte/fhir"
)

// Summary is the emergency data of one person.
type Summary struct {
	Name      string    `json:"name,omitempty"`
	BirthDate string    `json:"birth_date,omitempty"`
	Allergies []Allergy `json:"allergies"`
	// Conditions are the active diagnoses.
	Conditions  []Condition  `json:"conditions"`
	Medications []Medication `json:"medications"`
	Contacts    []Contact    `json:"contacts"`
}

// Allergy is an active allergy or intolerance.
type Allergy struct {
	Substance string `json:"substance"`
	// Criticality: low, high, unable-to-assess or "".
	Criticality string   `json:"criticality,omitempty"`
	Reactions   []string `json:"reactions,omitempty"`
	Type        string   `json:"type,omitempty"` // allergy | intolerance
}

// Condition is an active diagnosis.
type Condition struct {
	Text  string `json:"text"`
	Code  string `json:"code,omitempty"` // ICD-10-GM if coded
	Since string `json:"since,omitempty"`
}

// Medication is a medication taken now.
type Medication struct {
	Name       string `json:"name"`
	PZN        string `json:"pzn,omitempty"`
	Dose       string `json:"dose,omitempty"`
	Indication string `json:"reason,omitempty"` // why it is taken (not named Reason: that is an error's field)
}

// Contact is a person to call. Emergency is true for relationship C
// (emergency contact) of HL7 v2 table 0131.
type Contact struct {
	Name         string `json:"name"`
	Relationship string `json:"relationship,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Email        string `json:"email,omitempty"`
	Emergency    bool   `json:"emergency"`
}

const (
	systemICD10GM      = "http://fhir.de/CodeSystem/bfarm/icd-10-gm"
	systemRelationship = "http://terminology.hl7.org/CodeSystem/v2-0131"
)

// Summarize collects the emergency data from a record's entries on the day
// today: the Patient's name, birth date and contacts (emergency contacts
// first); allergies that are not inactive, resolved, refuted or entered in
// error; conditions that are active (or without clinical status) and not
// abated; medication statements that are active, intended or on hold and
// whose period has not ended. Lists keep the order of the entries.
func Summarize(entries []fhir.Resource, today time.Time) Summary {
	today = fhir.Day(today)
	s := Summary{Allergies: []Allergy{}, Conditions: []Condition{}, Medications: []Medication{}, Contacts: []Contact{}}
	for _, e := range entries {
		switch r := e.(type) {
		case *fhir.Patient:
			if len(r.Name) > 0 && s.Name == "" {
				s.Name = r.Name[0].String()
			}
			if s.BirthDate == "" {
				s.BirthDate = string(r.BirthDate)
			}
			for _, c := range r.Contact {
				s.Contacts = append(s.Contacts, contact(c))
			}
		case *fhir.AllergyIntolerance:
			if !current(r.ClinicalStatus, "active", "") || refuted(r.VerificationStatus) || r.Code == nil {
				continue
			}
			a := Allergy{Substance: r.Code.Label(), Criticality: r.Criticality, Type: r.Type}
			for _, re := range r.Reaction {
				for _, m := range re.Manifestation {
					if l := m.Label(); l != "" && !slices.Contains(a.Reactions, l) {
						a.Reactions = append(a.Reactions, l)
					}
				}
			}
			s.Allergies = append(s.Allergies, a)
		case *fhir.Condition:
			if !current(r.ClinicalStatus, "active", "recurrence", "relapse", "") || refuted(r.VerificationStatus) || r.Code == nil ||
				r.AbatementDateTime != "" || r.AbatementString != "" {
				continue
			}
			s.Conditions = append(s.Conditions, Condition{Text: r.Code.Label(), Code: r.Code.Code(systemICD10GM), Since: string(r.OnsetDateTime)})
		case *fhir.MedicationStatement:
			if !slices.Contains([]string{"active", "intended", "on-hold"}, r.Status) || ended(r.EffectivePeriod, today) {
				continue
			}
			m := Medication{}
			if c := r.MedicationCodeableConcept; c != nil {
				m.Name, m.PZN = c.Label(), c.Code(fhir.SystemPZN)
			} else if r.MedicationReference != nil {
				m.Name = r.MedicationReference.Display
			}
			if len(r.Dosage) > 0 {
				m.Dose = r.Dosage[0].Text
			}
			if len(r.ReasonCode) > 0 {
				m.Indication = r.ReasonCode[0].Label()
			}
			if m.Name != "" {
				s.Medications = append(s.Medications, m)
			}
		}
	}
	slices.SortStableFunc(s.Contacts, func(a, b Contact) int {
		switch {
		case a.Emergency && !b.Emergency:
			return -1
		case b.Emergency && !a.Emergency:
			return 1
		}
		return 0
	})
	return s
}

// current reports whether a clinical status is one of codes ("" = none
// given).
func current(status *fhir.CodeableConcept, codes ...string) bool {
	code := ""
	if status != nil && len(status.Coding) > 0 {
		code = status.Coding[0].Code
	}
	return slices.Contains(codes, code)
}

func refuted(v *fhir.CodeableConcept) bool {
	if v == nil || len(v.Coding) == 0 {
		return false
	}
	c := v.Coding[0].Code
	return c == "refuted" || c == "entered-in-error"
}

func ended(p *fhir.Period, today time.Time) bool {
	if p == nil || p.End == "" {
		return false
	}
	_, last, ok := p.End.Days()
	return ok && last.Before(today)
}

func contact(c fhir.PatientContact) Contact {
	out := Contact{}
	if c.Name != nil {
		out.Name = c.Name.String()
	}
	var rel []string
	for _, r := range c.Relationship {
		for _, cd := range r.Coding {
			if cd.System == systemRelationship && cd.Code == "C" {
				out.Emergency = true
			}
		}
		if l := r.Label(); l != "" && l != "C" {
			rel = append(rel, l)
		}
	}
	out.Relationship = strings.Join(rel, ", ")
	for _, t := range c.Telecom {
		switch {
		case (t.System == "phone" || t.System == "sms") && out.Phone == "":
			out.Phone = t.Value
		case t.System == "email" && out.Email == "":
			out.Email = t.Value
		}
	}
	return out
}
