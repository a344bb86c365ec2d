package letter

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWrite: the letter is a PDF that poppler renders and whose text holds
// the code, the KVNR, the birth date and the expiry in the reader's
// language.
func TestWrite(t *testing.T) {
	a := Activation{Insurer: "Musterkasse", KVNR: "X110411675", BirthDate: "1961-07-14", Code: "ABCD-EFGH-JKMN",
		Server: "https://akte.example.org", ExpiresAt: time.Date(2026, 12, 29, 10, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		l    Labels
		want []string
	}{
		{GermanLabels(), []string{"ABCD-EFGH-JKMN", "X110411675", "14.07.1961", "29.12.2026", "Aktivierungscode"}},
		{EnglishLabels(), []string{"ABCD-EFGH-JKMN", "14 Jul 1961", "29 Dec 2026", "Activation code"}},
	} {
		var b bytes.Buffer
		if err := Write(&b, a, c.l, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
			t.Fatal("not a PDF")
		}
		if _, err := exec.LookPath("pdftotext"); err != nil {
			t.Skip("pdftotext (poppler-utils) is not installed")
		}
		p := filepath.Join(t.TempDir(), "brief.pdf")
		os.WriteFile(p, b.Bytes(), 0o600)
		out, err := exec.Command("pdftotext", p, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("the letter lacks %q:\n%s", w, out)
			}
		}
		if out, err := exec.Command("pdftoppm", "-r", "40", "-png", "-singlefile", p, filepath.Join(t.TempDir(), "brief")).CombinedOutput(); err != nil {
			t.Errorf("pdftoppm: %v %s", err, out)
		}
	}
}
