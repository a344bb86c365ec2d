package dicom

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"strconv"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/dicom/dicomtest"
)

// rawEntry adds an entry whose header says what the test wants, whatever
// the data.
func rawEntry(t testing.TB, w *zip.Writer, h *zip.FileHeader, data []byte) {
	t.Helper()
	f, err := w.CreateRaw(h)
	must(t, err)
	_, err = f.Write(data)
	must(t, err)
}

func deflated(t testing.TB, r io.Reader) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	if _, err := io.Copy(w, r); err != nil {
		t.Fatal(err)
	}
	must(t, w.Close())
	return b.Bytes()
}

func scanZip(t testing.TB, z []byte, lim Limits) (*Result, error) {
	fsys, err := OpenZip(bytes.NewReader(z), int64(len(z)), lim)
	if err != nil {
		return nil, err
	}
	return Scan(context.Background(), fsys, lim)
}

// TestZipEntriesRefused: a decompression bomb, an encrypted entry, an
// unknown compression and a symbolic link are listed, not read; the
// instance next to them is imported.
func TestZipEntriesRefused(t *testing.T) {
	inst := imageFile(studyA, seriesA1, seriesA1+".1", 1, "X^Y")
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	bomb := deflated(t, io.LimitReader(zeros{}, 50<<20))
	rawEntry(t, w, &zip.FileHeader{Name: "BOMB", Method: zip.Deflate, CRC32: 0, CompressedSize64: uint64(len(bomb)), UncompressedSize64: 50 << 20}, bomb)
	rawEntry(t, w, &zip.FileHeader{Name: "SECRET", Method: zip.Store, Flags: 0x1, CRC32: crc32.ChecksumIEEE(inst),
		CompressedSize64: uint64(len(inst)), UncompressedSize64: uint64(len(inst))}, inst)
	rawEntry(t, w, &zip.FileHeader{Name: "BZIP2", Method: 12, CompressedSize64: 10, UncompressedSize64: 100}, make([]byte, 10))
	link := &zip.FileHeader{Name: "LINK", Method: zip.Store}
	link.SetMode(fs.ModeSymlink | 0o777)
	lw, _ := w.CreateHeader(link)
	lw.Write([]byte("IM1"))
	iw, _ := w.Create("IM1")
	iw.Write(inst)
	must(t, w.Close())

	res, err := scanZip(t, b.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := uidsByPath(res); len(got) != 1 || got["IM1"] == "" {
		t.Errorf("imported %v", got)
	}
	want := map[string]string{"BOMB": "zip_entry:zip_ratio", "SECRET": "zip_entry:zip_encrypted", "BZIP2": "zip_entry:zip_method", "LINK": "symlink"}
	if got := skippedBy(res); !maps.Equal(got, want) {
		t.Errorf("skipped %v", got)
	}
}

// TestZipRefused: archives too large uncompressed or with too many entries
// are refused as a whole, from their headers.
func TestZipRefused(t *testing.T) {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := range 3 {
		// Headers claiming 1 TiB each; the data is a few bytes.
		rawEntry(t, w, &zip.FileHeader{Name: "BIG" + strconv.Itoa(i), Method: zip.Store, UncompressedSize64: 1 << 40, CompressedSize64: 4}, []byte("abcd"))
	}
	must(t, w.Close())
	_, err := scanZip(t, b.Bytes(), Limits{})
	wantReason(t, err, akte.KindTooLarge, "zip_too_large")

	many := map[string][]byte{}
	for i := range 50 {
		many["F"+strconv.Itoa(i)] = nil
	}
	_, err = scanZip(t, zipOf(t, many, zip.Store), Limits{MaxFiles: 10})
	wantReason(t, err, akte.KindTooLarge, "dicom_too_many_files")

	// ZIP64: more than 65535 entries; the count comes from the ZIP64
	// end record, before archive/zip reads the directory.
	b.Reset()
	w = zip.NewWriter(&b)
	for i := range 70_000 {
		rawEntry(t, w, &zip.FileHeader{Name: strconv.Itoa(i), Method: zip.Store}, nil)
	}
	must(t, w.Close())
	n, _, ok := zipDirectory(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if !ok || n != 70_000 {
		t.Errorf("ZIP64 directory: %d entries, %v", n, ok)
	}
	_, err = OpenZip(bytes.NewReader(b.Bytes()), int64(b.Len()), Limits{MaxFiles: 1000})
	wantReason(t, err, akte.KindTooLarge, "dicom_too_many_files")
}

// TestZipLies: an entry longer than its header says, or with a wrong
// checksum, fails the content stream instead of passing more or other
// bytes.
func TestZipLies(t *testing.T) {
	// Larger than what a scan reads, so that it reads the header
	// without noticing.
	var le dicomtest.Enc
	inst := part10(bytes.Replace(dataset(le, testSOP), le.El(0x7FE00010, "OW", make([]byte, 8)),
		le.El(0x7FE00010, "OW", bytes.Repeat([]byte{1, 2, 3, 4, 5}, 40_000)), 1))
	// A trailing element after the pixel data that the header's size
	// leaves out: the file still reads as an instance.
	padding := []byte{0xfc, 0xff, 0xfc, 0xff, 'O', 'B', 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	long := append(bytes.Clone(inst), padding...)
	for name, h := range map[string]*zip.FileHeader{
		"longer than declared": {CRC32: crc32.ChecksumIEEE(long), UncompressedSize64: uint64(len(inst))},
		"wrong checksum":       {CRC32: crc32.ChecksumIEEE(inst) ^ 1, UncompressedSize64: uint64(len(inst))},
	} {
		t.Run(name, func(t *testing.T) {
			data := long
			if name == "wrong checksum" {
				data = inst
			}
			c := deflated(t, bytes.NewReader(data))
			h.Name, h.Method, h.CompressedSize64 = "IM1", zip.Deflate, uint64(len(c))
			var b bytes.Buffer
			w := zip.NewWriter(&b)
			rawEntry(t, w, h, c)
			must(t, w.Close())
			res, err := scanZip(t, b.Bytes(), Limits{})
			if err != nil || len(res.Studies) != 1 {
				t.Fatalf("%v %+v", err, res)
			}
			r := res.Studies[0].Content()
			got, err := io.ReadAll(r)
			if !errors.Is(err, zip.ErrFormat) && !errors.Is(err, zip.ErrChecksum) {
				t.Errorf("read %d bytes, error %v", len(got), err)
			}
			if len(got) > len(inst) {
				t.Errorf("read %d bytes", len(got))
			}
		})
	}
}

// TestZipLiesSmall: a small entry longer than declared fails on its first
// read, and is listed as unreadable.
func TestZipLiesSmall(t *testing.T) {
	inst := imageFile(studyA, seriesA1, seriesA1+".1", 1, "X^Y")
	c := deflated(t, bytes.NewReader(inst))
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	rawEntry(t, w, &zip.FileHeader{Name: "IM1", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(inst),
		CompressedSize64: uint64(len(c)), UncompressedSize64: uint64(len(inst) - 20)}, c)
	must(t, w.Close())
	res, err := scanZip(t, b.Bytes(), Limits{})
	if err != nil || len(res.Studies) != 0 || skippedBy(res)["IM1"] != SkipUnreadable {
		t.Errorf("%v %+v", err, res)
	}
}
