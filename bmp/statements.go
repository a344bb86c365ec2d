package bmp

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/akte/akte/fhir"
)

// Code systems of the BMP code tables, by their OIDs.
const (
	SystemDoseUnit   = "urn:oid:1.2.276.0.76.3.1.1.5.2.41" // S_BMP_DOSIEREINHEIT
	SystemDoseForm   = "urn:oid:1.2.276.0.76.3.1.1.5.2.40" // S_BMP_DARREICHUNGSFORM
	SystemSubHeading = "urn:oid:1.2.276.0.76.3.1.1.5.2.42" // S_BMP_ZWISCHENUEBERSCHRIFT
	// SystemLine identifies a line of a plan: "<instance id>-<n>", n
	// counting the medication lines of the plan from 1.
	SystemLine = "urn:akte:bmp-line"
)

// when maps the four parts of the schema to FHIR event timings.
var when = [4]string{"MORN", "NOON", "EVE", "NIGHT"}

var weekdays = [8]string{"", "mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// MedicationStatements maps every medication and recipe line of the plan to
// one FHIR MedicationStatement about subject: the PZN as coding, the name
// (or the active ingredients) as text, the four-part schema as one Dosage
// per time of day (timing.repeat.when MORN, NOON, EVE, NIGHT, the dose as
// a quantity in the BMP unit), free-text dosing as Dosage.text, the weekday
// of a weekly dose, instructions, reason, the bound extra line as a note,
// the sub-heading as category (411 Bedarfsmedikation: as needed), the
// author as information source and the print date as dateAsserted. Free
// text lines (X) are not medications and are not mapped.
func (p *Plan) MedicationStatements(subject fhir.Reference) []*fhir.MedicationStatement {
	var out []*fhir.MedicationStatement
	n := 0
	for _, s := range p.Sections {
		for _, l := range s.Lines {
			if l.Kind == FreeText {
				continue
			}
			n++
			out = append(out, p.statement(s, l, n, subject))
		}
	}
	return out
}

func (p *Plan) statement(s Section, l Line, n int, subject fhir.Reference) *fhir.MedicationStatement {
	ms := &fhir.MedicationStatement{
		Status:                    "active",
		Identifier:                []fhir.Identifier{{System: SystemLine, Value: fmt.Sprintf("%s-%d", p.ID, n)}},
		Subject:                   &subject,
		MedicationCodeableConcept: &fhir.CodeableConcept{Text: l.Label()},
	}
	if l.PZN != "" {
		ms.MedicationCodeableConcept.Coding = []fhir.Coding{{System: fhir.SystemPZN, Code: l.PZN, Display: l.Name}}
	}
	if len(p.Author.Printed) >= 10 {
		ms.DateAsserted = fhir.Date(p.Author.Printed[:10])
	}
	src := &fhir.Reference{Display: p.Author.Name}
	if p.Author.LANR != "" {
		src.Identifier = &fhir.Identifier{System: fhir.SystemLANR, Value: p.Author.LANR}
	}
	ms.InformationSource = src
	switch {
	case s.HeadingCode != "":
		ms.Category = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: SystemSubHeading, Code: s.HeadingCode, Display: s.Heading}}}
	case s.Heading != "":
		ms.Category = &fhir.CodeableConcept{Text: s.Heading}
	}
	if l.Indication != "" {
		ms.ReasonCode = []fhir.CodeableConcept{{Text: l.Indication}}
	}
	if l.Extra != "" {
		ms.Note = []fhir.Annotation{{Text: l.Extra}}
	}
	ms.Dosage = l.dosages(s.HeadingCode == "411")
	return ms
}

// Label is what names the medication: the trade name, else the active
// ingredients with their strengths, else the PZN.
func (l Line) Label() string {
	if l.Name != "" {
		return l.Name
	}
	var parts []string
	for _, in := range l.Ingredients {
		parts = append(parts, strings.TrimSpace(in.Name+" "+in.Strength))
	}
	if len(parts) > 0 {
		return strings.Join(parts, ", ")
	}
	if l.PZN != "" {
		return "PZN " + l.PZN
	}
	return ""
}

func (l Line) dosages(asNeeded bool) []fhir.Dosage {
	base := fhir.Dosage{PatientInstruction: l.Instructions}
	if asNeeded {
		t := true
		base.AsNeededBoolean = &t
	}
	parts := [4]string{l.Dose.Morning, l.Dose.Noon, l.Dose.Evening, l.Dose.Night}
	schema := l.Dose.Schema()
	if schema == "" {
		base.Text = l.Dose.Text
		if base.Text != "" && l.Unit != "" {
			base.Text += " " + l.Unit
		}
		if base.Text == "" && base.PatientInstruction == "" && base.AsNeededBoolean == nil {
			return nil
		}
		return []fhir.Dosage{base}
	}
	var out []fhir.Dosage
	for i, v := range parts {
		if v == "" || v == "0" {
			continue
		}
		d := base
		d.Sequence = len(out) + 1
		if len(out) == 0 {
			d.Text = schema
			if l.Unit != "" {
				d.Text += " " + l.Unit
			}
		} else {
			d.PatientInstruction = ""
		}
		rep := &fhir.TimingRepeat{When: []string{when[i]}}
		if l.Weekday > 0 {
			rep.DayOfWeek = []string{weekdays[l.Weekday]}
			rep.Frequency, rep.Period, rep.PeriodUnit = 1, "1", "wk"
		}
		d.Timing = &fhir.Timing{Repeat: rep}
		q := &fhir.Quantity{Value: decimal(v), Unit: l.Unit}
		if l.UnitCode != "" {
			q.System, q.Code = SystemDoseUnit, l.UnitCode
		}
		d.DoseAndRate = []fhir.DoseAndRate{{DoseQuantity: q}}
		out = append(out, d)
	}
	if len(out) == 0 { // 0-0-0-0: keep the schema as text
		base.Text = schema
		out = append(out, base)
	}
	return out
}

// decimal turns a BMP dose ("1", "2,5", "1/2") into a FHIR decimal. Thirds
// are rounded to three places; the exact form stays in Dosage.text.
func decimal(v string) json.Number {
	switch v {
	case "1/8":
		return "0.125"
	case "1/4":
		return "0.25"
	case "1/3":
		return "0.333"
	case "1/2":
		return "0.5"
	case "2/3":
		return "0.667"
	case "3/4":
		return "0.75"
	}
	return json.Number(strings.ReplaceAll(v, ",", "."))
}
