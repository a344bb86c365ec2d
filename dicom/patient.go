package dicom

import (
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Match says how a value from the files compares with the record's.
type Match string

// Results of a comparison.
const (
	MatchYes     Match = "match"
	MatchNo      Match = "mismatch"
	MatchUnknown Match = "unknown" // one side lacks the value, or it says too little
)

// PatientCheck compares a study's patient with the record holder.
type PatientCheck struct {
	Name      Match `json:"name"`
	BirthDate Match `json:"birth_date"`
}

// Mismatch reports whether name or birth date differ: the CD is probably
// of another person, and the caller asks before importing.
func (c PatientCheck) Mismatch() bool { return c.Name == MatchNo || c.BirthDate == MatchNo }

// ComparePatient compares the patient of a study with the record holder's
// name, as free text in any order ("Erika Mustermann", "Mustermann,
// Erika"), and birth date (YYYY-MM-DD).
//
// Names are compared after folding case and accents, in two ways (ä as ae
// and as a), since CDs often write names in upper-case ASCII: the family
// name of the file must appear in the record's name, and one of its given
// names too. A file without given names, or a bare name without
// components, matches only when all its words are in the record's name or
// the other way round, with at least two words; otherwise the answer is
// unknown rather than a guess.
func ComparePatient(p Patient, name, birthDate string) PatientCheck {
	c := PatientCheck{Name: compareName(p.Name, name), BirthDate: MatchUnknown}
	a, b := NormDate(p.BirthDate), ""
	if t, err := time.Parse(time.DateOnly, strings.TrimSpace(birthDate)); err == nil {
		b = t.Format(time.DateOnly)
	}
	if a != "" && b != "" {
		c.BirthDate = MatchNo
		if a == b {
			c.BirthDate = MatchYes
		}
	}
	return c
}

func compareName(pn, name string) Match {
	res := MatchUnknown
	for _, umlaut := range []bool{true, false} {
		m := compareNameFolded(pn, name, umlaut)
		if m == MatchYes {
			return MatchYes
		}
		if m == MatchNo {
			res = MatchNo
		}
	}
	return res
}

func compareNameFolded(pn, name string, umlaut bool) Match {
	pn, _, _ = strings.Cut(pn, "=") // the alphabetic component group
	comps := strings.Split(pn, "^")
	family := words(comps[0], umlaut)
	var given []string
	if len(comps) > 1 {
		given = words(comps[1], umlaut)
	}
	if len(comps) > 2 {
		given = append(given, words(comps[2], umlaut)...)
	}
	rec := words(name, umlaut)
	if len(family)+len(given) == 0 || len(rec) == 0 {
		return MatchUnknown
	}
	in := func(ws []string, set []string) bool {
		for _, w := range ws {
			found := false
			for _, s := range set {
				found = found || s == w
			}
			if !found {
				return false
			}
		}
		return true
	}
	if len(comps) == 1 || len(given) == 0 {
		all := append(family, given...)
		if min(len(all), len(rec)) >= 2 && (in(all, rec) || in(rec, all)) {
			return MatchYes
		}
		if len(all) < 2 {
			return MatchUnknown
		}
		return MatchNo
	}
	if !in(family, rec) {
		return MatchNo
	}
	for _, g := range given {
		if in([]string{g}, rec) {
			return MatchYes
		}
	}
	return MatchNo
}

// words folds a name to lower-case ASCII words: umlauts as ae, oe, ue (or
// as a, o, u), ß as ss, other accents dropped, anything else separating.
func words(s string, umlaut bool) []string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case umlaut && r == 'ä':
			b.WriteString("ae")
		case umlaut && r == 'ö':
			b.WriteString("oe")
		case umlaut && r == 'ü':
			b.WriteString("ue")
		case r == 'ß':
			b.WriteString("ss")
		default:
			for _, d := range norm.NFD.String(string(r)) {
				if d >= 'a' && d <= 'z' {
					b.WriteRune(d)
				} else if !unicode.Is(unicode.Mn, d) {
					b.WriteByte(' ')
				}
			}
		}
	}
	return strings.Fields(b.String())
}

// normName is a name folded for telling two spellings of it apart.
func normName(pn string) string { return strings.Join(words(pn, true), " ") }

// NormDate returns a DICOM date (DA: YYYYMMDD, or the ACR-NEMA form
// YYYY.MM.DD) as YYYY-MM-DD, or "" if it is not a valid date.
func NormDate(da string) string {
	da = strings.TrimSpace(da)
	if len(da) == 10 && da[4] == '.' && da[7] == '.' {
		da = da[:4] + da[5:7] + da[8:]
	}
	if len(da) != 8 {
		return ""
	}
	t, err := time.Parse("20060102", da)
	if err != nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// FormatName returns a DICOM person name (PN) as people write it: prefix,
// given and middle names, family name, suffix ("Dr. Erika Mustermann").
func FormatName(pn string) string {
	pn, _, _ = strings.Cut(pn, "=")
	c := strings.Split(pn, "^")
	for len(c) < 5 {
		c = append(c, "")
	}
	var parts []string
	for _, s := range []string{c[3], c[1], c[2], c[0], c[4]} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}
