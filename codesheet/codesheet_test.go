package codesheet

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWrite: the sheet is a PDF that pdftotext (where installed) reads
// back with the code, the address and the expiry, in both languages.
func TestWrite(t *testing.T) {
	exp := time.Date(2027, 1, 15, 23, 0, 0, 0, time.UTC)
	for _, l := range []Labels{GermanLabels(), EnglishLabels()} {
		var buf bytes.Buffer
		s := Sheet{Code: "ABCD-EFGH-JKMN", Link: "https://akte.example/freigabe#ABCD-EFGH-JKMN", Server: "https://akte.example/freigabe",
			Expires: exp, Items: 3, Password: true}
		if err := Write(&buf, s, l, time.UTC, exp); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
			t.Fatal("not a PDF")
		}
		if _, err := exec.LookPath("pdftotext"); err != nil {
			continue
		}
		f := filepath.Join(t.TempDir(), "s.pdf")
		os.WriteFile(f, buf.Bytes(), 0o600)
		out, err := exec.Command("pdftotext", f, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"ABCD-EFGH-JKMN", "https://akte.example/freigabe", exp.Format(l.DateLayout), l.Password} {
			if !strings.Contains(strings.Join(strings.Fields(string(out)), " "), want) {
				t.Errorf("%q not on the sheet:\n%s", want, out)
			}
		}
	}
}
