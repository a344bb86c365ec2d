// Package card prints the emergency data (package emergency) as a wallet
// card: a PDF of bank-card size (fpdf with the embedded DejaVu fonts). It is
// apart from package emergency so that the browser's health module
// (cmd/akte-health-wasm) links the computation without fpdf (decision 0050).
package card

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/emergency"
	"github.com/akte/akte/internal/pdffont"
	"github.com/go-pdf/fpdf"
)

// Labels are the words printed on the card, in the reader's language; the
// client passes them from its catalogue (German and English below until
// the catalogues exist).
type Labels struct {
	Title, BirthDate, Allergies, Conditions, Medication, Contacts string
	None                                                          string // for an empty list
	More                                                          string // "+%d more" when a list does not fit, with the count
	DateLayout                                                    string // Go time layout of the birth date, e.g. "02.01.2006"
}

// GermanLabels are the card's words in German.
func GermanLabels() Labels {
	return Labels{Title: "Notfalldaten", BirthDate: "geb.", Allergies: "Allergien", Conditions: "Diagnosen", Medication: "Medikamente",
		Contacts: "Im Notfall benachrichtigen", None: "keine bekannt", More: "+%d weitere", DateLayout: "02.01.2006"}
}

// EnglishLabels are the card's words in English.
func EnglishLabels() Labels {
	return Labels{Title: "Emergency data", BirthDate: "born", Allergies: "Allergies", Conditions: "Conditions", Medication: "Medication",
		Contacts: "In case of emergency call", None: "none known", More: "+%d more", DateLayout: "2 Jan 2006"}
}

// Card size: ISO/IEC 7810 ID-1 (a bank card), in mm.
const (
	CardWidth  = 85.6
	CardHeight = 53.98
	pad        = 3.0
)

// Write prints the summary as a wallet card: a PDF of two pages of
// bank-card size, the front with name, birth date, allergies and
// conditions, the back with medication and contacts. Lists that do not fit
// end with Labels.More and the number left out.
func Write(w io.Writer, s emergency.Summary, l Labels, now time.Time) error {
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: CardWidth, Ht: CardHeight}})
	pdffont.Register(pdf)
	pdf.SetCreationDate(now)
	pdf.SetModificationDate(now)
	pdf.SetTitle(l.Title, true)
	pdf.SetMargins(pad, pad, pad)
	pdf.SetAutoPageBreak(false, 0)
	c := &writer{pdf: pdf, l: l}

	pdf.AddPage()
	c.frame()
	pdf.SetFillColor(200, 30, 30)
	pdf.Rect(0, 0, CardWidth, 8, "F")
	pdf.SetTextColor(255, 255, 255)
	pdf.SetFont(pdffont.Family, "B", 10)
	pdf.Text(pad, 5.6, l.Title)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFont(pdffont.Family, "B", 8.5)
	y := 12.0
	pdf.Text(pad, y, s.Name)
	if s.BirthDate != "" {
		born := s.BirthDate
		if d, err := time.Parse(time.DateOnly, born); err == nil && l.DateLayout != "" {
			born = d.Format(l.DateLayout)
		}
		born = l.BirthDate + " " + born
		pdf.SetFont(pdffont.Family, "", 7.5)
		pdf.Text(CardWidth-pad-pdf.GetStringWidth(born), y, born)
	}
	var allergies, conditions []string
	for _, a := range s.Allergies {
		t := a.Substance
		if len(a.Reactions) > 0 {
			t += " (" + strings.Join(a.Reactions, ", ") + ")"
		}
		if a.Criticality == "high" {
			t = "! " + t
		}
		allergies = append(allergies, t)
	}
	for _, d := range s.Conditions {
		t := d.Text
		if d.Code != "" && !strings.Contains(t, d.Code) {
			t += " (" + d.Code + ")"
		}
		conditions = append(conditions, t)
	}
	y = c.list(y+2.5, l.Allergies, allergies, 31)
	c.list(y+1, l.Conditions, conditions, CardHeight-pad)

	pdf.AddPage()
	c.frame()
	var meds, contacts []string
	for _, m := range s.Medications {
		t := m.Name
		if m.Dose != "" {
			t += ": " + m.Dose
		}
		meds = append(meds, t)
	}
	for _, ct := range s.Contacts {
		t := ct.Name
		if ct.Relationship != "" {
			t += " (" + ct.Relationship + ")"
		}
		if ct.Phone != "" {
			t += ", " + ct.Phone
		} else if ct.Email != "" {
			t += ", " + ct.Email
		}
		contacts = append(contacts, t)
	}
	y = c.list(pad, l.Medication, meds, 36)
	c.list(y+1, l.Contacts, contacts, CardHeight-pad)
	if err := pdf.Output(w); err != nil {
		return akte.E("emergency.card", akte.KindInternal, "", err)
	}
	return nil
}

type writer struct {
	pdf *fpdf.Fpdf
	l   Labels
}

func (c *writer) frame() {
	c.pdf.SetDrawColor(160, 160, 160)
	c.pdf.SetLineWidth(0.2)
	c.pdf.Rect(0.3, 0.3, CardWidth-0.6, CardHeight-0.6, "D")
}

// list prints a heading and the items from y down to at most bottom and
// returns where it ended. Items that do not fit are counted in Labels.More.
func (c *writer) list(y float64, title string, items []string, bottom float64) float64 {
	const lh = 2.9
	pdf := c.pdf
	pdf.SetFont(pdffont.Family, "B", 7)
	pdf.Text(pad, y+2.4, title)
	y += 3.2
	pdf.SetFont(pdffont.Family, "", 6.5)
	if len(items) == 0 {
		pdf.Text(pad+1, y+2.3, c.l.None)
		return y + lh
	}
	width := CardWidth - 2*pad - 1
	for i, it := range items {
		lines := pdf.SplitText("• "+it, width)
		// keep room for the "+n more" line unless this is the last item
		need := float64(len(lines)) * lh
		if i < len(items)-1 {
			need += lh
		}
		if y+need > bottom {
			pdf.SetFont(pdffont.Family, "B", 6.5)
			pdf.Text(pad+1, y+2.3, fmt.Sprintf(c.l.More, len(items)-i))
			pdf.SetFont(pdffont.Family, "", 6.5)
			return y + lh
		}
		for _, ln := range lines {
			pdf.Text(pad+1, y+2.3, ln)
			y += lh
		}
	}
	return y
}
