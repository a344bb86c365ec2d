// Package bmppdf prints a medication plan (package bmp) as a PDF in the
// BMP layout. Apart from bmp so that the fonts it embeds do not weigh on
// the WebAssembly module that decodes plans in the browser.
package bmppdf

import (
	"bytes"
	"fmt"
	"github.com/akte/akte/bmp"
	"github.com/akte/akte/bmp/datamatrix"
	"image/png"
	"io"
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/pdffont"
	"github.com/go-pdf/fpdf"
)

// The printed plan follows the layout of the BMP specification (Anlage 3,
// A4 landscape): a header with patient, author and the DataMatrix, one
// table of eleven columns with sub-headings as rows, the parameters below.
// Its words are the German ones the specification prescribes for every
// plan, whatever the reader's language.
var columns = []struct {
	title string
	width float64 // mm
}{
	{"Wirkstoff", 38}, {"Handelsname", 52}, {"Stärke", 20}, {"Form", 14},
	{"mor-\ngens", 9}, {"mit-\ntags", 9}, {"abends", 10}, {"zur\nNacht", 9},
	{"Einheit", 18}, {"Hinweise", 54}, {"Grund", 44},
}

const (
	margin   = 10.0
	lineH    = 3.6
	fontSize = 8.0
	codeSize = 40.0 // mm, the DataMatrix
)

// WritePDF renders the plan as a printable PDF in the BMP layout, with the
// DataMatrix of p.Raw (none for a plan merged from several pages). now is
// the PDF's creation time.
func WritePDF(w io.Writer, p *bmp.Plan, now time.Time) error {
	const op = "bmp.pdf"
	pdf := fpdf.New("L", "mm", "A4", "")
	pdffont.Register(pdf)
	pdf.SetCreationDate(now)
	pdf.SetModificationDate(now)
	pdf.SetTitle("Medikationsplan", true)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, margin)
	var code bytes.Buffer
	withCode := len(p.Raw) > 0
	if withCode {
		img, err := datamatrix.EncodeImage(p.Raw, 600)
		if err != nil {
			return err
		}
		if err := png.Encode(&code, img); err != nil {
			return akte.E(op, akte.KindInternal, "", err)
		}
		pdf.RegisterImageOptionsReader("code", fpdf.ImageOptions{ImageType: "PNG"}, &code)
	}
	r := &renderer{pdf: pdf, plan: p, code: withCode}
	r.page()
	for _, s := range p.Sections {
		if s.Heading != "" {
			r.heading(s.Heading)
		}
		for _, l := range s.Lines {
			r.line(l)
		}
	}
	r.parameters()
	if err := pdf.Output(w); err != nil {
		return akte.E(op, akte.KindInternal, "", err)
	}
	return nil
}

type renderer struct {
	pdf   *fpdf.Fpdf
	plan  *bmp.Plan
	code  bool
	pages int
}

func (r *renderer) font(bold bool, size float64) {
	style := ""
	if bold {
		style = "B"
	}
	r.pdf.SetFont(pdffont.Family, style, size)
}

// page starts a page: the header block and the table's column titles.
func (r *renderer) page() {
	pdf, p := r.pdf, r.plan
	pdf.AddPage()
	r.pages++
	pageW, _ := pdf.GetPageSize()
	x, y := margin, margin
	r.font(true, 16)
	pdf.Text(x, y+6, "Medikationsplan")
	r.font(false, fontSize)
	pdf.Text(x, y+11, fmt.Sprintf("Seite %d von %d", p.Page+r.pages-1, max(p.Pages, p.Page+r.pages-1)))
	// patient
	name := strings.TrimSpace(strings.Join([]string{p.Patient.Title, p.Patient.GivenName, p.Patient.Prefix, p.Patient.FamilyName, p.Patient.Suffix}, " "))
	name = strings.Join(strings.Fields(name), " ")
	r.font(false, fontSize)
	pdf.Text(x+60, y+4, "für:")
	pdf.Text(x+60, y+9, "geb. am:")
	pdf.Text(x+84, y+9, germanDate(p.Patient.BirthDate))
	if p.Patient.KVNR != "" {
		pdf.Text(x+60, y+14, "Versicherten-Nr.:")
		pdf.Text(x+84, y+14, p.Patient.KVNR)
	}
	r.font(true, 10)
	pdf.SetXY(x+83, y+1)
	pdf.MultiCell(80, 4, name, "", "L", false)
	// author
	a := p.Author
	lines := []string{"ausgedruckt von:", a.Name}
	if a.Street != "" || a.City != "" {
		lines = append(lines, strings.TrimSpace(a.Street+", "+strings.TrimSpace(a.PostalCode+" "+a.City)))
	}
	if a.Phone != "" {
		lines = append(lines, "Tel.: "+a.Phone)
	}
	if a.Email != "" {
		lines = append(lines, "E-Mail: "+a.Email)
	}
	if a.LANR != "" {
		lines = append(lines, "LANR: "+a.LANR)
	}
	lines = append(lines, "ausgedruckt am: "+germanDate(strings.SplitN(a.Printed, "T", 2)[0]))
	for i, l := range lines {
		r.font(i == 1, fontSize)
		pdf.Text(x+170, y+4+float64(i)*3.8, l)
	}
	if r.code && r.pages == 1 {
		pdf.ImageOptions("code", pageW-margin-codeSize, y-2, codeSize, codeSize, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
	pdf.SetY(y + codeSize - 1)
	// column titles
	r.font(true, 7)
	pdf.SetFillColor(225, 225, 225)
	top := pdf.GetY()
	cx := margin
	for _, c := range columns {
		pdf.Rect(cx, top, c.width, 8, "FD")
		for i, t := range strings.Split(c.title, "\n") {
			pdf.SetXY(cx, top+1+float64(i)*3)
			pdf.CellFormat(c.width, 3, t, "", 0, "C", false, 0, "")
		}
		cx += c.width
	}
	pdf.SetY(top + 8)
}

// ensure starts a new page when h mm do not fit on this one.
func (r *renderer) ensure(h float64) {
	_, pageH := r.pdf.GetPageSize()
	if r.pdf.GetY()+h > pageH-margin-8 {
		r.page()
	}
}

func (r *renderer) width() float64 {
	w := 0.0
	for _, c := range columns {
		w += c.width
	}
	return w
}

func (r *renderer) heading(text string) {
	r.font(true, fontSize)
	lines := r.pdf.SplitText(text, r.width()-2)
	h := float64(len(lines))*lineH + 1.5
	r.ensure(h)
	y := r.pdf.GetY()
	r.pdf.SetFillColor(240, 240, 240)
	r.pdf.Rect(margin, y, r.width(), h, "FD")
	for i, l := range lines {
		r.pdf.Text(margin+1, y+3+float64(i)*lineH, l)
	}
	r.pdf.SetY(y + h)
}

// line prints one plan line as a table row; a free-text dose spans the
// four dose columns, a free-text line the whole row.
func (r *renderer) line(l bmp.Line) {
	var cells []string
	var spans []int // number of columns each cell covers
	switch l.Kind {
	case bmp.FreeText:
		cells, spans = []string{l.Name}, []int{len(columns)}
	case bmp.Recipe:
		cells, spans = []string{l.Name, "", "", ""}, []int{4, 4, 2, 1}
	default:
		var ing, str []string
		for _, in := range l.Ingredients {
			ing = append(ing, in.Name)
			str = append(str, in.Strength)
		}
		name := l.Name
		if name == "" && l.PZN != "" && len(l.Ingredients) == 0 {
			name = "PZN " + l.PZN
		}
		cells = []string{strings.Join(ing, "\n"), name, strings.Join(str, "\n"), l.Form}
		spans = []int{1, 1, 1, 1}
		if s := l.Dose.Schema(); s != "" {
			z := func(v string) string {
				if v == "" {
					return "0"
				}
				return v
			}
			cells = append(cells, z(l.Dose.Morning), z(l.Dose.Noon), z(l.Dose.Evening), z(l.Dose.Night))
			spans = append(spans, 1, 1, 1, 1)
		} else {
			cells = append(cells, l.Dose.Text)
			spans = append(spans, 4)
		}
		instr := l.Instructions
		if l.Weekday > 0 {
			instr = strings.TrimSpace(weekdayNames[l.Weekday] + " " + instr)
		}
		cells = append(cells, l.Unit, instr, l.Indication)
		spans = append(spans, 1, 1, 1)
	}
	r.font(false, fontSize)
	// widths and wrapped text of each cell
	var widths []float64
	var wrapped [][]string
	rows := 1
	col := 0
	for i, c := range cells {
		w := 0.0
		for k := 0; k < spans[i]; k++ {
			w += columns[col+k].width
		}
		col += spans[i]
		widths = append(widths, w)
		var ls []string
		for _, part := range strings.Split(c, "\n") {
			ls = append(ls, r.pdf.SplitText(part, w-1.5)...)
		}
		wrapped = append(wrapped, ls)
		rows = max(rows, len(ls))
	}
	extra := []string(nil)
	if l.Extra != "" {
		for _, part := range strings.Split(l.Extra, "\n") {
			extra = append(extra, r.pdf.SplitText(part, r.width()-2)...)
		}
	}
	h := float64(rows)*lineH + 1.5
	hx := float64(len(extra)) * lineH
	if hx > 0 {
		hx += 1
	}
	r.ensure(h + hx)
	y := r.pdf.GetY()
	x := margin
	for i := range cells {
		r.pdf.Rect(x, y, widths[i], h+hx, "D")
		align := "L"
		if spans[i] == 1 && i >= 4 && i <= 7 && l.Kind == bmp.Medication && l.Dose.Schema() != "" {
			align = "C"
		}
		for j, t := range wrapped[i] {
			r.pdf.SetXY(x+0.5, y+0.6+float64(j)*lineH)
			r.pdf.CellFormat(widths[i]-1, lineH, t, "", 0, align, false, 0, "")
		}
		x += widths[i]
	}
	if hx > 0 {
		// the bound extra line runs under the whole row
		r.pdf.SetFillColor(255, 255, 255)
		r.pdf.Rect(margin, y+h, r.width(), hx, "FD")
		for j, t := range extra {
			r.pdf.SetXY(margin+0.5, y+h+0.5+float64(j)*lineH)
			r.pdf.CellFormat(r.width()-1, lineH, t, "", 0, "L", false, 0, "")
		}
	}
	r.pdf.SetY(y + h + hx)
}

var weekdayNames = [8]string{"", "montags", "dienstags", "mittwochs", "donnerstags", "freitags", "samstags", "sonntags"}

// parameters prints the parameter block (allergies, weight, ...) and the
// version line under the table.
func (r *renderer) parameters() {
	var parts []string
	if o := r.plan.Parameters; o != nil {
		if o.Allergies != "" {
			parts = append(parts, "Allergien/Unverträglichkeiten: "+strings.ReplaceAll(o.Allergies, "\n", " "))
		}
		if o.Pregnant {
			parts = append(parts, "schwanger")
		}
		if o.Breastfeeding {
			parts = append(parts, "stillend")
		}
		if o.WeightKg != "" {
			parts = append(parts, "Gewicht: "+strings.ReplaceAll(o.WeightKg, ".", ",")+" kg")
		}
		if o.HeightCm != "" {
			parts = append(parts, "Größe: "+o.HeightCm+" cm")
		}
		if o.Creatinine != "" {
			parts = append(parts, "Kreatinin: "+strings.ReplaceAll(o.Creatinine, ".", ",")+" mg/dl")
		}
		if o.Text != "" {
			parts = append(parts, strings.ReplaceAll(o.Text, "\n", " "))
		}
	}
	r.font(false, fontSize)
	text := strings.Join(parts, "   ")
	lines := r.pdf.SplitText(text, r.width())
	r.ensure(float64(len(lines))*lineH + 6)
	y := r.pdf.GetY() + 3
	for i, l := range lines {
		r.pdf.Text(margin, y+float64(i)*lineH, l)
	}
	_, pageH := r.pdf.GetPageSize()
	r.font(false, 6.5)
	r.pdf.Text(margin, pageH-margin+2, "Bundeseinheitlicher Medikationsplan, Version "+r.plan.Version)
}

// germanDate writes YYYY-MM-DD (or YYYY-MM, YYYY) as DD.MM.YYYY.
func germanDate(d string) string {
	p := strings.Split(d, "-")
	for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
		p[i], p[j] = p[j], p[i]
	}
	return strings.Join(p, ".")
}
