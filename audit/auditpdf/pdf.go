// Package auditpdf writes a verified protocol as a readable PDF: every
// event in a table, and the checkpoint it was verified against, so that a
// printed protocol can be checked again. It is apart from package audit so
// that the WebAssembly client core does not carry a PDF library it does
// not need to verify.
package auditpdf

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/akte/akte/audit"
	"github.com/akte/akte/internal/pdffont"
	"github.com/go-pdf/fpdf"
)

// text holds the sentences of the PDF in German and English.
var text = map[string]map[string]string{
	"de": {
		"title":    "Protokoll der Akte",
		"log":      "Protokoll",
		"server":   "Server",
		"made":     "Erstellt",
		"count":    "Einträge",
		"verified": "Geprüft gegen diesen signierten Prüfpunkt: Signatur gültig, jeder aufgeführte Eintrag ist unverändert im signierten Protokoll enthalten.",
		"origin":   "Herkunft",
		"size":     "Größe",
		"root":     "Wurzel-Hash",
		"signed":   "Signiert",
		"key":      "Schlüssel",
		"note":     "Signierter Prüfpunkt (C2SP signed note)",
		"no":       "Nr.",
		"time":     "Zeit",
		"what":     "Vorgang",
		"object":   "Objekt",
		"who":      "Wer",
		"device":   "Gerät",
		"result":   "Ergebnis",
		"addr":     "Adresse",
		"page":     "Seite %d von {nb}",
		"ok":       "erfolgreich",
		"denied":   "abgelehnt",
		"error":    "Fehler",
		"removed":  "(entfernt)",
	},
	"en": {
		"title":    "Protocol of the record",
		"log":      "Log",
		"server":   "Server",
		"made":     "Made",
		"count":    "Entries",
		"verified": "Verified against this signed checkpoint: signature valid, every entry listed is contained, unchanged, in the signed log.",
		"origin":   "Origin",
		"size":     "Size",
		"root":     "Root hash",
		"signed":   "Signed",
		"key":      "Key",
		"note":     "Signed checkpoint (C2SP signed note)",
		"no":       "No.",
		"time":     "Time",
		"what":     "Operation",
		"object":   "Object",
		"who":      "Who",
		"device":   "Device",
		"result":   "Result",
		"addr":     "Address",
		"page":     "Page %d of {nb}",
		"ok":       "success",
		"denied":   "denied",
		"error":    "error",
		"removed":  "(removed)",
	},
}

// column widths in mm on A4 landscape (277 mm between the margins).
var cols = []float64{14, 34, 58, 36, 52, 24, 27, 32}

const lineH = 4.2

// Write writes the protocol x as a PDF to w.
func Write(w io.Writer, x audit.Export) error {
	if x.Verified == nil {
		return fmt.Errorf("auditpdf: export of an unverified protocol")
	}
	t := text["de"]
	if x.Lang == "en" {
		t = text["en"]
	}
	loc := x.Loc
	if loc == nil {
		loc = time.UTC
	}
	pdf := fpdf.New("L", "mm", "A4", "")
	pdffont.Register(pdf)
	pdf.SetCreationDate(x.Now)
	pdf.SetModificationDate(x.Now)
	pdf.SetTitle(t["title"], true)
	pdf.SetLang(map[bool]string{true: "en", false: "de"}[x.Lang == "en"])
	pdf.SetMargins(10, 10, 10)
	pdf.SetAutoPageBreak(false, 12)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetXY(10, -9)
		pdf.SetFont(pdffont.Family, "", 7)
		pdf.CellFormat(0, 4, fmt.Sprintf("%s · %s · %s", t["title"], x.Verified.Checkpoint.Origin, fmt.Sprintf(t["page"], pdf.PageNo())), "", 0, "R", false, 0, "")
	})
	pdf.AddPage()

	c := x.Verified.Checkpoint
	pdf.SetFont(pdffont.Family, "B", 15)
	pdf.CellFormat(0, 8, t["title"], "", 1, "L", false, 0, "")
	pdf.SetFont(pdffont.Family, "", 9)
	for _, kv := range [][2]string{
		{t["log"], x.Log},
		{t["server"], x.Server},
		{t["made"], x.Now.In(loc).Format("02.01.2006 15:04:05 MST")},
		{t["count"], fmt.Sprint(len(x.Events))},
	} {
		pdf.CellFormat(30, 5, kv[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, kv[1], "", 1, "L", false, 0, "")
	}
	pdf.Ln(2)
	pdf.SetFont(pdffont.Family, "B", 9)
	pdf.MultiCell(0, 5, t["verified"], "", "L", false)
	pdf.SetFont(pdffont.Family, "", 9)
	for _, kv := range [][2]string{
		{t["origin"], c.Origin},
		{t["size"], fmt.Sprint(c.Size)},
		{t["root"], base64.StdEncoding.EncodeToString(c.Hash[:])},
		{t["signed"], c.Time.In(loc).Format("02.01.2006 15:04:05 MST")},
		{t["key"], x.Verified.Key},
	} {
		pdf.CellFormat(30, 5, kv[0], "", 0, "L", false, 0, "")
		pdf.MultiCell(0, 5, kv[1], "", "L", false)
	}
	pdf.Ln(1)
	pdf.SetFont(pdffont.Family, "", 7)
	pdf.MultiCell(0, 3.5, t["note"]+":\n"+strings.TrimSpace(x.Verified.Signed), "1", "L", false)
	pdf.Ln(3)

	header := []string{t["no"], t["time"], t["what"], t["object"], t["who"], t["device"], t["result"], t["addr"]}
	row(pdf, header, true)
	for _, e := range x.Events {
		who := e.ActorName
		if e.ActorID != "" {
			who = strings.TrimSpace(who + " " + e.ActorID)
		}
		who = strings.TrimSpace(who + " (" + string(e.ActorRole) + ")")
		result := t[string(e.Result)]
		if result == "" {
			result = string(e.Result)
		}
		if e.Reason != "" {
			result += ": " + e.Reason
		}
		addr := e.Addr
		if addr == "" && e.AddrCommit != nil {
			addr = t["removed"]
		}
		cells := []string{
			fmt.Sprintf("#%d", e.Index),
			e.Time.In(loc).Format("02.01.2006 15:04:05"),
			e.Operation.Label(x.Lang) + " (" + e.Code + ")",
			e.Object, who, e.Device, result, addr,
		}
		if !row(pdf, cells, false) {
			pdf.AddPage()
			row(pdf, header, true)
			row(pdf, cells, false)
		}
	}
	if err := pdf.Error(); err != nil {
		return err
	}
	return pdf.Output(w)
}

// row draws one table row if it fits on the page, and reports whether it
// did.
func row(pdf *fpdf.Fpdf, cells []string, head bool) bool {
	style := ""
	if head {
		style = "B"
	}
	pdf.SetFont(pdffont.Family, style, 7.5)
	lines := make([][]string, len(cells))
	n := 1
	for i, s := range cells {
		lines[i] = pdf.SplitText(s, cols[i]-2)
		n = max(n, len(lines[i]))
	}
	h := float64(n)*lineH + 1
	_, pageH := pdf.GetPageSize()
	if pdf.GetY()+h > pageH-12 {
		return false
	}
	x, y := pdf.GetX(), pdf.GetY()
	for i := range cells {
		pdf.Rect(x, y, cols[i], h, "D")
		pdf.SetXY(x+1, y+0.5)
		for _, l := range lines[i] {
			pdf.CellFormat(cols[i]-2, lineH, l, "", 2, "L", false, 0, "")
		}
		x += cols[i]
	}
	pdf.SetXY(10, y+h)
	return true
}
