// Package pdffont embeds the DejaVu Sans Condensed fonts (regular and bold;
// license in LICENSE: Bitstream Vera terms, DejaVu changes public domain)
// and registers them with an fpdf document, so that PDFs render every
// German and most other characters without depending on the machine's
// fonts.
package pdffont

import (
	_ "embed"

	"github.com/go-pdf/fpdf"
)

// Family is the font family name Register adds: styles "" and "B".
const Family = "dejavu"

var (
	//go:embed DejaVuSansCondensed.ttf
	regular []byte
	//go:embed DejaVuSansCondensed-Bold.ttf
	bold []byte
)

// Register adds Family to pdf.
func Register(pdf *fpdf.Fpdf) {
	pdf.AddUTF8FontFromBytes(Family, "", regular)
	pdf.AddUTF8FontFromBytes(Family, "B", bold)
}
