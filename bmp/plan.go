// Package bmp reads the Bundeseinheitlicher Medikationsplan (BMP, § 31a
// SGB V): the UKF XML of the plan's DataMatrix in versions 2.5 to 2.8, and
// one FHIR MedicationStatement per line. The DataMatrix itself (gozxing)
// is package bmp/datamatrix, the printable plan in the BMP layout (PDF)
// package bmp/bmppdf, so that this package stays small for the browser's
// WebAssembly module. Pure Go without I/O.
package bmp

// Plan is one decoded medication plan (one page of it, or all pages after
// Merge). Strings are UTF-8; a "~" of the carrier (manual line break) is a
// "\n" here.
type Plan struct {
	Version  string // "2.5" ... "2.8"
	ID       string // instance GUID (MP@U), the same on every page
	Page     int    // this page (1 if the plan has one page)
	Pages    int    // total pages
	Language string
	Patient  Patient
	Author   Author
	// Parameters is the block of clinical parameters, nil if absent.
	Parameters *Parameters
	Sections   []Section
	// Raw is the carrier as read: ISO-8859-1 XML without prolog. Kept so
	// that the original can be stored and printed as a DataMatrix again.
	Raw []byte
}

// Patient is MP/P.
type Patient struct {
	GivenName, FamilyName string
	Title, Prefix, Suffix string
	KVNR                  string // eGK number as printed; not checked (examples are not check-digit valid)
	// BirthDate is YYYY-MM-DD, or YYYY-MM or YYYY when the plan gives 00
	// for an unknown day or month.
	BirthDate string
	Sex       string // M, W, X or D as on the plan
}

// Author is MP/A: who printed the plan.
type Author struct {
	Name                     string
	LANR, IDF, IK            string
	Street, PostalCode, City string
	Phone, Email             string
	Printed                  string // YYYY-MM-DDThh:mm:ss
}

// Parameters is MP/O.
type Parameters struct {
	Allergies     string
	Pregnant      bool
	Breastfeeding bool
	WeightKg      string // decimal with a point, e.g. "85" or "72.5"
	HeightCm      string
	Creatinine    string // mg/dl
	Text          string
}

// Section is MP/S: an optional sub-heading and its lines.
type Section struct {
	HeadingCode string // 411..425, "" if free text or none
	Heading     string // the heading's text (from the code table for a code)
	Lines       []Line
}

// LineKind tells medication, free-text and compounded-preparation lines
// apart.
type LineKind string

const (
	Medication LineKind = "medication" // MP/S/M
	FreeText   LineKind = "text"       // MP/S/X
	Recipe     LineKind = "recipe"     // MP/S/R (Rezeptur)
)

// Line is one line of the plan.
type Line struct {
	Kind LineKind
	// PZN is the eight-digit PZN (left-padded), "" if none.
	PZN string
	// Name is the trade name (a); for a Recipe or FreeText line its text.
	Name string
	// Form is the dosage form as printed: the code table's display for an
	// IFA code (2.5), the code itself (2.8) or the free text (fd).
	Form, FormCode string
	// Dose is the four-part schema or the free-text dosing.
	Dose Dose
	// Weekday is 1 (Monday) to 7 for a weekly dose (2.8), else 0.
	Weekday int
	// Unit is the dose unit as printed; UnitCode its code (du), "" for
	// free text (dud).
	Unit, UnitCode string
	Instructions   string // i: Hinweise
	Indication     string // r: Behandlungsgrund (reason for treatment)
	Extra          string // x: bound extra line
	Ingredients    []Ingredient
}

// Dose is the dosing of a line: the four-part schema morning, noon,
// evening, night (values as printed: "1", "1/2", "0,5"; "" = 0), or Text.
type Dose struct {
	Morning, Noon, Evening, Night string
	Text                          string
}

// Schema is the four-part schema as printed on the plan ("1-0-1-0"), or
// "" if the dose is free text or absent.
func (d Dose) Schema() string {
	if d.Morning == "" && d.Noon == "" && d.Evening == "" && d.Night == "" {
		return ""
	}
	z := func(s string) string {
		if s == "" {
			return "0"
		}
		return s
	}
	return z(d.Morning) + "-" + z(d.Noon) + "-" + z(d.Evening) + "-" + z(d.Night)
}

// String is the schema, or the free text.
func (d Dose) String() string {
	if s := d.Schema(); s != "" {
		return s
	}
	return d.Text
}

// Ingredient is an active ingredient (W) with its strength.
type Ingredient struct {
	Name, Strength string
}

// Medications returns the medication and recipe lines of all sections.
func (p *Plan) Medications() []Line {
	var ls []Line
	for _, s := range p.Sections {
		for _, l := range s.Lines {
			if l.Kind != FreeText {
				ls = append(ls, l)
			}
		}
	}
	return ls
}
