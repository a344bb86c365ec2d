package cli

import (
	"bytes"
	"image/png"
	"os"

	"github.com/akte/akte/internal/qr"
)

// WriteQR writes text as a 512-pixel QR code PNG readable by the owner
// only (an existing file is made so too): it carries a secret, such as a
// recovery key. (Not in package qr: the WebAssembly core uses that one and
// must stay lean.)
func WriteQR(text, path string) error {
	q, err := qr.Encode(text)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, q.Image(512)); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
