package health

import (
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/bmp"
	"github.com/akte/akte/fhir"
)

// PlanLine is one medication line of a plan as the clients show it
// (`akte medplan show --json`).
type PlanLine struct {
	N            int    `json:"n"`
	PZN          string `json:"pzn,omitempty"`
	Name         string `json:"name"`
	Dose         string `json:"dose,omitempty"`
	Morning      string `json:"morning,omitempty"`
	Noon         string `json:"noon,omitempty"`
	Evening      string `json:"evening,omitempty"`
	Night        string `json:"night,omitempty"`
	Unit         string `json:"unit,omitempty"`
	Form         string `json:"form,omitempty"`
	Weekday      int    `json:"weekday,omitempty"`
	Instructions string `json:"instructions,omitempty"`
	Indication   string `json:"reason,omitempty"`
	Note         string `json:"note,omitempty"`
	Heading      string `json:"heading,omitempty"`
	Entry        string `json:"entry,omitempty"`
}

// Lines lists the medication and recipe lines of a plan, numbered as
// bmp.Plan.MedicationStatements numbers them.
func Lines(p *bmp.Plan) []PlanLine {
	out := []PlanLine{}
	for _, s := range p.Sections {
		for _, l := range s.Lines {
			if l.Kind == bmp.FreeText {
				continue
			}
			d := l.Dose
			out = append(out, PlanLine{N: len(out) + 1, PZN: l.PZN, Name: l.Label(), Dose: d.String(), Morning: d.Morning, Noon: d.Noon, Evening: d.Evening,
				Night: d.Night, Unit: l.Unit, Form: l.Form, Weekday: l.Weekday, Instructions: l.Instructions, Indication: l.Indication, Note: l.Extra, Heading: s.Heading})
		}
	}
	return out
}

// Statements maps a plan to its MedicationStatements, each checked as
// every entry is (Parse against today), as the JSON texts that are sealed.
func Statements(p *bmp.Plan, today time.Time) ([]fhir.Resource, [][]byte, error) {
	subject := fhir.Reference{Display: strings.TrimSpace(p.Patient.GivenName + " " + p.Patient.FamilyName)}
	var rs []fhir.Resource
	var bs [][]byte
	for _, ms := range p.MedicationStatements(subject) {
		b, err := fhir.Marshal(ms)
		if err != nil {
			return nil, nil, err
		}
		r, b, err := Parse(b, fhir.Context{Today: today})
		if err != nil {
			return nil, nil, err
		}
		rs, bs = append(rs, r), append(bs, b)
	}
	return rs, bs, nil
}

// DecodePlan is the browser's `medplan import` before sealing
// (cmd/akte-health-wasm): carrier is the DataMatrix's content or the XML,
// one character per ISO-8859-1 byte (as a scanner's bytes become a JS
// string); today is YYYY-MM-DD. It answers the plan's instance id,
// version, lines and the MedicationStatements to seal (JSON texts), or
// the reason it is refused; nothing is stored.
func DecodePlan(carrier, today string) (map[string]any, error) {
	day, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return nil, akte.R("medplan.decode", akte.KindInvalid, "date_format", map[string]any{"flag": "today"}, "")
	}
	raw := make([]byte, 0, len(carrier))
	for _, r := range carrier {
		if r > 0xff {
			return nil, akte.R("medplan.decode", akte.KindInvalid, "bmp_xml_invalid", nil, "")
		}
		raw = append(raw, byte(r))
	}
	p, err := bmp.Decode(raw)
	if err != nil {
		return nil, err
	}
	if p, err = bmp.Merge(p); err != nil {
		return nil, err
	}
	_, bs, err := Statements(p, day)
	if err != nil {
		return nil, err
	}
	sts := make([]string, len(bs))
	for i, b := range bs {
		sts[i] = string(b)
	}
	date := ""
	if len(p.Author.Printed) >= 10 {
		date = p.Author.Printed[:10]
	}
	return map[string]any{"id": p.ID, "version": p.Version, "author": p.Author.Name, "date": date, "lines": Lines(p), "statements": sts}, nil
}
