package dicom

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
)

func TestSafeName(t *testing.T) {
	for uid, want := range map[string]string{
		"1.2.840.113619.2.55": "1.2.840.113619.2.55",
		"1.2.a-b_c":           "1.2.a-b_c",
		"1.2/3":               "1.2_3",
		"..":                  "_._",
		".hidden":             "_.hidden",
		"-rf":                 "_-rf",
		"1.2.":                "1.2_",
		"CON":                 "_CON",
		"nul.1":               "_nul.1",
		"COM1":                "_COM1",
		"a:b*c?d\"e<f>g|h":    "a_b_c_d_e_f_g_h",
		"":                    "_",
	} {
		if got := safeName(uid); got != want {
			t.Errorf("safeName(%q) = %q, want %q", uid, got, want)
		}
	}
}

// TestFilesUnique: names stay apart after sanitising, also on file systems
// that ignore case.
func TestFilesUnique(t *testing.T) {
	m := &Manifest{Series: []ManifestSeries{
		{SeriesInfo: SeriesInfo{UID: "1.2.A"}, Instances: []ManifestInstance{{UID: "x/y", Length: 1}, {UID: "x_y", Offset: 1, Length: 2}, {UID: "X_Y", Offset: 3, Length: 1}}},
		{SeriesInfo: SeriesInfo{UID: "1.2.a"}, Instances: []ManifestInstance{{UID: "1", Offset: 4, Length: 1}}},
	}}
	var paths []string
	for _, f := range m.Files() {
		paths = append(paths, f.Path)
	}
	want := []string{"1.2.A/x_y.dcm", "1.2.A/x_y~2.dcm", "1.2.A/X_Y~3.dcm", "1.2.a~2/1.dcm"}
	if !slices.Equal(paths, want) {
		t.Errorf("paths %v", paths)
	}
}

// sealStudy encrypts a study's content stream as an item would hold it,
// with small segments so that instances straddle segment boundaries, and
// returns the ciphertext and the key.
func sealStudy(t testing.TB, st *Study) ([]byte, []byte) {
	t.Helper()
	key := seal.NewKey()
	var ct bytes.Buffer
	w, err := seal.NewWriter(&ct, key, seal.WithSegmentSize(4096))
	must(t, err)
	r := st.Content()
	if _, err := io.Copy(w, r); err != nil {
		t.Fatal(err)
	}
	must(t, r.Close())
	must(t, w.Close())
	return ct.Bytes(), key
}

// TestWriteFiles: content stream, sealed and opened at any segment, back
// to files, byte for byte, private to the user.
func TestWriteFiles(t *testing.T) {
	res, err := Scan(context.Background(), mapFS(cdTree()), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range res.Studies {
		written := roundTrip(t, st, func(p string) []byte { return cdTree()[p] })
		if fi, _ := os.Stat(written[0]); fi.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v", fi.Mode())
		}
		if fi, _ := os.Stat(filepath.Dir(written[0])); fi.Mode().Perm() != 0o700 {
			t.Errorf("folder mode %v", fi.Mode())
		}
	}
}

// roundTrip takes a study through what an upload and a download do: the
// manifest as JSON, the content stream sealed, opened at any segment, and
// the instances written back as files, each compared with its original
// (by path in the scanned source). It returns the files written.
func roundTrip(t *testing.T, st *Study, original func(path string) []byte) []string {
	t.Helper()
	item, err := NewStudyItem(st)
	if err != nil {
		t.Fatal(err)
	}
	key := seal.NewKey()
	var ct bytes.Buffer
	w, err := seal.NewWriter(&ct, key, seal.WithSegmentSize(4096))
	must(t, err)
	r, err := item.Open()
	must(t, err)
	if n, err := io.Copy(w, r); err != nil || n != item.Size() {
		t.Fatalf("content: %d of %d bytes, %v", n, item.Size(), err)
	}
	must(t, r.Close())
	must(t, w.Close())
	whole, err := seal.NewReaderAt(bytes.NewReader(ct.Bytes()), int64(ct.Len()), key)
	if err != nil {
		t.Fatal(err)
	}
	m, ra, err := OpenStudyItem(whole, whole.Size())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	written, err := WriteFiles(context.Background(), ra, ra.Size(), m, dir)
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, se := range st.Series {
		for _, in := range se.Instances {
			want := original(in.Path)
			got, err := os.ReadFile(written[i])
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: written %s differs (%v)", in.Path, written[i], err)
			}
			if filepath.Base(written[i]) != in.UID+".dcm" || filepath.Base(filepath.Dir(written[i])) != se.UID {
				t.Errorf("written as %s", written[i])
			}
			// A viewer reads one instance by its range.
			mi := m.Series[slices.IndexFunc(m.Series, func(s ManifestSeries) bool { return s.UID == se.UID })]
			for _, x := range mi.Instances {
				if x.UID == in.UID {
					part, err := io.ReadAll(io.NewSectionReader(ra, x.Offset, x.Length))
					if err != nil || !bytes.Equal(part, want) {
						t.Errorf("%s: range read differs (%v)", in.Path, err)
					}
				}
			}
			i++
		}
	}
	if i != len(written) {
		t.Errorf("wrote %d files for %d instances", len(written), i)
	}
	return written
}

// TestWriteFilesFails: a stream of the wrong size is refused; a tampered
// one stops at the segment that fails, with earlier files written and no
// partial file under any name.
func TestWriteFilesFails(t *testing.T) {
	files := map[string][]byte{}
	var le = bytes.Repeat([]byte{9}, 3000)
	for i, n := range []string{"1", "2", "3", "4", "5"} {
		files["IM"+n] = append(imageFile(studyA, seriesA1, seriesA1+"."+n, i, "X^Y"), le...)
	}
	res, err := Scan(context.Background(), mapFS(files), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Studies[0]
	m, _ := NewManifest(st)
	ct, key := sealStudy(t, st)
	ra, _ := seal.NewReaderAt(bytes.NewReader(ct), int64(len(ct)), key)
	_, err = WriteFiles(context.Background(), ra, ra.Size()-1, m, t.TempDir())
	wantReason(t, err, akte.KindInvalid, "dicom_content_size")

	// Flip a byte in the third segment (plaintext 8192..12287): the
	// third instance (from about 7,300) cannot be written.
	bad := bytes.Clone(ct)
	bad[77+2*(4096+16)+100] ^= 1
	ra, err = seal.NewReaderAt(bytes.NewReader(bad), int64(len(bad)), key)
	must(t, err)
	dir := t.TempDir()
	written, err := WriteFiles(context.Background(), ra, ra.Size(), m, dir)
	if !akte.Is(err, akte.KindCrypto) {
		t.Fatalf("error %v", err)
	}
	var left []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if !d.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if !slices.Equal(left, written) || len(written) == 0 || len(written) >= 5 {
		t.Errorf("written %v, on disk %v", written, left)
	}
	for _, p := range left {
		if strings.Contains(filepath.Base(p), ".tmp") {
			t.Errorf("temporary file left: %s", p)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := WriteFiles(ctx, ra, ra.Size(), m, t.TempDir()); err != context.Canceled {
		t.Errorf("cancelled: %v", err)
	}
}

// TestOpenStudyItem: a study item's head is checked before its manifest
// is believed: magic, manifest length within the stream and the format's
// limit, and the instances covering exactly the rest of the stream.
func TestOpenStudyItem(t *testing.T) {
	res, err := Scan(context.Background(), mapFS(cdTree()), Limits{})
	must(t, err)
	item, err := NewStudyItem(res.Studies[0])
	must(t, err)
	r, err := item.Open()
	must(t, err)
	content, err := io.ReadAll(r)
	must(t, err)
	must(t, r.Close())
	if int64(len(content)) != item.Size() {
		t.Fatalf("%d bytes, Size says %d", len(content), item.Size())
	}
	open := func(b []byte) error {
		_, _, err := OpenStudyItem(bytes.NewReader(b), int64(len(b)))
		return err
	}
	must(t, open(content))
	for name, c := range map[string]struct {
		b      []byte
		kind   akte.Kind
		reason string
	}{
		"empty":         {nil, akte.KindInvalid, "dicom_study_invalid"},
		"a plain file":  {[]byte("%PDF-1.7 not a study at all"), akte.KindInvalid, "dicom_study_invalid"},
		"length beyond": {append([]byte("AKTEDS01\x00\x10\x00\x00"), content[12:100]...), akte.KindInvalid, "dicom_study_invalid"},
		"huge manifest": {append([]byte("AKTEDS01\xff\xff\xff\xff"), content[12:]...), akte.KindTooLarge, "dicom_manifest_too_large"},
		"one byte more": {append(bytes.Clone(content), 0), akte.KindInvalid, "dicom_content_size"},
		"one byte less": {content[:len(content)-1], akte.KindInvalid, "dicom_content_size"},
	} {
		t.Run(name, func(t *testing.T) { wantReason(t, open(c.b), c.kind, c.reason) })
	}
}
