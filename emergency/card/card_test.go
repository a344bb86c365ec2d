package card

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte/emergency"
	"github.com/akte/akte/internal/pdftest"
)

// summary is what emergency.Summarize makes of its test record.
func summary() emergency.Summary {
	return emergency.Summary{
		Name: "Jürgen Wernersen", BirthDate: "1940-03-24",
		Allergies: []emergency.Allergy{
			{Substance: "Penicillin", Criticality: "high", Reactions: []string{"Atemnot", "Nesselsucht"}, Type: "allergy"},
			{Substance: "Laktose", Type: "intolerance"},
		},
		Conditions: []emergency.Condition{{Text: "Diabetes mellitus, Typ 2", Code: "E11.9", Since: "2015"}, {Text: "Bluthochdruck"}},
		Medications: []emergency.Medication{
			{Name: "Insulin", PZN: "00558736", Dose: "20-0-20-0 IE", Indication: "Diabetes"},
			{Name: "Ramipril 5 mg"},
		},
		Contacts: []emergency.Contact{
			{Name: "Anna Wernersen", Relationship: "Tochter", Phone: "0171 1234567", Email: "anna@example.org", Emergency: true},
			{Name: "Hausverwaltung", Email: "hv@example.org"},
		},
	}
}

func TestCard(t *testing.T) {
	s := summary()
	for _, tc := range []struct {
		labels Labels
		want   []string
	}{
		{GermanLabels(), []string{"Notfalldaten", "Jürgen Wernersen", "geb. 24.03.1940", "Allergien", "Penicillin (Atemnot, Nesselsucht)", "Laktose",
			"Diagnosen", "Diabetes mellitus, Typ 2 (E11.9)", "Bluthochdruck", "Medikamente", "Insulin: 20-0-20-0 IE", "Ramipril 5 mg",
			"Im Notfall benachrichtigen", "Anna Wernersen (Tochter), 0171 1234567", "Hausverwaltung, hv@example.org"}},
		{EnglishLabels(), []string{"Emergency data", "born 24 Mar 1940", "Allergies", "Conditions", "Medication", "In case of emergency call"}},
	} {
		var out bytes.Buffer
		if err := Write(&out, s, tc.labels, time.Now()); err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(pdftest.Text(t, out.Bytes())), " ")
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("card lacks %q:\n%s", w, text)
			}
		}
		for _, gone := range []string{"Pollen", "Nüsse", "Bronchitis", "Gürtelrose", "Cefaclor", "Amoxicillin"} {
			if strings.Contains(text, gone) {
				t.Errorf("card shows %s, which is not current", gone)
			}
		}
		pages := pdftest.Pages(t, out.Bytes(), 100)
		if len(pages) != 2 {
			t.Fatalf("%d pages", len(pages))
		}
		// 85.6 × 54 mm at 100 dpi: 337 × 213 pixels (± rounding).
		if b := pages[0].Bounds(); b.Dx() < 335 || b.Dx() > 339 || b.Dy() < 211 || b.Dy() > 215 {
			t.Errorf("card size %v px, want bank-card size", b)
		}
	}
}

// TestCardOverflow: a list longer than the card ends with the count of
// what was left out.
func TestCardOverflow(t *testing.T) {
	var s emergency.Summary
	for i := range 40 {
		s.Medications = append(s.Medications, emergency.Medication{Name: fmt.Sprintf("Medikament %02d", i), Dose: "1-0-0-0"})
	}
	var out bytes.Buffer
	if err := Write(&out, s, GermanLabels(), time.Now()); err != nil {
		t.Fatal(err)
	}
	text := pdftest.Text(t, out.Bytes())
	if !strings.Contains(text, "Medikament 00") || !strings.Contains(text, "weitere") || strings.Contains(text, "Medikament 39") {
		t.Errorf("overflow:\n%s", text)
	}
	if !strings.Contains(text, "keine bekannt") {
		t.Errorf("empty lists not marked:\n%s", text)
	}
}
