// Package rules evaluates a record against the STIKO vaccination calendar
// and the G-BA check-up schedule. Both are versioned data with their sources
// (stiko.json, gba.json, embedded), not code; the engines here interpret
// them. The result is recomputed on every call and never stored. Pure Go
// without I/O, so it runs in WebAssembly.
package rules

import (
	"time"

	"github.com/akte/akte/fhir"
)

// Status is the state of one target disease or examination today.
type Status string

// The statuses. Complete: nothing is recommended today (NextDate says when
// the next dose or examination is). Due: recommended now, within its
// nominal time. Overdue: its nominal time has passed by more than the rule's
// grace period; catching up is recommended. NotRecommended: no standard
// recommendation applies to this person now (age, sex, birth year, a
// catch-up limit passed, or off season); NextDate says from when one will.
const (
	Complete       Status = "complete"
	Due            Status = "due"
	Overdue        Status = "overdue"
	NotRecommended Status = "not_recommended"
)

// Result is the status of one target disease (vaccinations) or one
// examination (check-ups). Reason is a stable snake_case code that clients
// translate, with its Params.
type Result struct {
	// Target is the stable id of the target disease ("tetanus") or the
	// examination ("U4", "skin-cancer").
	Target string `json:"target"`
	// Code is the SNOMED CT code of the target disease (vaccinations) or
	// the urn:akte:checkup code (check-ups).
	Code     string         `json:"code,omitempty"`
	Status   Status         `json:"status"`
	NextDate string         `json:"next_date,omitempty"` // YYYY-MM-DD
	Reason   string         `json:"reason"`
	Params   map[string]any `json:"params,omitempty"`
	// Rule is the id of the rule (row of the data file) the status comes
	// from; the data file gives its text and sources.
	Rule string `json:"rule,omitempty"`
	// Doses counts the valid recorded doses (vaccinations only).
	Doses int `json:"doses,omitempty"`
	// LastDate is the date of the last recorded dose or examination.
	LastDate string `json:"last_date,omitempty"`
}

// Person is what the rules need to know about the patient.
type Person struct {
	BirthDate time.Time // the calendar day of birth
	// Sex is the FHIR administrative gender: female, male, other or
	// unknown. Sex-specific rules apply to other and unknown too: the data
	// cannot tell, the person and their doctor can.
	Sex string
}

func (p Person) matches(sex string) bool {
	switch sex {
	case "", "any":
		return true
	case "female", "male":
		return p.Sex != "female" && p.Sex != "male" || p.Sex == sex
	}
	return false
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// dayOf returns the first calendar day of a FHIR date, or false.
func dayOf(d fhir.Date) (time.Time, bool) {
	first, _, ok := d.Days()
	return first, ok && d != ""
}
