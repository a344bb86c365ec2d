// Package codesheet prints a share's access-code sheet (issue 15, item 2;
// decision 0042): a PDF page with the access code, the expiry, the
// server's address and a QR code of the share link, for the patient to
// hand over, print or put on a CD. The password is never printed on it:
// it goes to the recipient another way.
package codesheet

import (
	"bytes"
	"image/png"
	"io"
	"strconv"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/pdffont"
	"github.com/akte/akte/internal/qr"
	"github.com/go-pdf/fpdf"
)

// Sheet is what the sheet shows.
type Sheet struct {
	Code     string // XXXX-XXXX-XXXX
	Link     string // the share link (its fragment holds the code)
	Server   string // the address of the server's share page
	Expires  time.Time
	Items    int
	Password bool
}

// Labels are the sheet's words in the reader's language.
type Labels struct {
	Title, Intro, Code, Server, Expires, Items, Password, NoPassword, Scan string
	DateLayout                                                             string
}

// GermanLabels are the sheet's words in German.
func GermanLabels() Labels {
	return Labels{Title: "Zugangscode zu freigegebenen Dokumenten",
		Intro: "Ihnen wurden Dokumente aus einer elektronischen Gesundheitsakte freigegeben. Öffnen Sie die Adresse unten im Browser und geben Sie den Zugangscode ein, oder scannen Sie den QR-Code.",
		Code:  "Zugangscode", Server: "Adresse", Expires: "Gültig bis", Items: "Dokumente",
		Password:   "Zusätzlich brauchen Sie das Passwort, das Sie auf anderem Weg erhalten.",
		NoPassword: "Ein Passwort ist nicht nötig.", Scan: "QR-Code der Freigabe", DateLayout: "02.01.2006 15:04"}
}

// EnglishLabels are the sheet's words in English.
func EnglishLabels() Labels {
	return Labels{Title: "Access code to shared documents",
		Intro: "Documents from an electronic health record were shared with you. Open the address below in a browser and enter the access code, or scan the QR code.",
		Code:  "Access code", Server: "Address", Expires: "Valid until", Items: "Documents",
		Password:   "You also need the password, which you receive another way.",
		NoPassword: "No password is needed.", Scan: "QR code of the share", DateLayout: "2 Jan 2006 15:04"}
}

// Write prints the sheet as an A4 PDF; times are shown in loc.
func Write(w io.Writer, s Sheet, l Labels, loc *time.Location, now time.Time) error {
	const op = "codesheet.write"
	pdf := fpdf.New("P", "mm", "A4", "")
	pdffont.Register(pdf)
	pdf.SetCreationDate(now)
	pdf.SetModificationDate(now)
	pdf.SetTitle(l.Title, true)
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	pdf.SetFont(pdffont.Family, "B", 16)
	pdf.MultiCell(170, 8, l.Title, "", "L", false)
	pdf.Ln(3)
	pdf.SetFont(pdffont.Family, "", 11)
	pdf.MultiCell(170, 5.5, l.Intro, "", "L", false)
	pdf.Ln(6)
	row := func(label, value string, size float64) {
		pdf.SetFont(pdffont.Family, "", 10)
		pdf.CellFormat(35, 8, label, "", 0, "L", false, 0, "")
		pdf.SetFont(pdffont.Family, "B", size)
		pdf.MultiCell(135, 8, value, "", "L", false)
	}
	row(l.Code, s.Code, 24)
	pdf.Ln(2)
	row(l.Server, s.Server, 11)
	row(l.Expires, s.Expires.In(loc).Format(l.DateLayout), 11)
	if s.Items > 0 {
		row(l.Items, strconv.Itoa(s.Items), 11)
	}
	pdf.Ln(2)
	pdf.SetFont(pdffont.Family, "", 10)
	note := l.NoPassword
	if s.Password {
		note = l.Password
	}
	pdf.MultiCell(170, 5, note, "", "L", false)
	pdf.Ln(6)
	c, err := qr.Encode(s.Link)
	if err != nil {
		return akte.E(op, akte.KindInternal, "", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, c.Image(400)); err != nil {
		return akte.E(op, akte.KindInternal, "", err)
	}
	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, &buf)
	y := pdf.GetY()
	pdf.ImageOptions("qr", 20, y, 60, 60, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetXY(20, y+62)
	pdf.SetFont(pdffont.Family, "", 8)
	pdf.CellFormat(60, 4, l.Scan, "", 0, "C", false, 0, "")
	if err := pdf.Output(w); err != nil {
		return akte.E(op, akte.KindInternal, "", err)
	}
	return nil
}
