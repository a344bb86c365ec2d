// Package pdftest is a test helper that reads PDFs the way a person would:
// it extracts their text with pdftotext and renders their pages with
// pdftoppm (poppler-utils). Only tests import it.
package pdftest

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
)

// RequiredEnv names the variable that makes missing poppler-utils fail the
// test instead of skipping it; `make test` sets it.
const RequiredEnv = "AKTE_PDF_TESTS"

func need(tb testing.TB, tool string) {
	tb.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv(RequiredEnv) != "" {
			tb.Fatalf("%s missing (poppler-utils; scripts/test-deps.sh installs it)", tool)
		}
		tb.Skipf("PDF check skipped: %s missing (poppler-utils); make test runs it", tool)
	}
}

// Text returns the text of the PDF in reading layout.
func Text(tb testing.TB, pdf []byte) string {
	tb.Helper()
	need(tb, "pdftotext")
	cmd := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		tb.Fatalf("pdftotext: %v\n%s", err, errb.String())
	}
	return out.String()
}

// Pages renders every page at dpi and returns the images; pdftoppm
// refusing the file fails the test.
func Pages(tb testing.TB, pdf []byte, dpi int) []image.Image {
	tb.Helper()
	need(tb, "pdftoppm")
	dir := tb.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command("pdftoppm", "-png", "-r", itoa(dpi), in, filepath.Join(dir, "page"))
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	sort.Strings(files)
	var imgs []image.Image
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			tb.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	if len(imgs) == 0 {
		tb.Fatal("pdftoppm rendered no page")
	}
	return imgs
}

func itoa(n int) string {
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
