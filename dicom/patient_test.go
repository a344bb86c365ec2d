package dicom

import "testing"

func TestComparePatient(t *testing.T) {
	for _, c := range []struct {
		pn, da, name, birth string
		want                PatientCheck
	}{
		{"Mustermann^Erika", "19640812", "Erika Mustermann", "1964-08-12", PatientCheck{MatchYes, MatchYes}},
		{"MUSTERMANN^ERIKA", "19640812", "Mustermann, Erika", "1964-08-12", PatientCheck{MatchYes, MatchYes}},
		{"MUELLER^JUERGEN", "1958.03.21", "Jürgen Müller", "1958-03-21", PatientCheck{MatchYes, MatchYes}},
		{"MULLER^JURGEN", "", "Jürgen Müller", "1958-03-21", PatientCheck{MatchYes, MatchUnknown}},
		{"Müller^Jürgen", "19580321", "Juergen Mueller", "1958-03-21", PatientCheck{MatchYes, MatchYes}},
		{"Weiß^Zoë", "19900101", "Zoe Weiss", "1990-01-01", PatientCheck{MatchYes, MatchYes}},
		{"Schmidt-Meier^Anna Lena^^Dr.", "19700101", "Dr. Lena Schmidt-Meier", "1970-01-01", PatientCheck{MatchYes, MatchYes}},
		{"Mustermann^Erika^Maria", "19640812", "Maria Mustermann", "1964-08-12", PatientCheck{MatchYes, MatchYes}},
		{"Yamada^Tarou=山田^太郎", "", "Tarou Yamada", "", PatientCheck{MatchYes, MatchUnknown}},
		// Another member of the family.
		{"Mustermann^Anna", "20010101", "Erika Mustermann", "1964-08-12", PatientCheck{MatchNo, MatchNo}},
		{"Musterfrau^Erika", "19640812", "Erika Mustermann", "1964-08-12", PatientCheck{MatchNo, MatchYes}},
		// Bare names, without components.
		{"MUSTERMANN ERIKA", "", "Erika Mustermann", "", PatientCheck{MatchYes, MatchUnknown}},
		{"SCHULZE PETER", "", "Erika Mustermann", "", PatientCheck{MatchNo, MatchUnknown}},
		// Too little to tell: anonymised, family name only, no record name.
		{"", "", "Erika Mustermann", "1964-08-12", PatientCheck{MatchUnknown, MatchUnknown}},
		{"^^^^", "20240101", "Erika Mustermann", "", PatientCheck{MatchUnknown, MatchUnknown}},
		{"MUSTERMANN", "", "Erika Mustermann", "", PatientCheck{MatchUnknown, MatchUnknown}},
		{"Mustermann^Erika", "19641308", "", "1964-13-08", PatientCheck{MatchUnknown, MatchUnknown}},
	} {
		got := ComparePatient(Patient{Name: c.pn, BirthDate: c.da}, c.name, c.birth)
		if got != c.want {
			t.Errorf("ComparePatient(%q %q, %q %q) = %v, want %v", c.pn, c.da, c.name, c.birth, got, c.want)
		}
		if got.Mismatch() != (c.want.Name == MatchNo || c.want.BirthDate == MatchNo) {
			t.Errorf("Mismatch %v for %v", got.Mismatch(), got)
		}
	}
}

func TestNormDate(t *testing.T) {
	for da, want := range map[string]string{
		"19640812": "1964-08-12", "1964.08.12": "1964-08-12", " 20240229 ": "2024-02-29",
		"20230229": "", "1964-08-12": "", "196408": "", "": "", "abcdefgh": "",
	} {
		if got := NormDate(da); got != want {
			t.Errorf("NormDate(%q) = %q, want %q", da, got, want)
		}
	}
}

func TestFormatName(t *testing.T) {
	for pn, want := range map[string]string{
		"Mustermann^Erika":          "Erika Mustermann",
		"Schmidt^Anna^Lena^Dr.^MBA": "Dr. Anna Lena Schmidt MBA",
		"MUSTERMANN":                "MUSTERMANN",
		"Yamada^Tarou=山田^太郎=やまだ^たろう": "Tarou Yamada",
		"^^^^": "",
	} {
		if got := FormatName(pn); got != want {
			t.Errorf("FormatName(%q) = %q, want %q", pn, got, want)
		}
	}
}
