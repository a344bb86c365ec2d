package archive

import (
	"crypto/sha256"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/akte/akte/catalog"
	"github.com/akte/akte/internal/pdffont"
)

func sha256Sum(s string) [32]byte { return sha256.Sum256([]byte(s)) }

var reportText = map[string]map[string]string{
	"de": {
		"title": "Export Ihrer Akte", "made": "Erstellt am", "kvnr": "Krankenversichertennummer", "birth": "Geburtsdatum",
		"docs": "Dokumente", "summary": "Übersicht nach Kategorie", "list": "Alle Dokumente", "protocol": "Protokoll",
		"events": "%d Einträge, geprüft gegen den signierten Prüfpunkt (Größe %d); siehe protocol/.",
		"none":   "nicht enthalten", "date": "Datum", "cat": "Kategorie", "doc": "Titel", "source": "Quelle", "size": "Größe", "file": "Datei im Archiv",
		"page": "Seite %d von {nb}", "files": "%d Dateien",
		"intro": "Dieses Archiv enthält alle Dokumente Ihrer Akte als Originaldateien (files/), ihre Beschreibung als FHIR-R4-Bundle (bundle.json) und das geprüfte Protokoll (protocol/). Es lässt sich ohne Akte lesen.",
	},
	"en": {
		"title": "Export of your record", "made": "Made on", "kvnr": "Health insurance number", "birth": "Date of birth",
		"docs": "Documents", "summary": "Summary by category", "list": "All documents", "protocol": "Protocol",
		"events": "%d entries, verified against the signed checkpoint (size %d); see protocol/.",
		"none":   "not included", "date": "Date", "cat": "Category", "doc": "Title", "source": "Source", "size": "Size", "file": "File in the archive",
		"page": "Page %d of {nb}", "files": "%d files",
		"intro": "This archive holds every document of your record as its original file (files/), their description as a FHIR R4 Bundle (bundle.json) and the verified protocol (protocol/). It can be read without Akte.",
	},
}

// Report writes report.pdf: who and when, the documents by category, and
// every document with its date, title, source, size and file.
func Report(w io.Writer, r Record, paths map[string][]string) error {
	lang := "de"
	if r.Lang == "en" {
		lang = "en"
	}
	t := reportText[lang]
	pdf := fpdf.New("P", "mm", "A4", "")
	pdffont.Register(pdf)
	pdf.SetCreationDate(r.Now)
	pdf.SetModificationDate(r.Now)
	pdf.SetTitle(t["title"], true)
	pdf.SetLang(lang)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetXY(15, -10)
		pdf.SetFont(pdffont.Family, "", 7)
		pdf.CellFormat(0, 4, t["title"]+" · "+fmt.Sprintf(t["page"], pdf.PageNo()), "", 0, "R", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont(pdffont.Family, "B", 16)
	pdf.CellFormat(0, 9, t["title"], "", 1, "L", false, 0, "")
	pdf.SetFont(pdffont.Family, "", 10)
	pdf.MultiCell(0, 5, t["intro"], "", "L", false)
	pdf.Ln(2)
	kv := func(k, v string) {
		pdf.SetFont(pdffont.Family, "B", 10)
		pdf.CellFormat(55, 6, k, "", 0, "L", false, 0, "")
		pdf.SetFont(pdffont.Family, "", 10)
		pdf.MultiCell(0, 6, v, "", "L", false)
	}
	kv(t["made"], r.Now.Local().Format("02.01.2006 15:04"))
	if r.KVNR != "" {
		kv(t["kvnr"], r.KVNR)
	}
	if r.BirthDate != "" {
		kv(t["birth"], r.BirthDate)
	}
	kv(t["docs"], fmt.Sprint(len(r.Documents)))
	if x := r.Protocol; x != nil {
		kv(t["protocol"], fmt.Sprintf(t["events"], len(x.Events), x.Verified.Checkpoint.Size))
	} else {
		kv(t["protocol"], t["none"])
	}

	pdf.Ln(3)
	pdf.SetFont(pdffont.Family, "B", 12)
	pdf.CellFormat(0, 8, t["summary"], "", 1, "L", false, 0, "")
	pdf.SetFont(pdffont.Family, "", 10)
	count := map[string]int{}
	names := map[string]string{}
	for _, d := range r.Documents {
		count[d.Category]++
		names[d.Category] = d.CategoryName
	}
	cats := make([]string, 0, len(count))
	for c := range count {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		pdf.CellFormat(90, 6, names[c], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 6, fmt.Sprint(count[c]), "", 1, "L", false, 0, "")
	}

	pdf.Ln(3)
	pdf.SetFont(pdffont.Family, "B", 12)
	pdf.CellFormat(0, 8, t["list"], "", 1, "L", false, 0, "")
	widths := []float64{20, 30, 55, 35, 40}
	head := []string{t["date"], t["cat"], t["doc"], t["source"], t["file"]}
	line := func(cells []string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		pdf.SetFont(pdffont.Family, style, 8)
		n := 1
		split := make([][]string, len(cells))
		for i, s := range cells {
			split[i] = pdf.SplitText(s, widths[i]-1.5)
			n = max(n, len(split[i]))
		}
		h := float64(n) * 4
		if _, pageH := pdf.GetPageSize(); pdf.GetY()+h > pageH-15 {
			pdf.AddPage()
		}
		x, y := pdf.GetX(), pdf.GetY()
		for i := range cells {
			pdf.SetXY(x, y)
			pdf.MultiCell(widths[i], 4, strings.Join(split[i], "\n"), "", "L", false)
			x += widths[i]
		}
		pdf.SetXY(15, y+h+1)
	}
	line(head, true)
	for _, d := range r.Documents {
		date := d.Meta.Date
		if date == "" {
			date = d.Created.Local().Format("2006-01-02")
		}
		file := ""
		switch ps := paths[d.ID]; {
		case len(ps) == 1:
			file = ps[0]
		case len(ps) > 1:
			file = "files/" + d.ID + "/ (" + fmt.Sprintf(t["files"], len(ps)) + ")"
		}
		src := d.Meta.Source
		if src != "" {
			src += ", "
		}
		line([]string{date, d.CategoryName, d.Meta.Title, src + catalog.Bytes(lang, d.Meta.Size), file}, false)
	}
	if err := pdf.Error(); err != nil {
		return err
	}
	return pdf.Output(w)
}

func readme(lang string) string {
	de := `Export Ihrer Akte
=================

bundle.json   Beschreibung aller Dokumente als FHIR-R4-Bundle (Patient,
              DocumentReference, Provenance); die Anhänge verweisen auf files/.
files/        jedes Dokument als Originaldatei, in einem Ordner je Dokument;
              Bilder einer Patienten-CD als DICOM-Dateien (<Serie>/<Bild>.dcm).
protocol/     das geprüfte Protokoll: protokoll.pdf, auditevents.json
              (FHIR AuditEvent) und checkpoint.txt (der signierte Prüfpunkt).
report.pdf    Übersicht zum Ausdrucken.

Alle Dateien lassen sich ohne Akte öffnen.
`
	en := `Export of your record
=====================

bundle.json   every document described as a FHIR R4 Bundle (Patient,
              DocumentReference, Provenance); attachments point into files/.
files/        each document as its original file, one folder per document;
              images of a patient CD as DICOM files (<series>/<image>.dcm).
protocol/     the verified protocol: protokoll.pdf, auditevents.json
              (FHIR AuditEvent) and checkpoint.txt (the signed checkpoint).
report.pdf    a summary to print.

Every file opens without Akte.
`
	if lang == "en" {
		return en + "\n" + de
	}
	return de + "\n" + en
}
