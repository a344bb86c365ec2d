// Package doctors builds the list of the doctors a person saw in the last
// four years, with the date of the last visit, from the record's FHIR
// entries (Practitioner, Encounter, and the performers of Procedure and
// Immunization) and from the insurer's billing data, and searches it. Pure
// Go, WebAssembly-ready.
package doctors

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/fhir"
	"golang.org/x/text/unicode/norm"
)

// Years is how far back the list goes.
const Years = 4

// Billing is one line of the billing data an insurer pushes (one treatment
// case or service of a doctor on a day). JSON shape, all strings:
//
//	{"date": "2025-03-14", "lanr": "123456667", "bsnr": "721234500",
//	 "name": "Dr. med. Erika Musterfrau", "specialty": "Allgemeinmedizin",
//	 "address": "Markt 1, 10115 Berlin", "phone": "030 1234567"}
//
// date and name are required; lanr identifies the doctor where given, else
// bsnr and name together.
type Billing struct {
	Date      string `json:"date"`
	LANR      string `json:"lanr,omitempty"`
	BSNR      string `json:"bsnr,omitempty"`
	Name      string `json:"name"`
	Specialty string `json:"specialty,omitempty"`
	Address   string `json:"address,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// Doctor is one entry of the list.
type Doctor struct {
	Name      string `json:"name"`
	LANR      string `json:"lanr,omitempty"`
	BSNR      string `json:"bsnr,omitempty"`
	Specialty string `json:"specialty,omitempty"`
	Address   string `json:"address,omitempty"`
	Phone     string `json:"phone,omitempty"`
	// LastVisit is the day of the last visit within the last four years,
	// "" for a doctor entered as a Practitioner without a visit.
	LastVisit string `json:"last_visit,omitempty"`
	Visits    int    `json:"visits"` // distinct days
	// PractitionerID is the id of the record's Practitioner entry, if any.
	PractitionerID string `json:"practitioner_id,omitempty"`
	// Sources says where the doctor was found: billing, practitioner,
	// encounter, procedure, immunization.
	Sources []string `json:"sources"`
	days    map[string]bool
}

// CheckBilling refuses a billing line without date or name, with a date
// that is not YYYY-MM-DD, or with a malformed LANR or BSNR (akte.Error,
// KindInvalid; reasons billing_date_invalid, billing_name_missing,
// lanr_check_digit, bsnr_format; Params name the line, counted from 1).
func CheckBilling(lines []Billing) error {
	const op = "doctors.billing"
	for i, b := range lines {
		p := map[string]any{"line": i + 1}
		if _, err := time.Parse(time.DateOnly, b.Date); err != nil {
			return akte.R(op, akte.KindInvalid, "billing_date_invalid", p, "billing line has no date of the form YYYY-MM-DD")
		}
		if strings.TrimSpace(b.Name) == "" {
			return akte.R(op, akte.KindInvalid, "billing_name_missing", p, "billing line has no doctor's name")
		}
		if b.LANR != "" && !akte.ValidLANR(b.LANR) {
			return akte.R(op, akte.KindInvalid, "lanr_check_digit", p, "billing line has an invalid LANR")
		}
		if b.BSNR != "" && !akte.ValidBSNR(b.BSNR) {
			return akte.R(op, akte.KindInvalid, "bsnr_format", p, "billing line has a BSNR that is not nine digits")
		}
	}
	return nil
}

// List returns the doctors with a visit in the four years up to today,
// newest visit first, followed by the Practitioner entries without a visit
// (the person's own list of doctors), by name. One doctor is one LANR, or,
// without one, one name (compared without case, accents and titles). Lines
// of billing data that CheckBilling would refuse are skipped.
func List(entries []fhir.Resource, billing []Billing, today time.Time) []Doctor {
	l := &list{since: fhir.Day(today).AddDate(-Years, 0, 0), today: fhir.Day(today), byKey: map[string]*Doctor{}, byRef: map[string]*Doctor{}}
	// Practitioners first, so that visits can refer to them.
	for _, e := range entries {
		if p, ok := e.(*fhir.Practitioner); ok {
			l.practitioner(p)
		}
	}
	for _, e := range entries {
		switch r := e.(type) {
		case *fhir.Encounter:
			if r.Status == "cancelled" || r.Status == "entered-in-error" || r.Status == "planned" || r.Period == nil {
				continue
			}
			for _, p := range r.Participant {
				l.visit(p.Individual, r.Period.Start, "encounter")
			}
		case *fhir.Procedure:
			if r.Status != "completed" {
				continue
			}
			d := r.PerformedDateTime
			if d == "" && r.PerformedPeriod != nil {
				d = r.PerformedPeriod.Start
			}
			for _, p := range r.Performer {
				l.visit(p.Actor, d, "procedure")
			}
		case *fhir.Immunization:
			if r.Status != "completed" {
				continue
			}
			for _, p := range r.Performer {
				l.visit(p.Actor, r.OccurrenceDateTime, "immunization")
			}
		}
	}
	for _, b := range billing {
		if CheckBilling([]Billing{b}) != nil {
			continue
		}
		d := l.find(b.LANR, b.Name)
		d.fill(Doctor{Name: b.Name, LANR: b.LANR, BSNR: b.BSNR, Specialty: b.Specialty, Address: b.Address, Phone: b.Phone})
		l.addVisit(d, fhir.Date(b.Date), "billing")
	}
	var out []Doctor
	for _, d := range l.order {
		if d.LastVisit == "" && d.PractitionerID == "" {
			continue // seen only before the four years
		}
		slices.Sort(d.Sources)
		d.Sources = slices.Compact(d.Sources)
		d.Visits = len(d.days)
		out = append(out, *d)
	}
	slices.SortStableFunc(out, func(a, b Doctor) int {
		if c := cmp.Compare(b.LastVisit, a.LastVisit); c != 0 {
			return c
		}
		return cmp.Compare(fold(a.Name), fold(b.Name))
	})
	return out
}

type list struct {
	since, today time.Time
	byKey        map[string]*Doctor // "lanr:..." or "name:..."
	byRef        map[string]*Doctor // "Practitioner/<id>"
	order        []*Doctor
}

func (l *list) practitioner(p *fhir.Practitioner) {
	var lanr, bsnr string
	for _, id := range p.Identifier {
		switch id.System {
		case fhir.SystemLANR:
			lanr = id.Value
		case fhir.SystemBSNR:
			bsnr = id.Value
		}
	}
	name := ""
	if len(p.Name) > 0 {
		name = p.Name[0].String()
	}
	d := l.find(lanr, name)
	nd := Doctor{Name: name, LANR: lanr, BSNR: bsnr, PractitionerID: p.ID}
	if len(p.Qualification) > 0 {
		nd.Specialty = p.Qualification[0].Code.Label()
	}
	if len(p.Address) > 0 {
		nd.Address = address(p.Address[0])
	}
	for _, t := range p.Telecom {
		if t.System == "phone" && nd.Phone == "" {
			nd.Phone = t.Value
		}
	}
	d.fill(nd)
	d.Sources = append(d.Sources, "practitioner")
	if p.ID != "" {
		l.byRef["Practitioner/"+p.ID] = d
	}
}

// visit records a visit to the doctor a reference names: a Practitioner
// of the record, else its LANR identifier or display name.
func (l *list) visit(ref *fhir.Reference, day fhir.Date, source string) {
	if ref == nil || day == "" {
		return
	}
	d := l.byRef[ref.Reference]
	if d == nil {
		if ref.Type != "" && ref.Type != "Practitioner" || strings.HasPrefix(ref.Reference, "Organization/") {
			return
		}
		lanr := ""
		if ref.Identifier != nil && ref.Identifier.System == fhir.SystemLANR {
			lanr = ref.Identifier.Value
		}
		if lanr == "" && ref.Display == "" {
			return
		}
		d = l.find(lanr, ref.Display)
		d.fill(Doctor{Name: ref.Display, LANR: lanr})
	}
	l.addVisit(d, day, source)
}

func (l *list) addVisit(d *Doctor, day fhir.Date, source string) {
	first, _, ok := day.Days()
	if !ok || first.Before(l.since) || first.After(l.today) {
		return
	}
	s := first.Format(time.DateOnly)
	if d.days == nil {
		d.days = map[string]bool{}
	}
	d.days[s] = true
	if s > d.LastVisit {
		d.LastVisit = s
	}
	d.Sources = append(d.Sources, source)
}

// find returns the doctor with this LANR, or this name, creating it.
func (l *list) find(lanr, name string) *Doctor {
	keys := []string{}
	if lanr != "" {
		keys = append(keys, "lanr:"+lanr)
	}
	if n := nameKey(name); n != "" {
		keys = append(keys, "name:"+n)
	}
	for _, k := range keys {
		if d := l.byKey[k]; d != nil && (lanr == "" || d.LANR == "" || d.LANR == lanr) {
			for _, k := range keys {
				l.byKey[k] = d
			}
			return d
		}
	}
	d := &Doctor{}
	for _, k := range keys {
		l.byKey[k] = d
	}
	l.order = append(l.order, d)
	return d
}

// fill sets the fields of d that are still empty.
func (d *Doctor) fill(n Doctor) {
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	set(&d.Name, n.Name)
	set(&d.LANR, n.LANR)
	set(&d.BSNR, n.BSNR)
	set(&d.Specialty, n.Specialty)
	set(&d.Address, n.Address)
	set(&d.Phone, n.Phone)
	set(&d.PractitionerID, n.PractitionerID)
}

// titles are left out when names are compared.
var titles = []string{"dr", "med", "dent", "prof", "dipl", "univ", "priv", "doz", "pd", "frau", "herr"}

// nameKey is a name for comparison: folded, without titles and
// punctuation, words sorted ("Musterfrau, Erika" = "Dr. Erika Musterfrau").
func nameKey(name string) string {
	words := strings.FieldsFunc(fold(name), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
	words = slices.DeleteFunc(words, func(w string) bool { return slices.Contains(titles, w) })
	slices.Sort(words)
	return strings.Join(words, " ")
}

// fold lowers s and takes the accents off (ü → u, ß → ss).
func fold(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "ß", "ss"))
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if r >= 0x300 && r <= 0x36f { // combining marks
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Search returns the doctors whose name, specialty, address, LANR or BSNR
// contain every word of query, compared without case and accents
// ("muller allgemein" finds "Dr. Müller, Allgemeinmedizin"). An empty
// query returns all.
func Search(ds []Doctor, query string) []Doctor {
	words := strings.Fields(fold(query))
	var out []Doctor
	for _, d := range ds {
		hay := fold(strings.Join([]string{d.Name, d.Specialty, d.Address, d.LANR, d.BSNR}, " "))
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(hay, w) }) {
			out = append(out, d)
		}
	}
	return out
}
