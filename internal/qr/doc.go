// Package qr encodes QR codes for the recovery key and the TOTP secret, in
// the CLI and in the WebAssembly core alike. It is rsc.io/qr (coding and
// gf256, BSD licence in LICENSE) cut to the byte mode and without fmt,
// which would bring reflection into the WebAssembly module (decision
// 0017); Encode is rsc.io/qr's, for the byte mode.
package qr

import (
	"errors"
	"image"
)

// Encode returns the smallest QR code of version 1 to 40 holding text in
// byte mode at error correction level M.
func Encode(text string) (*Code, error) {
	enc := String(text)
	for v := Version(MinVersion); v <= MaxVersion; v++ {
		if enc.Bits(v) <= v.DataBytes(M)*8 {
			p, err := NewPlan(v, M, 0)
			if err != nil {
				return nil, err
			}
			return p.Encode(enc)
		}
	}
	return nil, errors.New("qr: text too long")
}

// quiet is the white border a reader needs around a code, in modules.
const quiet = 4

// Text draws the code for a terminal with half blocks, two rows of
// modules per line, light modules as blocks (readable on a dark terminal),
// with the quiet zone around it.
func (c *Code) Text() string {
	n := c.Size + 2*quiet
	dark := func(x, y int) bool { return c.Black(x-quiet, y-quiet) }
	var b []byte
	for y := 0; y < n; y += 2 {
		for x := range n {
			top, bottom := dark(x, y), y+1 >= n || dark(x, y+1)
			switch {
			case top && bottom:
				b = append(b, ' ')
			case top:
				b = append(b, "▄"...)
			case bottom:
				b = append(b, "▀"...)
			default:
				b = append(b, "█"...)
			}
		}
		b = append(b, '\n')
	}
	return string(b)
}

// Image returns the code with its quiet zone as a grey image of about px
// pixels on a side (a whole number of pixels per module).
func (c *Code) Image(px int) *image.Gray {
	n := c.Size + 2*quiet
	scale := max(1, px/n)
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for y := range n * scale {
		for x := range n * scale {
			v := uint8(255)
			if c.Black(x/scale-quiet, y/scale-quiet) {
				v = 0
			}
			img.Pix[y*img.Stride+x] = v
		}
	}
	return img
}
