package datamatrix

import (
	"bytes"
	"errors"
	"github.com/akte/akte"
	"github.com/akte/akte/bmp"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestDataMatrixRoundTrip renders each example's carrier as a DataMatrix
// (gozxing's writer), reads it back from a PNG and from a slightly blurred
// JPEG "photo" on a grey background, and checks that it decodes to the
// same lines.
func TestDataMatrixRoundTrip(t *testing.T) {
	for _, name := range []string{"bmp-0001.xml", "bmp-0002.xml", "bmp-28.xml"} {
		p, err := bmp.Decode(read(t, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := EncodeImage(p.Raw, 400)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var pngFile bytes.Buffer
		if err := png.Encode(&pngFile, img); err != nil {
			t.Fatal(err)
		}
		got, err := ReadImage(&pngFile)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, p.Raw) {
			t.Fatalf("%s: code content differs from the carrier", name)
		}
		q, err := bmp.Decode(got)
		if err != nil {
			t.Fatal(err)
		}
		same(t, name, p, q)

		// A photo: the code smaller, off-centre, on a grey page, as JPEG.
		b := img.Bounds()
		photo := image.NewGray(image.Rect(0, 0, b.Dx()+300, b.Dy()+200))
		draw.Draw(photo, photo.Bounds(), &image.Uniform{color.Gray{200}}, image.Point{}, draw.Src)
		draw.Draw(photo, b.Add(image.Pt(180, 70)), img, image.Point{}, draw.Src)
		var jpg bytes.Buffer
		if err := jpeg.Encode(&jpg, photo, &jpeg.Options{Quality: 70}); err != nil {
			t.Fatal(err)
		}
		got, err = ReadImage(&jpg)
		if err != nil {
			t.Fatalf("%s photo: %v", name, err)
		}
		q, err = bmp.Decode(got)
		if err != nil {
			t.Fatal(err)
		}
		same(t, name, p, q)
	}
}

// TestDataMatrixRefuses: an image without a code, a damaged code, a
// non-image and a truncated carrier are refused, and each with its reason.
func TestDataMatrixRefuses(t *testing.T) {
	p, _ := bmp.Decode(read(t, "bmp-0002.xml"))
	img, err := EncodeImage(p.Raw, 400)
	if err != nil {
		t.Fatal(err)
	}
	blank := image.NewGray(image.Rect(0, 0, 300, 300))
	draw.Draw(blank, blank.Bounds(), &image.Uniform{color.White}, image.Point{}, draw.Src)
	if _, err := DecodeImage(blank); reason(err) != "bmp_code_not_found" {
		t.Errorf("blank image: %v", err)
	}
	// Damage: a third of the modules flipped at random, beyond what the
	// error correction restores.
	damaged := image.NewGray(img.Bounds())
	draw.Draw(damaged, damaged.Bounds(), img, image.Point{}, draw.Src)
	rnd := rand.New(rand.NewPCG(1, 2))
	b := damaged.Bounds()
	cell := 6
	for y := b.Dy() / 4; y < 3*b.Dy()/4; y += cell {
		for x := b.Dx() / 4; x < 3*b.Dx()/4; x += cell {
			if rnd.IntN(3) == 0 {
				v := uint8(255)
				if rnd.IntN(2) == 0 {
					v = 0
				}
				draw.Draw(damaged, image.Rect(x, y, x+cell, y+cell), &image.Uniform{color.Gray{v}}, image.Point{}, draw.Src)
			}
		}
	}
	if _, err := DecodeImage(damaged); reason(err) != "bmp_code_not_found" {
		t.Errorf("damaged code: %v", err)
	}
	if _, err := ReadImage(bytes.NewReader([]byte("not an image"))); reason(err) != "bmp_image_unreadable" {
		t.Errorf("text file: %v", err)
	}
	// A code that holds only the first part of a plan (a truncated carrier,
	// e.g. from a printing error) is read, and then refused by Decode.
	cut, err := EncodeImage(p.Raw[:len(p.Raw)*2/3], 400)
	if err != nil {
		t.Fatal(err)
	}
	data, err := DecodeImage(cut)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bmp.Decode(data); reason(err) != "bmp_truncated" {
		t.Errorf("truncated carrier: %v", err)
	}
	big := make([]byte, 2000)
	for i := range big {
		big[i] = byte(0xa0 + rnd.IntN(0x60))
	}
	if _, err := EncodeImage(big, 400); reason(err) != "bmp_code_too_large" {
		t.Errorf("too large: %v", err)
	}
}

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func reason(err error) string {
	var e *akte.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// same checks that q, read off an image, is the plan p (bmp's tests check
// the lines of the examples one by one).
func same(t *testing.T, name string, p, q *bmp.Plan) {
	t.Helper()
	if q.ID != p.ID || !reflect.DeepEqual(q.Sections, p.Sections) || !reflect.DeepEqual(q.Patient, p.Patient) {
		t.Errorf("%s: the plan read off the image differs", name)
	}
}
