package fhir

import "encoding/json"

// The FHIR R4 data types the resources use. Primitive types are Go strings
// (date, dateTime, code, uri, id, markdown) holding the FHIR lexical form;
// decimals are json.Number so that "1.50" keeps its precision. Every element
// is optional in Go; Parse and Check enforce what FHIR and Akte require.

// Date is a FHIR date or dateTime: "2024", "2024-05", "2024-05-01" or
// "2024-05-01T10:30:00+02:00" (see ParseDate).
type Date string

// Extension is a FHIR extension with the value types Akte uses.
type Extension struct {
	URL                  string           `json:"url"`
	ValueString          string           `json:"valueString,omitempty"`
	ValueCode            string           `json:"valueCode,omitempty"`
	ValueBoolean         *bool            `json:"valueBoolean,omitempty"`
	ValueInteger         *int             `json:"valueInteger,omitempty"`
	ValueDate            Date             `json:"valueDate,omitempty"`
	ValueDateTime        Date             `json:"valueDateTime,omitempty"`
	ValueCoding          *Coding          `json:"valueCoding,omitempty"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
	ValueReference       *Reference       `json:"valueReference,omitempty"`
	ValueQuantity        *Quantity        `json:"valueQuantity,omitempty"`
	Extension            []Extension      `json:"extension,omitempty"`
}

// Meta is Resource.meta.
type Meta struct {
	VersionID   string   `json:"versionId,omitempty"`
	LastUpdated string   `json:"lastUpdated,omitempty"`
	Source      string   `json:"source,omitempty"`
	Profile     []string `json:"profile,omitempty"`
	Security    []Coding `json:"security,omitempty"`
	Tag         []Coding `json:"tag,omitempty"`
}

// Coding is one code from a code system.
type Coding struct {
	System       string `json:"system,omitempty"`
	Version      string `json:"version,omitempty"`
	Code         string `json:"code,omitempty"`
	Display      string `json:"display,omitempty"`
	UserSelected *bool  `json:"userSelected,omitempty"`
}

// CodeableConcept is a concept as codes and/or text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Code returns the first code of system in c, or "".
func (c *CodeableConcept) Code(system string) string {
	if c == nil {
		return ""
	}
	for _, cd := range c.Coding {
		if cd.System == system {
			return cd.Code
		}
	}
	return ""
}

// Label is what to show for c: its text, else the first display, else the
// first code.
func (c *CodeableConcept) Label() string {
	if c == nil {
		return ""
	}
	if c.Text != "" {
		return c.Text
	}
	for _, cd := range c.Coding {
		if cd.Display != "" {
			return cd.Display
		}
	}
	for _, cd := range c.Coding {
		if cd.Code != "" {
			return cd.Code
		}
	}
	return ""
}

// Identifier is a business identifier (KVNR, LANR, BSNR, ...).
type Identifier struct {
	Use      string           `json:"use,omitempty"`
	Type     *CodeableConcept `json:"type,omitempty"`
	System   string           `json:"system,omitempty"`
	Value    string           `json:"value,omitempty"`
	Period   *Period          `json:"period,omitempty"`
	Assigner *Reference       `json:"assigner,omitempty"`
}

// Reference points at another resource, by reference, identifier or
// display.
type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Type       string      `json:"type,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Period is a time range; either end may be open.
type Period struct {
	Start Date `json:"start,omitempty"`
	End   Date `json:"end,omitempty"`
}

// Quantity is a measured amount.
type Quantity struct {
	Value      json.Number `json:"value,omitempty"`
	Comparator string      `json:"comparator,omitempty"`
	Unit       string      `json:"unit,omitempty"`
	System     string      `json:"system,omitempty"`
	Code       string      `json:"code,omitempty"`
}

// Range is a low/high pair of quantities.
type Range struct {
	Low  *Quantity `json:"low,omitempty"`
	High *Quantity `json:"high,omitempty"`
}

// HumanName is a person's name.
type HumanName struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	Prefix []string `json:"prefix,omitempty"`
	Suffix []string `json:"suffix,omitempty"`
	Period *Period  `json:"period,omitempty"`
}

// String is the name as one line: text, else prefixes, given names and
// family name.
func (n HumanName) String() string {
	if n.Text != "" {
		return n.Text
	}
	s := ""
	for _, p := range append(append(append([]string{}, n.Prefix...), n.Given...), n.Family) {
		if p == "" {
			continue
		}
		if s != "" {
			s += " "
		}
		s += p
	}
	return s
}

// Address is a postal address.
type Address struct {
	Use        string   `json:"use,omitempty"`
	Type       string   `json:"type,omitempty"`
	Text       string   `json:"text,omitempty"`
	Line       []string `json:"line,omitempty"`
	City       string   `json:"city,omitempty"`
	District   string   `json:"district,omitempty"`
	State      string   `json:"state,omitempty"`
	PostalCode string   `json:"postalCode,omitempty"`
	Country    string   `json:"country,omitempty"`
	Period     *Period  `json:"period,omitempty"`
}

// ContactPoint is a phone number, e-mail address etc.
type ContactPoint struct {
	System string  `json:"system,omitempty"` // phone | fax | email | pager | url | sms | other
	Value  string  `json:"value,omitempty"`
	Use    string  `json:"use,omitempty"`
	Rank   int     `json:"rank,omitempty"`
	Period *Period `json:"period,omitempty"`
}

// Annotation is a note with an optional author and time.
type Annotation struct {
	AuthorString    string     `json:"authorString,omitempty"`
	AuthorReference *Reference `json:"authorReference,omitempty"`
	Time            Date       `json:"time,omitempty"`
	Text            string     `json:"text"`
}

// Timing says when something happens (for Dosage).
type Timing struct {
	Event  []Date           `json:"event,omitempty"`
	Repeat *TimingRepeat    `json:"repeat,omitempty"`
	Code   *CodeableConcept `json:"code,omitempty"`
}

// TimingRepeat is Timing.repeat. When holds the event codes of
// http://hl7.org/fhir/event-timing (MORN, NOON, EVE, NIGHT, ...).
type TimingRepeat struct {
	BoundsPeriod *Period     `json:"boundsPeriod,omitempty"`
	Count        int         `json:"count,omitempty"`
	Frequency    int         `json:"frequency,omitempty"`
	Period       json.Number `json:"period,omitempty"`
	PeriodUnit   string      `json:"periodUnit,omitempty"` // s | min | h | d | wk | mo | a
	DayOfWeek    []string    `json:"dayOfWeek,omitempty"`  // mon | tue | ...
	TimeOfDay    []string    `json:"timeOfDay,omitempty"`
	When         []string    `json:"when,omitempty"`
}

// Dosage says how a medication is (to be) taken.
type Dosage struct {
	Sequence                 int               `json:"sequence,omitempty"`
	Text                     string            `json:"text,omitempty"`
	AdditionalInstruction    []CodeableConcept `json:"additionalInstruction,omitempty"`
	PatientInstruction       string            `json:"patientInstruction,omitempty"`
	Timing                   *Timing           `json:"timing,omitempty"`
	AsNeededBoolean          *bool             `json:"asNeededBoolean,omitempty"`
	AsNeededCodeableConcept  *CodeableConcept  `json:"asNeededCodeableConcept,omitempty"`
	Site                     *CodeableConcept  `json:"site,omitempty"`
	Route                    *CodeableConcept  `json:"route,omitempty"`
	Method                   *CodeableConcept  `json:"method,omitempty"`
	DoseAndRate              []DoseAndRate     `json:"doseAndRate,omitempty"`
	MaxDosePerAdministration *Quantity         `json:"maxDosePerAdministration,omitempty"`
}

// DoseAndRate is Dosage.doseAndRate.
type DoseAndRate struct {
	Type         *CodeableConcept `json:"type,omitempty"`
	DoseQuantity *Quantity        `json:"doseQuantity,omitempty"`
	DoseRange    *Range           `json:"doseRange,omitempty"`
}

// Narrative is Resource.text.
type Narrative struct {
	Status string `json:"status"`
	Div    string `json:"div"`
}
