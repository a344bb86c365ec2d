package bmp

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte"
	"golang.org/x/text/encoding/charmap"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// line is the expected content of one plan line.
type line struct {
	section           int
	kind              LineKind
	pzn, name, dose   string
	unit              string
	instructions      string
	reason, extra     string
	form, ingredients string
	weekday           int
}

// Expected lines, written by reading the KBV examples attribute by
// attribute.
var examples = map[string]struct {
	version, given, family, birth, author, heading2 string
	lines                                           []line
}{
	"bmp-0001.xml": {version: "2.5", given: "Jürgen", family: "Wernersen", birth: "1940-03-24", author: "Praxis Dr. Michael Müller",
		heading2: "zu besonderen Zeiten anzuwendende Medikamente",
		lines: []line{
			{section: 1, kind: Medication, pzn: "00230272", dose: "1-0-0-0", unit: "Stück", reason: "Herz/Blutdruck"},
			{section: 1, kind: Medication, pzn: "02223945", dose: "1-0-0-0", unit: "Stück", reason: "Blutdruck"},
			{section: 1, kind: Medication, pzn: "00558736", dose: "20-0-20-0", unit: "IE", instructions: "Wechseln der Injektionsstellen, unmittelbar vor einer Mahlzeit spritzen", reason: "Diabetes"},
			{section: 1, kind: Medication, pzn: "09900751", dose: "0-0-1-0", unit: "Stück", reason: "Blutfette"},
			{section: 2, kind: Medication, pzn: "02239828", dose: "alle drei Tage 1", unit: "Stück", instructions: "auf wechselnde Stellen aufkleben", reason: "Schmerzen"},
			{section: 3, kind: Medication, pzn: "02455874", dose: "1-0-0-0", unit: "Stück", reason: "Stimmung"},
		}},
	"bmp-0002.xml": {version: "2.5", given: "Ricarda", family: "Musterfrau", birth: "1947-04-25", author: "Praxis Dr. Michael Müller",
		heading2: "Antibiotikatherapie für 7 Tage (31.5. bis 6.6.)",
		lines: []line{
			{section: 1, kind: Medication, dose: "1-0-1-0", unit: "Stück", reason: "Diabetes", form: "Tabl", ingredients: "Metformin 500 mg"},
			{section: 1, kind: Medication, dose: "1-0-0-0", unit: "Stück", reason: "Blutdruck", form: "Tabl", ingredients: "Lisinopril 5 mg"},
			{section: 2, kind: Medication, pzn: "02394397", dose: "1-1-1-0", unit: "Stück", reason: "Bronchitis"},
			{section: 3, kind: Medication, pzn: "11186232", dose: "siehe nächste Zeile", instructions: "Feste Einnahmezeiten beachten!", reason: "Parkinson",
				extra: "Einnahmezeiten Parkinsonmedikation: 8:30 = 1 Tabl.; 12:30 = 2 Tabl.; 16:00 = 1 Tabl.; 18:30 = 1 Tabl."},
		}},
	"bmp-28.xml": {version: "2.8", given: "Michaela", family: "Musterhausen", birth: "1936-12-13", author: "Praxis 2", heading2: "Wöchentliche Anwendung",
		lines: []line{
			{section: 1, kind: Medication, dose: "1-0-0-0", unit: "Stück", instructions: "während der Mahlzeit", reason: "Bluthochdruck", form: "Tabl", ingredients: "Ramipril 5 mg"},
			{section: 1, kind: Medication, pzn: "06453257", name: "HCT-1A Pharma 25 mg Tabletten", dose: "1-0-0-0", unit: "Stück", instructions: "während der Mahlzeit", reason: "Bluthochdruck", form: "Tabl", ingredients: "Hydrochlorothiazid 25 mg"},
			{section: 1, kind: Medication, pzn: "00544786", name: "PROTAPHANE PENFILL ZAM", dose: "20-0-10-0", unit: "IE", instructions: "subkutan", reason: "Diabetes", form: "Injekt", ingredients: "Insulin human 100 I.E./ml"},
			{section: 2, kind: Medication, pzn: "03159468", name: "MTX HEXAL 10 mg Tabletten", dose: "1-0-0-0", unit: "Stück", instructions: "Alkoholkonsum vermeiden", reason: "Rheuma", form: "Tabl", ingredients: "Methotrexat 10 mg", weekday: 1},
			{section: 2, kind: Medication, pzn: "03971388", name: "Folsäure-Ratiopharm 5 mg", dose: "1-0-0-0", unit: "Stück", reason: "Folsäure-Mangel", form: "Tabl", ingredients: "Folsäure 5 mg", weekday: 2},
			{section: 3, kind: Medication, pzn: "16357856", name: "Nitrolingual Akut Spray", dose: "max. 3", unit: "Hub", instructions: "akut", reason: "Herzschmerzen", form: "Spray", ingredients: "Glyceroltrinitrat 0.4 mg/Dosis"},
			{section: 4, kind: Medication, pzn: "08693497", name: "CEFACLOR STADA 500", dose: "1-1-1-0", unit: "Stück", instructions: "alle 8 Stunden einnehmen", reason: "Nebenhöhlenentzündung", form: "Kapsel", ingredients: "Cefaclor 500 mg",
				extra: "Sofort mit Einnahme beginnen, für 10 Tage (bis 10.07.2026)"},
		}},
}

// checkLines compares a decoded plan with the expected lines.
func checkLines(t *testing.T, name string, p *Plan) {
	t.Helper()
	ex := examples[name]
	if p.Version != ex.version || p.Patient.GivenName != ex.given || p.Patient.FamilyName != ex.family || p.Patient.BirthDate != ex.birth || p.Author.Name != ex.author {
		t.Errorf("%s: header %s %q %q %s %q", name, p.Version, p.Patient.GivenName, p.Patient.FamilyName, p.Patient.BirthDate, p.Author.Name)
	}
	if len(p.Sections) < 2 || p.Sections[1].Heading != ex.heading2 {
		t.Errorf("%s: second heading %+v", name, p.Sections)
	}
	var got []line
	for i, s := range p.Sections {
		for _, l := range s.Lines {
			var ings []string
			for _, in := range l.Ingredients {
				ings = append(ings, strings.TrimSpace(in.Name+" "+in.Strength))
			}
			got = append(got, line{section: i + 1, kind: l.Kind, pzn: l.PZN, name: l.Name, dose: l.Dose.String(), unit: l.Unit,
				instructions: l.Instructions, reason: l.Indication, extra: l.Extra, form: l.Form, ingredients: strings.Join(ings, ", "), weekday: l.Weekday})
		}
	}
	if len(got) != len(ex.lines) {
		t.Fatalf("%s: %d lines, want %d: %+v", name, len(got), len(ex.lines), got)
	}
	for i := range got {
		if got[i] != ex.lines[i] {
			t.Errorf("%s line %d:\n got  %+v\n want %+v", name, i+1, got[i], ex.lines[i])
		}
	}
}

func TestDecodeExamples(t *testing.T) {
	for name := range examples {
		p, err := Decode(read(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkLines(t, name, p)
		if bytes.HasPrefix(p.Raw, []byte("<?xml")) || !bytes.HasPrefix(p.Raw, []byte("<MP")) {
			t.Errorf("%s: Raw is not the carrier form: %.40q", name, p.Raw)
		}
		// The carrier decodes to the same plan.
		q, err := Decode(p.Raw)
		if err != nil {
			t.Fatalf("%s raw: %v", name, err)
		}
		checkLines(t, name, q)
	}
	p, _ := Decode(read(t, "bmp-28.xml"))
	if p.Parameters == nil || p.Parameters.Allergies != "Penicillin" || p.Parameters.WeightKg != "85" ||
		p.Author.LANR != "123456667" || p.Patient.KVNR != "B987563276" || p.Patient.Sex != "W" || p.Sections[2].HeadingCode != "411" {
		t.Errorf("2.8 details: %+v %+v %+v", p.Parameters, p.Author, p.Patient)
	}
	// The same plan given as UTF-8 with a declaration that says so.
	utf := append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`), []byte(string(latin1ToUTF8(read(t, "bmp-0001.xml")[strings.Index(string(read(t, "bmp-0001.xml")), "<MP"):])))...)
	q, err := Decode(utf)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, "bmp-0001.xml", q)
}

func latin1ToUTF8(b []byte) []byte {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return []byte(string(r))
}

func toLatin1(t testing.TB, s string) []byte {
	b, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func reason(err error) string {
	var e *akte.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// TestDecodeRefuses: truncated, corrupted and invalid plans are refused
// with a reason that says what is wrong, and where.
func TestDecodeRefuses(t *testing.T) {
	good := string(latin1ToUTF8(read(t, "bmp-28.xml")))
	sub := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("fixture lacks %q", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	for _, tc := range []struct {
		name, in, reason string
		params           map[string]any
	}{
		{"empty", "", "bmp_empty", nil},
		{"truncated in the middle", good[:len(good)/2], "bmp_truncated", nil},
		{"truncated before the end tag", good[:len(good)-5], "bmp_truncated", nil},
		{"truncated prolog", `<?xml version="1.0" encod`, "bmp_truncated", nil},
		{"not XML", "Hello, world", "bmp_not_a_plan", nil},
		{"a QR code of a web address", "https://example.org/", "bmp_not_a_plan", nil},
		{"other XML", `<html><body/></html>`, "bmp_not_a_plan", nil},
		{"broken XML", sub(`<S c="425">`, `<S c="425>`), "bmp_xml_invalid", nil},
		{"garbage after the plan", good + "<MP/>", "bmp_xml_invalid", nil},
		{"version 2.4", sub(`v="028"`, `v="024"`), "bmp_version_unsupported", map[string]any{"version": "024"}},
		{"version 3.0", sub(`v="028"`, `v="030"`), "bmp_version_unsupported", nil},
		{"no version", sub(`v="028" `, ``), "bmp_attribute_missing", map[string]any{"element": "MP", "attribute": "v"}},
		{"bad GUID", sub(`U="B556E9F99632438786B100B8D96C0122"`, `U="B556E9F9963243878"`), "bmp_attribute_invalid", map[string]any{"element": "MP", "attribute": "U"}},
		{"page 6", sub(`l="de-DE"`, `l="de-DE" a="6" z="6"`), "bmp_attribute_invalid", map[string]any{"attribute": "a"}},
		{"no family name", sub(` f="Musterhausen"`, ``), "bmp_attribute_missing", map[string]any{"element": "P", "attribute": "f"}},
		{"bad birth date", sub(`b="19361213"`, `b="13.12.1936"`), "bmp_attribute_invalid", map[string]any{"element": "P", "attribute": "b"}},
		{"no patient", sub(`<P g="Michaela" f="Musterhausen" egk="B987563276" b="19361213" s="W" t="Dr." v="von" z="Freifrau"/>`, ``), "bmp_element_missing", map[string]any{"element": "P"}},
		{"bad LANR", sub(`lanr="123456667"`, `lanr="12345"`), "bmp_attribute_invalid", map[string]any{"element": "A", "attribute": "lanr"}},
		{"PZN check digit", sub(`p="6453257"`, `p="6453258"`), "pzn_check_digit", map[string]any{"section": 1, "line": 2, "attribute": "p"}},
		{"PZN with letters", sub(`p="6453257"`, `p="64A3257"`), "bmp_attribute_invalid", map[string]any{"section": 1, "line": 2}},
		{"PZN too long", sub(`p="6453257"`, `p="164532570"`), "bmp_attribute_invalid", nil},
		{"dose not in the schema", sub(`m="20" v="10"`, `m="20" v="1/5"`), "bmp_attribute_invalid", map[string]any{"section": 1, "line": 3, "attribute": "v"}},
		{"dose with a point", sub(`m="20" v="10"`, `m="2.5"`), "bmp_attribute_invalid", map[string]any{"attribute": "m"}},
		{"free text and schema", sub(`t="max. 3"`, `t="max. 3" m="1"`), "bmp_attribute_conflict", map[string]any{"section": 3, "line": 1}},
		{"unknown unit", sub(`du="5"`, `du="z"`), "bmp_code_unknown", map[string]any{"attribute": "du", "section": 3}},
		{"unknown heading", sub(`<S c="425">`, `<S c="499">`), "bmp_code_unknown", map[string]any{"element": "S", "section": 2}},
		{"heading code and text", sub(`<S c="425">`, `<S c="425" t="Wöchentlich">`), "bmp_attribute_conflict", nil},
		{"weekday without dose", sub(`wo="1" m="1"`, `wo="1"`), "bmp_attribute_invalid", map[string]any{"attribute": "wo"}},
		{"empty line", sub(`<M f="Tabl" m="1" du="1" i="während der Mahlzeit" r="Bluthochdruck"><W w="Ramipril" s="5 mg"/></M>`, `<M m="1"/>`), "bmp_line_empty", map[string]any{"section": 1, "line": 1}},
		{"ingredient without name", sub(`<W w="Ramipril" s="5 mg"/>`, `<W s="5 mg"/>`), "bmp_attribute_missing", map[string]any{"element": "W"}},
		{"name too long", sub(`a="CEFACLOR STADA 500"`, `a="`+strings.Repeat("X", 51)+`"`), "bmp_attribute_invalid", map[string]any{"attribute": "a"}},
	} {
		_, err := Decode(toLatin1(t, tc.in))
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		var e *akte.Error
		if !errors.As(err, &e) || e.Reason != tc.reason || e.Kind != akte.KindInvalid || e.Message == "" {
			t.Errorf("%s: %v (reason %q), want %s", tc.name, err, reason(err), tc.reason)
			continue
		}
		for k, v := range tc.params {
			if e.Params[k] != v {
				t.Errorf("%s: param %s = %v, want %v (%v)", tc.name, k, e.Params[k], v, e.Params)
			}
		}
		// What is wrong is said without the plan's content (health data).
		for _, secret := range []string{"Musterhausen", "Michaela", "Ramipril", "6453258", "Bluthochdruck"} {
			if strings.Contains(e.Error(), secret) {
				t.Errorf("%s: error shows plan content: %v", tc.name, e)
			}
		}
	}
	// Unknown elements and attributes of later versions are tolerated.
	p, err := Decode(toLatin1(t, strings.Replace(good, `<O ai=`, `<C q="1"><Q/></C><O zz="1" ai=`, 1)))
	if err != nil || p.Parameters.Allergies != "Penicillin" {
		t.Errorf("unknown element: %v", err)
	}
}

func TestMerge(t *testing.T) {
	one, _ := Decode(read(t, "bmp-28.xml"))
	page := func(n int) *Plan { p := *one; p.Page, p.Pages = n, 3; return &p }
	m, err := Merge(page(2), page(1), page(3))
	if err != nil || len(m.Sections) != 3*len(one.Sections) {
		t.Fatalf("merge: %v", err)
	}
	_, err = Merge(page(1), page(3))
	var e *akte.Error
	if !errors.As(err, &e) || e.Reason != "bmp_pages_missing" || len(e.Params["missing"].([]int)) != 1 {
		t.Errorf("missing page: %v", err)
	}
	other := page(2)
	other.ID = "00000000000000000000000000000000"
	if _, err := Merge(page(1), other, page(3)); reason(err) != "bmp_pages_mismatch" {
		t.Errorf("mixed plans: %v", err)
	}
}

func TestCodeTables(t *testing.T) {
	tb := CodeTables()
	if len(tb.Units) != 33 || len(tb.Headings) != 14 || len(tb.Forms) < 240 {
		t.Errorf("tables: %d units, %d headings, %d forms", len(tb.Units), len(tb.Headings), len(tb.Forms))
	}
	if tb.Units["p"].Display != "IE" || tb.Forms["FTA"].Display == "" || tb.Headings["411"].Display != "Bedarfsmedikation" {
		t.Errorf("entries: %+v %+v %+v", tb.Units["p"], tb.Forms["FTA"], tb.Headings["411"])
	}
}

// FuzzDecode: the decoder never panics, and a plan it accepts decodes
// again from its own carrier to the same lines.
func FuzzDecode(f *testing.F) {
	for name := range examples {
		f.Add(read(f, name))
	}
	f.Add([]byte(`<MP v="025" U="02BD2867FB024401A590D59D94E1FFAE" l="de-DE"><P g="a" f="b" b="19400000"/><A n="x" t="2018-07-01T12:00:00"/><S><X t="frei"/><R t="Rezeptur"/></S></MP>`))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := Decode(in)
		if err != nil {
			if reason(err) == "" {
				t.Fatalf("error without reason: %v", err)
			}
			return
		}
		q, err := Decode(p.Raw)
		if err != nil {
			t.Fatalf("own carrier refused: %v", err)
		}
		if len(q.Medications()) != len(p.Medications()) {
			t.Fatalf("carrier decodes to other lines")
		}
	})
}

func fhirDay(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}
