package bmp

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
// ReadImage). A symbol whose error correction cannot restore it is not
// found: the error is bmp_code_not_found.
func DecodeImage(img image.Image) ([]byte, error) {
	const op = "bmp.read_image"
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return nil, &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "bmp_image_unreadable", Message: "the image could not be read", Err: err}
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := datamatrix.NewDataMatrixReader().Decode(bmp, hints)
	if err != nil {
		return nil, &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "bmp_code_not_found",
			Message: "no readable medication plan code (DataMatrix) was found in the image", Err: err}
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
