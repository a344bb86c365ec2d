package bmppdf

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte/bmp"
	"github.com/akte/akte/bmp/datamatrix"
	"github.com/akte/akte/internal/pdftest"
)

// TestPDF prints each example, reads the text back with pdftotext and
// checks the drug names, doses, units and reasons are on it; renders the
// page with pdftoppm and reads the plan's DataMatrix off the rendered page.
func TestPDF(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for name, want := range map[string][]string{
		"bmp-28.xml": {"Medikationsplan", "Michaela", "Musterhausen", "13.12.1936", "Praxis 2", "HCT-1A Pharma 25 mg Tabletten", "PROTAPHANE PENFILL ZAM",
			"MTX HEXAL 10 mg Tabletten", "Nitrolingual Akut Spray", "CEFACLOR STADA 500", "Ramipril", "Hydrochlorothiazid", "Insulin human",
			"Wöchentliche Anwendung", "Bedarfsmedikation", "max. 3", "Hub", "IE", "während der Mahlzeit", "Herzschmerzen",
			"Sofort mit Einnahme beginnen", "montags", "Penicillin", "Gewicht: 85 kg", "Version 2.8"},
		"bmp-0001.xml": {"Jürgen", "Wernersen", "PZN 00230272", "PZN 02455874", "Herz/Blutdruck", "alle drei Tage 1", "Selbstmedikation", "Praxis Dr. Michael Müller", "Schloßstr. 22"},
		"bmp-0002.xml": {"Metformin", "Lisinopril", "Antibiotikatherapie für 7 Tage", "Parkinson", "Einnahmezeiten Parkinsonmedikation", "Laktose"},
	} {
		p, err := bmp.Decode(read(t, name))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := WritePDF(&out, p, now); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		text := pdftest.Text(t, out.Bytes())
		flat := strings.Join(strings.Fields(text), " ")
		for _, w := range want {
			if !strings.Contains(flat, w) {
				t.Errorf("%s: PDF lacks %q\n%s", name, w, text)
			}
		}
		pages := pdftest.Pages(t, out.Bytes(), 300)
		if len(pages) != 1 {
			t.Errorf("%s: %d pages", name, len(pages))
		}
		data, err := datamatrix.DecodeImage(pages[0])
		if err != nil {
			t.Fatalf("%s: the printed code does not scan: %v", name, err)
		}
		q, err := bmp.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if q.ID != p.ID || !bytes.Equal(q.Raw, p.Raw) || len(q.Medications()) != len(p.Medications()) {
			t.Errorf("%s: the printed code holds another plan", name)
		}
	}
}

// TestPDFLongPlan: a plan longer than a page continues on further pages
// with the column titles repeated.
func TestPDFLongPlan(t *testing.T) {
	p, _ := bmp.Decode(read(t, "bmp-28.xml"))
	for range 6 {
		p.Sections = append(p.Sections, p.Sections...)
	}
	p.Raw = nil
	var out bytes.Buffer
	if err := WritePDF(&out, p, time.Now()); err != nil {
		t.Fatal(err)
	}
	text := pdftest.Text(t, out.Bytes())
	n := strings.Count(text, "Handelsname")
	pages := pdftest.Pages(t, out.Bytes(), 30)
	if len(pages) < 3 || n != len(pages) {
		t.Errorf("%d pages, %d column title rows", len(pages), n)
	}
}

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
