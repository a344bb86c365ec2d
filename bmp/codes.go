package bmp

import (
	_ "embed"
	"strings"
)

//go:embed codes.tsv
var codesTSV string

// Code is one entry of a BMP code table.
type Code struct {
	Code    string // the value on the plan
	Display string // the short form printed on the plan ("Stück", "Tabl")
	Meaning string // the long form ("Stück", "Filmtabletten")
}

// Tables are the BMP code tables the decoder checks against: dose units
// (du), dosage forms of BMP 2.5 (IFA codes, f) and sub-headings (S@c).
type Tables struct {
	Units, Forms, Headings map[string]Code
}

// CodeTables returns the embedded KBV code tables (see codes.tsv for their
// versions and sources).
func CodeTables() Tables {
	t := Tables{Units: map[string]Code{}, Forms: map[string]Code{}, Headings: map[string]Code{}}
	for line := range strings.SplitSeq(codesTSV, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			panic("bmp: codes.tsv: bad line " + line) // a build defect, caught by the tests
		}
		c := Code{Code: f[1], Display: f[2], Meaning: f[3]}
		switch f[0] {
		case "unit":
			t.Units[c.Code] = c
		case "form":
			t.Forms[c.Code] = c
		case "heading":
			t.Headings[c.Code] = c
		}
	}
	return t
}
