package health

import (
	"os"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/fhirschema"
)

// TestDecodePlan: the browser's decoding of a plan (one character per
// ISO-8859-1 byte) answers its lines and the statements to seal, which
// validate against the FHIR R4 schema; a truncated plan is refused.
func TestDecodePlan(t *testing.T) {
	raw, err := os.ReadFile("../../bmp/testdata/bmp-28.xml")
	if err != nil {
		t.Fatal(err)
	}
	carrier := make([]rune, len(raw))
	for i, b := range raw {
		carrier[i] = rune(b)
	}
	out, err := DecodePlan(string(carrier), "2026-12-01")
	if err != nil {
		t.Fatal(err)
	}
	ls := out["lines"].([]PlanLine)
	if len(ls) != 7 || ls[1].PZN != "06453257" || ls[1].Name != "HCT-1A Pharma 25 mg Tabletten" || ls[2].Dose != "20-0-10-0" || ls[2].Unit != "IE" ||
		ls[4].Name != "Folsäure-Ratiopharm 5 mg" || ls[0].Name != "Ramipril 5 mg" {
		t.Errorf("lines: %+v", ls)
	}
	sts := out["statements"].([]string)
	if len(sts) != 7 {
		t.Fatalf("%d statements", len(sts))
	}
	schema := fhirschema.New(t)
	for _, s := range sts {
		if err := schema.Validate([]byte(s)); err != nil {
			t.Errorf("statement does not validate: %v", err)
		}
	}
	_, err = DecodePlan(string(carrier[:len(carrier)/2]), "2026-12-01")
	if e, ok := err.(*akte.Error); !ok || e.Reason != "bmp_truncated" {
		t.Errorf("truncated: %v", err)
	}
}
