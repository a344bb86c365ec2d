package dicom

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/akte/akte"
	"github.com/akte/akte/dicom/dicomtest"
)

const (
	studyA   = "1.2.826.0.1.3680043.10.543.100"
	seriesA1 = studyA + ".1"
	seriesA2 = studyA + ".2"
	studyB   = "1.2.826.0.1.3680043.10.543.200"
	seriesB1 = studyB + ".1"
)

// cdTree is a small CD: two studies, a DICOMDIR that misses one file,
// references one that is gone and gives a wrong UID for another, a second
// copy of an instance, a broken file, and what else CDs carry.
func cdTree() map[string][]byte {
	a11 := imageFile(studyA, seriesA1, seriesA1+".1", 2, "Mustermann^Erika")
	return map[string][]byte{
		"DICOM/ST1/SE1/IM1": a11,
		"DICOM/ST1/SE1/IM2": imageFile(studyA, seriesA1, seriesA1+".2", 1, "Mustermann^Erika"),
		"DICOM/ST1/SE2/IM1": imageFile(studyA, seriesA2, seriesA2+".1", 1, "MUSTERMANN^ERIKA"),
		"DICOM/ST2/SE1/IM1": imageFile(studyB, seriesB1, seriesB1+".1", 1, "Musterfrau^Anna"),
		"COPY/IM1":          a11,
		"EXTRA/IM1":         imageFile(studyB, seriesB1, seriesB1+".2", 2, "Musterfrau^Anna"),
		"BROKEN":            a11[:len(a11)-10],
		"VIEWER/VIEWER.EXE": append([]byte("MZ\x90\x00"), make([]byte, 200)...),
		"VIEWER/HELPER.DLL": append([]byte("MZ\x90\x00"), make([]byte, 50)...),
		"LOGO.BMP":          append([]byte("BM"), make([]byte, 100)...),
		"AUTORUN.INF":       []byte("[autorun]\r\nopen=VIEWER\\VIEWER.EXE\r\n"),
		"README.TXT":        []byte("Patienten-CD\r\n"),
		"EMPTY":             {},
		"DATA.BIN":          bytes.Repeat([]byte{0x5a, 0xa5, 0x33}, 100),
		"DICOMDIR": dicomtest.Directory(
			dicomtest.Ref{Path: []string{"DICOM", "ST1", "SE1", "IM1"}, SOP: seriesA1 + ".1"},
			dicomtest.Ref{Path: []string{"DICOM", "ST1", "SE1", "IM2"}, SOP: seriesA1 + ".2"},
			dicomtest.Ref{Path: []string{"DICOM", "ST1", "SE2", "IM1"}, SOP: seriesA2 + ".1"},
			dicomtest.Ref{Path: []string{"DICOM", "ST2", "SE1", "IM1"}, SOP: "1.2.3.999"},
			dicomtest.Ref{Path: []string{"DICOM", "ST9", "SE9", "IM9"}, SOP: "1.2.3.9"},
		),
	}
}

var cdSkipped = map[string]string{
	"COPY/IM1":          "duplicate:DICOM/ST1/SE1/IM1",
	"BROKEN":            "malformed:dicom_length_beyond_end",
	"VIEWER/VIEWER.EXE": "program",
	"VIEWER/HELPER.DLL": "program",
	"LOGO.BMP":          "picture",
	"AUTORUN.INF":       "autorun",
	"README.TXT":        "document",
	"EMPTY":             "empty",
	"DATA.BIN":          "not_dicom",
}

var cdInstances = map[string]string{
	"DICOM/ST1/SE1/IM1": seriesA1 + ".1",
	"DICOM/ST1/SE1/IM2": seriesA1 + ".2",
	"DICOM/ST1/SE2/IM1": seriesA2 + ".1",
	"DICOM/ST2/SE1/IM1": seriesB1 + ".1",
	"EXTRA/IM1":         seriesB1 + ".2",
}

func checkCD(t *testing.T, res *Result, extraSkipped map[string]string) {
	t.Helper()
	if got := uidsByPath(res); !maps.Equal(got, cdInstances) {
		t.Errorf("instances %v", got)
	}
	want := maps.Clone(cdSkipped)
	maps.Copy(want, extraSkipped)
	if got := skippedBy(res); !maps.Equal(got, want) {
		t.Errorf("skipped %v\nwant %v", got, want)
	}
	if len(res.Studies) != 2 {
		t.Fatalf("%d studies", len(res.Studies))
	}
	a, b := res.Studies[0], res.Studies[1]
	if a.UID != studyA || b.UID != studyB {
		a, b = b, a
	}
	if a.Instances != 3 || len(a.Series) != 2 || b.Instances != 2 || len(b.Series) != 1 {
		t.Errorf("counts %d/%d %d/%d", a.Instances, len(a.Series), b.Instances, len(b.Series))
	}
	// Series ordered by number, instances by instance number.
	var order []string
	for _, se := range a.Series {
		for _, in := range se.Instances {
			order = append(order, in.UID)
		}
	}
	wantOrder := []string{seriesA1 + ".2", seriesA1 + ".1", seriesA2 + ".1"}
	if a.Series[0].UID != seriesA1 {
		wantOrder = []string{seriesA2 + ".1", seriesA1 + ".2", seriesA1 + ".1"}
	}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("order %v", order)
	}
	var size int64
	for _, se := range a.Series {
		for _, in := range se.Instances {
			size += in.Size
		}
	}
	if a.Size != size || a.Patient.Name != "Mustermann^Erika" || a.PatientMismatch || !slices.Equal(a.Modalities, []string{"MR"}) {
		t.Errorf("study A %+v", a)
	}
	if len(res.Directories) != 1 {
		t.Fatalf("directories %+v", res.Directories)
	}
	d := res.Directories[0]
	if d.Path != "DICOMDIR" || d.Referenced != 5 || !slices.Equal(d.Missing, []string{"DICOM/ST9/SE9/IM9"}) ||
		!slices.Equal(d.Unreferenced, []string{"EXTRA/IM1"}) || !slices.Equal(d.Mismatched, []string{"DICOM/ST2/SE1/IM1"}) {
		t.Errorf("directory check %+v", d)
	}
}

func TestScanFolder(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, cdTree())
	// What a folder may hold besides files: links in a loop, a pipe
	// (opening it would block).
	must(t, os.Symlink(".", filepath.Join(dir, "LOOP")))
	must(t, os.Symlink("SELF", filepath.Join(dir, "SELF")))
	must(t, os.Symlink("DICOM/ST1/SE1/IM1", filepath.Join(dir, "LINK")))
	extra := map[string]string{"LOOP": "symlink", "SELF": "symlink", "LINK": "symlink"}
	if err := exec.Command("mkfifo", filepath.Join(dir, "PIPE")).Run(); err == nil {
		extra["PIPE"] = "special"
	}
	res, err := Scan(context.Background(), os.DirFS(dir), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkCD(t, res, extra)
	if res.Files != len(cdTree())+len(extra)+9 { // 9 folders
		t.Errorf("visited %d", res.Files)
	}
}

// TestScanDirectoryNames: a mounted CD shows names in lower case, with a
// version suffix or a trailing dot; the DICOMDIR still matches them.
func TestScanDirectoryNames(t *testing.T) {
	files := map[string][]byte{
		"dicom/im1;1": imageFile(studyA, seriesA1, seriesA1+".1", 1, "X^Y"),
		"dicom/im2.":  imageFile(studyA, seriesA1, seriesA1+".2", 2, "X^Y"),
		"dicomdir": dicomtest.Directory(
			dicomtest.Ref{Path: []string{"DICOM", "IM1"}, SOP: seriesA1 + ".1"},
			dicomtest.Ref{Path: []string{"DICOM", "IM2"}, SOP: seriesA1 + ".2"}),
	}
	res, err := Scan(context.Background(), mapFS(files), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Directories[0]
	if len(res.Skipped) != 0 || d.Referenced != 2 || len(d.Missing)+len(d.Unreferenced)+len(d.Mismatched) != 0 {
		t.Errorf("%+v %+v", res.Skipped, d)
	}
}

// TestScanDuplicates: of two copies, the one the DICOMDIR references is
// imported, whichever comes first; without DICOMDIR, the first found.
func TestScanDuplicates(t *testing.T) {
	f := imageFile(studyA, seriesA1, seriesA1+".1", 1, "X^Y")
	files := map[string][]byte{"A/IM1": f, "B/IM1": f, "C/IM1": f,
		"DICOMDIR": dicomtest.Directory(dicomtest.Ref{Path: []string{"B", "IM1"}, SOP: seriesA1 + ".1"})}
	res, err := Scan(context.Background(), mapFS(files), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := uidsByPath(res); len(got) != 1 || got["B/IM1"] == "" {
		t.Errorf("imported %v", got)
	}
	if got := skippedBy(res); !maps.Equal(got, map[string]string{"A/IM1": "duplicate:B/IM1", "C/IM1": "duplicate:B/IM1"}) {
		t.Errorf("skipped %v", got)
	}
	delete(files, "DICOMDIR")
	res, _ = Scan(context.Background(), mapFS(files), Limits{})
	if got := uidsByPath(res); len(got) != 1 || got["A/IM1"] == "" {
		t.Errorf("imported %v", got)
	}
}

func TestScanPatientMismatch(t *testing.T) {
	files := map[string][]byte{
		"1": imageFile(studyA, seriesA1, seriesA1+".1", 1, "Mustermann^Erika"),
		"2": imageFile(studyA, seriesA1, seriesA1+".2", 2, "Musterfrau^Anna"),
	}
	res, err := Scan(context.Background(), mapFS(files), Limits{})
	if err != nil || !res.Studies[0].PatientMismatch {
		t.Errorf("%v %+v", err, res)
	}
}

func TestScanLimits(t *testing.T) {
	files := map[string][]byte{}
	for i := range 20 {
		files["F"+strings.Repeat("x", i)] = imageFile(studyA, seriesA1, seriesA1+"."+string(rune('a'+i)), i, "X^Y")
	}
	_, err := Scan(context.Background(), mapFS(files), Limits{MaxFiles: 10})
	wantReason(t, err, akte.KindTooLarge, "dicom_too_many_files")
	_, err = Scan(context.Background(), mapFS(files), Limits{MaxInstances: 19})
	wantReason(t, err, akte.KindTooLarge, "dicom_too_many_instances")
	_, err = Scan(context.Background(), mapFS(files), Limits{MaxScanBytes: 2000}) // 20 data sets of 300 bytes
	wantReason(t, err, akte.KindTooLarge, "dicom_scan_too_large")
	res, err := Scan(context.Background(), mapFS(files), Limits{MaxInstanceSize: 100})
	if err != nil || len(res.Studies) != 0 || len(res.Skipped) != 20 || res.Skipped[0].Reason != SkipTooLarge {
		t.Errorf("%v %+v", err, res)
	}

	deep := map[string][]byte{strings.Repeat("d/", 40) + "IM": files["F"], "IM": files["F"]}
	res, err = Scan(context.Background(), mapFS(deep), Limits{})
	if err != nil || len(uidsByPath(res)) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	if s := res.Skipped; len(s) != 1 || s[0].Reason != SkipTooDeep || strings.Count(s[0].Path, "/") != 32 {
		t.Errorf("skipped %+v", s)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, mapFS(files), Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled scan: %v", err)
	}
	_, err = Scan(context.Background(), os.DirFS(filepath.Join(t.TempDir(), "gone")), Limits{})
	if r, _ := akte.ReasonOf(err); !akte.Is(err, akte.KindNotFound) || r != "dicom_source_unreadable" {
		t.Errorf("missing source: %v", err)
	}
}

// TestOpenSource scans the CD as a folder and as a ZIP (deflated).
func TestOpenSource(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, filepath.Join(dir, "cd"), cdTree())
	zipPath := filepath.Join(dir, "cd.zip")
	must(t, os.WriteFile(zipPath, zipOf(t, cdTree(), zip.Deflate), 0o644))
	for _, p := range []string{filepath.Join(dir, "cd"), zipPath} {
		fsys, c, err := OpenSource(p, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Scan(context.Background(), fsys, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		checkCD(t, res, nil)
		// A study's content is its files' bytes, from the folder and
		// from inside the ZIP.
		for _, st := range res.Studies {
			var want []byte
			for _, se := range st.Series {
				for _, in := range se.Instances {
					want = append(want, cdTree()[in.Path]...)
				}
			}
			if got := readAll(t, st.Content()); !bytes.Equal(got, want) {
				t.Errorf("%s: content of %s differs", p, st.UID)
			}
		}
		must(t, c.Close())
	}
	_, _, err := OpenSource(filepath.Join(dir, "README.TXT"), Limits{})
	if !akte.Is(err, akte.KindNotFound) {
		t.Errorf("missing: %v", err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "not.zip"), []byte("no zip at all"), 0o644))
	_, _, err = OpenSource(filepath.Join(dir, "not.zip"), Limits{})
	wantReason(t, err, akte.KindInvalid, "zip_invalid")
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mapFS(files map[string][]byte) fs.FS {
	m := fstest.MapFS{}
	for p, b := range files {
		m[p] = &fstest.MapFile{Data: b, Mode: 0o644}
	}
	return m
}

func readAll(t testing.TB, r interface {
	Read([]byte) (int, error)
	Close() error
}) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := b.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	must(t, r.Close())
	return b.Bytes()
}

// zipOf packs files (in sorted order) with the method given.
func zipOf(t testing.TB, files map[string][]byte, method uint16) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, p := range slices.Sorted(maps.Keys(files)) {
		f, err := w.CreateHeader(&zip.FileHeader{Name: p, Method: method})
		must(t, err)
		f.Write(files[p])
	}
	must(t, w.Close())
	return b.Bytes()
}
