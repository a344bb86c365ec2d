// Package datamatrix reads and writes the DataMatrix of a medication plan
// (package bmp) through gozxing. Apart from bmp so that the WebAssembly
// module that decodes plans in the browser (where zxing-wasm reads the
// code) does not carry gozxing.
package datamatrix

import (
	"bytes"
	"image"
	"image/color"
	_ "image/gif"  // image formats ReadImage accepts
	_ "image/jpeg" // (photos and scans)
	_ "image/png"
	"io"

	"github.com/akte/akte"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
	"github.com/makiuchi-d/gozxing/datamatrix/encoder"
	"golang.org/x/text/encoding/charmap"
)

// Limits of ReadImage: the file size and the decoded pixels (a
// 50-megapixel photo), so that a crafted file cannot exhaust memory.
const (
	MaxImageBytes  = 64 << 20
	MaxImagePixels = 50_000_000
)

// ReadImage finds the BMP DataMatrix in a photo or scan (PNG, JPEG or GIF)
// and returns its content, the ISO-8859-1 bytes of the carrier, for
// Decode. Errors (*akte.Error, with Reason): bmp_image_unreadable,
// bmp_image_too_large, bmp_code_not_found.
func ReadImage(r io.Reader) ([]byte, error) {
	const op = "bmp.read_image"
	data, err := io.ReadAll(io.LimitReader(r, MaxImageBytes+1))
	if err != nil {
		return nil, &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "bmp_image_unreadable", Message: "the image could not be read", Err: err}
	}
	if len(data) > MaxImageBytes {
		return nil, akte.R(op, akte.KindTooLarge, "bmp_image_too_large", map[string]any{"max_bytes": MaxImageBytes}, "the image file is too large")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "bmp_image_unreadable", Message: "the file is not a PNG, JPEG or GIF image", Err: err}
	}
	if cfg.Width*cfg.Height > MaxImagePixels {
		return nil, akte.R(op, akte.KindTooLarge, "bmp_image_too_large", map[string]any{"max_pixels": MaxImagePixels}, "the image has too many pixels")
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "bmp_image_unreadable", Message: "the image is damaged", Err: err}
	}
	return DecodeImage(img)
}

// DecodeImage finds the DataMatrix in img and returns its content (see
// ReadImage). The detector wants the code to dominate the picture, which a
// photo of the code does but a scan of the whole plan does not: when the
// whole image yields nothing, overlapping windows of a half, a third and a
// quarter of its size are tried in turn. A symbol that its error correction
// cannot restore is not found: the error is bmp_code_not_found.
func DecodeImage(img image.Image) ([]byte, error) {
	const op = "bmp.read_image"
	// A photo of the code: the whole picture, reduced to two megapixels
	// (seconds saved, and the code's modules stay several pixels wide).
	data, err := decodeWhole(shrink(img, 2_000_000))
	if err == nil {
		return data, nil
	}
	if sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		// A scan of the whole plan: windows in which the code dominates,
		// smallest first (a quarter of a page holds the code of an A4 plan),
		// right to left and top down: the BMP prints its code top right.
		b := img.Bounds()
		for _, f := range []int{4, 3, 2} {
			w, h := b.Dx()/f, b.Dy()/f
			for y := b.Min.Y; y+h <= b.Max.Y; y += h / 2 {
				for x := b.Max.X - w; x >= b.Min.X; x -= w / 2 {
					if data, err := decodeWhole(sub.SubImage(image.Rect(x, y, x+w, y+h))); err == nil {
						return data, nil
					}
				}
			}
		}
	}
	return nil, &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "bmp_code_not_found",
		Message: "no readable medication plan code (DataMatrix) was found in the image", Err: err}
}

// shrink returns img reduced by an integer factor (averaging grey values)
// to at most max pixels, or img itself if it is small enough.
func shrink(img image.Image, max int) image.Image {
	b := img.Bounds()
	f := 1
	for b.Dx()/f*(b.Dy()/f) > max {
		f++
	}
	if f == 1 {
		return img
	}
	out := image.NewGray(image.Rect(0, 0, b.Dx()/f, b.Dy()/f))
	for y := range out.Rect.Dy() {
		for x := range out.Rect.Dx() {
			sum := 0
			for dy := range f {
				for dx := range f {
					sum += int(color.GrayModel.Convert(img.At(b.Min.X+x*f+dx, b.Min.Y+y*f+dy)).(color.Gray).Y)
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / (f * f))
		}
	}
	return out
}

func decodeWhole(img image.Image) ([]byte, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return nil, err
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := datamatrix.NewDataMatrixReader().Decode(bmp, hints)
	if err != nil {
		return nil, err
	}
	// gozxing returns the symbol's bytes unchanged in the string: they are
	// ISO-8859-1, as the BMP specifies.
	return []byte(res.GetText()), nil
}

// EncodeImage renders carrier (ISO-8859-1 XML without prolog, as in
// Plan.Raw) as a DataMatrix of about size pixels a side, with a quiet zone.
// Errors: bmp_code_too_large when the carrier exceeds what a DataMatrix
// holds.
func EncodeImage(carrier []byte, size int) (image.Image, error) {
	const op = "bmp.encode_image"
	text, err := charmap.ISO8859_1.NewDecoder().Bytes(carrier)
	if err != nil {
		return nil, &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "bmp_xml_invalid", Message: "the plan is not ISO-8859-1", Err: err}
	}
	// The writer ignores a failed symbol size lookup, and the encoder of
	// gozxing v0.1.1 wraps its length around beyond the largest symbol
	// (1,558 codewords; 2,000 bytes come out as 3 codewords): check both.
	tooLarge := func(err error) error {
		return &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "bmp_code_too_large", Message: "the plan does not fit into one DataMatrix", Err: err}
	}
	cw, err := encoder.EncodeHighLevel(string(text), encoder.SymbolShapeHint_FORCE_NONE, nil, nil)
	if err != nil {
		return nil, tooLarge(err)
	}
	if len(cw) < len(carrier)/2 { // no encodation packs more than two bytes into a codeword
		return nil, tooLarge(nil)
	}
	if _, err := encoder.SymbolInfo_Lookup(len(cw), encoder.SymbolShapeHint_FORCE_NONE, nil, nil, true); err != nil {
		return nil, tooLarge(err)
	}
	m, err := datamatrix.NewDataMatrixWriter().Encode(string(text), gozxing.BarcodeFormat_DATA_MATRIX, 0, 0, nil)
	if err != nil {
		return nil, &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "bmp_code_too_large", Message: "the plan does not fit into one DataMatrix", Err: err}
	}
	w, h := m.GetWidth(), m.GetHeight()
	quiet := 2
	scale := max(1, size/(w+2*quiet))
	img := image.NewGray(image.Rect(0, 0, (w+2*quiet)*scale, (h+2*quiet)*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := range h {
		for x := range w {
			if !m.Get(x, y) {
				continue
			}
			for dy := range scale {
				for dx := range scale {
					img.SetGray((x+quiet)*scale+dx, (y+quiet)*scale+dy, color.Gray{})
				}
			}
		}
	}
	return img, nil
}
