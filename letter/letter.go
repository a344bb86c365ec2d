// Package letter prints the activation letter an insurer sends to an
// insured for whom it opened a record (decision 0043): a one-page A4 PDF
// with the one-time activation code, the KVNR it belongs to, the server's
// address and the steps to activate.
package letter

import (
	"bytes"
	"image/png"
	"io"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/pdffont"
	"github.com/akte/akte/internal/qr"
)

// Activation is what the letter says.
type Activation struct {
	Insurer   string // the insurer's name
	KVNR      string
	BirthDate string // YYYY-MM-DD
	Code      string // XXXX-XXXX-XXXX
	Server    string // the server's address
	ExpiresAt time.Time
}

// Labels are the letter's words in the reader's language.
type Labels struct {
	Title, Intro, KVNR, BirthDate, Code, Valid, Server, Steps string
	Step                                                      [4]string
	Note                                                      string
	DateLayout                                                string
}

// GermanLabels are the letter's words in German.
func GermanLabels() Labels {
	return Labels{Title: "Ihre elektronische Gesundheitsakte: Aktivierungscode",
		Intro: "Ihre Krankenkasse hat für Sie eine Gesundheitsakte eröffnet. Nur Sie können sie lesen: Alles darin wird auf Ihrem Gerät verschlüsselt. Mit dem Code unten legen Sie Ihr Passwort, Ihre Zwei-Faktor-Anmeldung und Ihre Schlüssel fest.",
		KVNR:  "Krankenversichertennummer", BirthDate: "Geburtsdatum", Code: "Aktivierungscode", Valid: "gültig bis", Server: "Adresse",
		Steps: "So aktivieren Sie Ihre Akte",
		Step: [4]string{"1. Öffnen Sie die Adresse oben oder das Programm akte.",
			"2. Aktivieren Sie die Akte mit Krankenversichertennummer und Code (im Programm: akte activate --kvnr … --code … --email …).",
			"3. Geben Sie Ihre Krankenversichertennummer, den Code und Ihre E-Mail-Adresse ein und wählen Sie ein Passwort.",
			"4. Bewahren Sie den Sicherheitsschlüssel, den Sie dann sehen, sicher auf."},
		Note:       "Der Code gilt nur einmal. Wird die Akte bis zum genannten Tag nicht aktiviert, wird sie gelöscht. Ihre Krankenkasse kann Ihre Akte nicht lesen.",
		DateLayout: "02.01.2006"}
}

// EnglishLabels are the letter's words in English.
func EnglishLabels() Labels {
	return Labels{Title: "Your electronic health record: activation code",
		Intro: "Your health insurer opened a health record for you. Only you can read it: everything in it is encrypted on your device. With the code below you set your password, your two-factor login and your keys.",
		KVNR:  "Health insurance number", BirthDate: "Date of birth", Code: "Activation code", Valid: "valid until", Server: "Address",
		Steps: "How to activate your record",
		Step: [4]string{"1. Open the address above or the akte program.",
			"2. Activate the record with your health insurance number and the code (in the program: akte activate --kvnr … --code … --email …).",
			"3. Enter your health insurance number, the code and your e-mail address, and choose a password.",
			"4. Keep the recovery key you are then shown in a safe place."},
		Note:       "The code works once. If the record is not activated by the day named, it is deleted. Your insurer cannot read your record.",
		DateLayout: "2 Jan 2006"}
}

// Write prints the letter.
func Write(w io.Writer, a Activation, l Labels, now time.Time) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdffont.Register(pdf)
	pdf.SetCreationDate(now)
	pdf.SetModificationDate(now)
	pdf.SetTitle(l.Title, true)
	pdf.SetMargins(25, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	pdf.AddPage()
	pdf.SetFont(pdffont.Family, "B", 12)
	pdf.CellFormat(0, 8, a.Insurer, "", 1, "R", false, 0, "")
	pdf.Ln(18)
	pdf.SetFont(pdffont.Family, "B", 15)
	pdf.MultiCell(0, 7, l.Title, "", "L", false)
	pdf.Ln(4)
	pdf.SetFont(pdffont.Family, "", 10.5)
	pdf.MultiCell(0, 5.5, l.Intro, "", "L", false)
	pdf.Ln(6)
	born := a.BirthDate
	if d, err := time.Parse(time.DateOnly, born); err == nil {
		born = d.Format(l.DateLayout)
	}
	row := func(k, v string) {
		pdf.SetFont(pdffont.Family, "", 10.5)
		pdf.CellFormat(60, 7, k, "", 0, "L", false, 0, "")
		pdf.SetFont(pdffont.Family, "B", 10.5)
		pdf.CellFormat(0, 7, v, "", 1, "L", false, 0, "")
	}
	row(l.KVNR, a.KVNR)
	row(l.BirthDate, born)
	row(l.Server, a.Server)
	pdf.Ln(5)
	pdf.SetFont(pdffont.Family, "", 10.5)
	pdf.CellFormat(0, 6, l.Code+" ("+l.Valid+" "+a.ExpiresAt.Format(l.DateLayout)+")", "", 1, "L", false, 0, "")
	pdf.SetFont(pdffont.Family, "B", 26)
	pdf.SetDrawColor(60, 60, 60)
	pdf.CellFormat(110, 16, a.Code, "1", 1, "C", false, 0, "")
	if q, err := qr.Encode(a.Server); err == nil {
		var b bytes.Buffer
		if png.Encode(&b, q.Image(4)) == nil {
			opt := fpdf.ImageOptions{ImageType: "PNG"}
			pdf.RegisterImageOptionsReader("server", opt, &b)
			pdf.ImageOptions("server", 150, pdf.GetY()-34, 32, 32, false, opt, 0, "")
		}
	}
	pdf.Ln(8)
	pdf.SetFont(pdffont.Family, "B", 12)
	pdf.CellFormat(0, 7, l.Steps, "", 1, "L", false, 0, "")
	pdf.SetFont(pdffont.Family, "", 10.5)
	for _, s := range l.Step {
		pdf.MultiCell(0, 5.5, s, "", "L", false)
	}
	pdf.Ln(6)
	pdf.SetFont(pdffont.Family, "", 9)
	pdf.MultiCell(0, 5, l.Note, "", "L", false)
	if err := pdf.Output(w); err != nil {
		return akte.E("letter.write", akte.KindInternal, "", err)
	}
	return nil
}
