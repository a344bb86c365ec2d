package dicom

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The CD tests build patient CDs from real files: the test files of
// suyashkumar/dicom, and one of them converted by Debian's dcmtk and
// libgdcm-tools into every transfer syntax the viewer renders. `make test`
// sets AKTE_DICOM_TESTS=1, and then a missing tool fails the test; a plain
// `go test` without the tools skips it (scripts/test-deps.sh installs them).

var cdTools = []string{"dcmodify", "dcmconv", "dcmcjpeg", "dcmcjpls", "dcmcrle", "dcmmkdir", "dcmdump", "gdcmconv"}

func needTools(t testing.TB) {
	t.Helper()
	for _, tool := range cdTools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("AKTE_DICOM_TESTS") != "" {
				t.Fatalf("the DICOM tests need %s (dcmtk, libgdcm-tools: scripts/test-deps.sh)", tool)
			}
			t.Skipf("DICOM CD tests skipped: %s missing (make test runs them)", tool)
		}
	}
}

// variants are the conversions of one MR image: name, transfer syntax,
// command. Each gets its own series in the patient's study.
var variants = []struct {
	name, ts string
	cmd      []string
}{
	{"explicit", "1.2.840.10008.1.2.1", []string{"dcmconv", "+te"}},
	{"implicit", "1.2.840.10008.1.2", []string{"dcmconv", "+ti"}},
	{"big endian", "1.2.840.10008.1.2.2", []string{"dcmconv", "+tb"}},
	{"deflated", "1.2.840.10008.1.2.1.99", []string{"dcmconv", "+td"}},
	{"JPEG baseline", "1.2.840.10008.1.2.4.50", []string{"dcmcjpeg", "+eb", "+un"}},
	{"JPEG lossless", "1.2.840.10008.1.2.4.70", []string{"dcmcjpeg", "+e1"}},
	{"JPEG-LS", "1.2.840.10008.1.2.4.80", []string{"dcmcjpls"}},
	{"RLE", "1.2.840.10008.1.2.5", []string{"dcmcrle"}},
	{"JPEG 2000", "1.2.840.10008.1.2.4.90", []string{"gdcmconv", "--j2k"}},
}

const (
	cdPatient   = "Mustermann^Erika"
	cdBirthDate = "19640812"
	cdStudy     = "1.2.826.0.1.3680043.10.543.7"
)

// cdFixture is a CD in three layouts and what each file on it is,
// according to dcmdump.
type cdFixture struct {
	cd, flat, zip string
	// instances by path on the CD (and the same in the ZIP), with their
	// path in the flat folder.
	instances map[string]cdInstance
	extras    map[string]string // path on the CD: skip reason
}

type cdInstance struct {
	sop, ts, study, flat string
}

var (
	cdOnce    sync.Once
	cdBuilt   *cdFixture
	cdErr     error
	cdWorkDir string
)

func testCD(t testing.TB) *cdFixture {
	t.Helper()
	needTools(t)
	cdOnce.Do(func() {
		cdWorkDir, cdErr = os.MkdirTemp("", "akte-dicom-cd-")
		if cdErr == nil {
			cdBuilt, cdErr = buildCD(cdWorkDir)
		}
	})
	if cdErr != nil {
		t.Fatal(cdErr)
	}
	return cdBuilt
}

func run(name string, args ...string) ([]byte, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out, nil
}

func copyFile(dst, src string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func buildCD(work string) (*cdFixture, error) {
	up, err := upstreamDir()
	if err != nil {
		return nil, err
	}
	f := &cdFixture{cd: filepath.Join(work, "cd"), flat: filepath.Join(work, "flat"), zip: filepath.Join(work, "cd.zip"),
		instances: map[string]cdInstance{}}
	src := filepath.Join(work, "src")
	var onCD []string // paths relative to the CD
	// The patient's study: the MR image in every transfer syntax, a series
	// each; the uncompressed series has three instances.
	base := filepath.Join(src, "base.dcm")
	if err := copyFile(base, filepath.Join(up, "3.dcm")); err != nil {
		return nil, err
	}
	if _, err := run("dcmodify", "-nb", "-m", "(0010,0010)="+cdPatient, "-m", "(0010,0030)="+cdBirthDate,
		"-m", "(0020,000d)="+cdStudy, "-i", "(0020,0010)=1", base); err != nil {
		return nil, err
	}
	for i, v := range variants {
		n := 1
		if v.name == "explicit" {
			n = 3
		}
		for j := range n {
			series := fmt.Sprintf("%s.%d", cdStudy, i+1)
			in := filepath.Join(src, fmt.Sprintf("v%d-%d.dcm", i, j))
			if err := copyFile(in, base); err != nil {
				return nil, err
			}
			if _, err := run("dcmodify", "-nb", "-m", "(0020,000e)="+series, "-m", fmt.Sprintf("(0008,0018)=%s.%d", series, j+1),
				"-m", "(0008,103e)="+v.name, "-m", fmt.Sprintf("(0020,0011)=%d", i+1), "-m", fmt.Sprintf("(0020,0013)=%d", n-j), in); err != nil {
				return nil, err
			}
			rel := fmt.Sprintf("DICOM/ST000001/SE%06d/IM%06d", i+1, j+1)
			if err := os.MkdirAll(filepath.Join(f.cd, "DICOM/ST000001", fmt.Sprintf("SE%06d", i+1)), 0o755); err != nil {
				return nil, err
			}
			if _, err := run(v.cmd[0], append(v.cmd[1:], in, filepath.Join(f.cd, filepath.FromSlash(rel)))...); err != nil {
				return nil, err
			}
			onCD = append(onCD, rel)
		}
	}
	// The test files as they are: other patients' studies.
	for i := 1; i <= 6; i++ {
		rel := fmt.Sprintf("DICOM/ST%06d/SE000001/IM000001", i+1)
		if err := copyFile(filepath.Join(f.cd, filepath.FromSlash(rel)), filepath.Join(up, strconv.Itoa(i)+".dcm")); err != nil {
			return nil, err
		}
		onCD = append(onCD, rel)
	}
	if _, err := run("dcmmkdir", "-q", "-Nxc", "+I", "+r", "+id", f.cd, "+D", filepath.Join(f.cd, "DICOMDIR"), "DICOM"); err != nil {
		return nil, err
	}
	// What else is on a CD.
	extras := map[string][]byte{
		"VIEWER/VIEWER.EXE":  append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), bytes.Repeat([]byte{0xcc}, 4096)...),
		"VIEWER/DCMVIEW.DLL": append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0}, 1024)...),
		"LOGO.BMP":           append([]byte("BM\x36\x10\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"), bytes.Repeat([]byte{0x80}, 4096)...),
		"AUTORUN.INF":        []byte("[autorun]\r\nopen=VIEWER\\VIEWER.EXE\r\nicon=VIEWER\\VIEWER.EXE,0\r\n"),
		"README.TXT":         []byte("Patienten-CD. Zum Ansehen VIEWER.EXE starten.\r\n"),
		"INDEX.HTM":          []byte("<html><body>Patienten-CD</body></html>\r\n"),
	}
	f.extras = map[string]string{"VIEWER/VIEWER.EXE": SkipProgram, "VIEWER/DCMVIEW.DLL": SkipProgram, "LOGO.BMP": SkipPicture,
		"AUTORUN.INF": SkipAutorun, "README.TXT": SkipDocument, "INDEX.HTM": SkipDocument}
	for p, b := range extras {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(f.cd, p)), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(f.cd, filepath.FromSlash(p)), b, 0o644); err != nil {
			return nil, err
		}
	}
	// What each file is, according to dcmtk; and the flat folder.
	uid := regexp.MustCompile(`\[([^\]]*)\]`)
	for i, rel := range onCD {
		p := filepath.Join(f.cd, filepath.FromSlash(rel))
		out, err := run("dcmdump", "-q", "-Un", "+P", "0002,0010", "+P", "0008,0018", "+P", "0020,000d", p)
		if err != nil {
			return nil, err
		}
		m := uid.FindAllStringSubmatch(string(out), -1)
		if len(m) < 3 {
			return nil, fmt.Errorf("dcmdump %s: %s", rel, out)
		}
		flat := fmt.Sprintf("%03d.dcm", i+1)
		f.instances[rel] = cdInstance{ts: m[0][1], sop: m[1][1], study: m[2][1], flat: flat}
		if err := copyFile(filepath.Join(f.flat, flat), p); err != nil {
			return nil, err
		}
	}
	for _, p := range []string{"LOGO.BMP", "VIEWER/VIEWER.EXE"} {
		if err := copyFile(filepath.Join(f.flat, filepath.Base(p)), filepath.Join(f.cd, p)); err != nil {
			return nil, err
		}
	}
	return f, zipDir(f.zip, f.cd)
}

func zipDir(dst, dir string) error {
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer out.Close()
	w := zip.NewWriter(out)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		zw, err := w.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = zw.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	return w.Close()
}

// TestCD scans the CD as a disc (with DICOMDIR, a viewer and a logo), as a
// flat folder and as a ZIP: every instance is found once with its transfer
// syntax, the extras are listed as skipped, and each study goes through
// manifest, content stream, sealing and back to files byte for byte.
func TestCD(t *testing.T) {
	f := testCD(t)
	for _, layout := range []string{"cd", "flat", "zip"} {
		t.Run(layout, func(t *testing.T) {
			var fsys fs.FS
			want := map[string]cdInstance{} // by path in this layout
			skipped := map[string]string{}
			original := map[string]string{} // path in this layout: file with the original bytes
			switch layout {
			case "cd", "zip":
				maps.Copy(want, f.instances)
				maps.Copy(skipped, f.extras)
				for p := range want {
					original[p] = filepath.Join(f.cd, filepath.FromSlash(p))
				}
				fsys = os.DirFS(f.cd)
				if layout == "zip" {
					src, c, err := OpenSource(f.zip, Limits{})
					if err != nil {
						t.Fatal(err)
					}
					defer c.Close()
					fsys = src
				}
			case "flat":
				for _, in := range f.instances {
					want[in.flat] = in
					original[in.flat] = filepath.Join(f.flat, in.flat)
				}
				skipped = map[string]string{"LOGO.BMP": SkipPicture, "VIEWER.EXE": SkipProgram}
				fsys = os.DirFS(f.flat)
			}
			res, err := Scan(context.Background(), fsys, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*Instance{}
			for _, st := range res.Studies {
				for _, se := range st.Series {
					for _, in := range se.Instances {
						if got[in.Path] != nil {
							t.Errorf("%s found twice", in.Path)
						}
						got[in.Path] = in
					}
				}
			}
			if len(got) != len(want) {
				t.Errorf("found %d instances, want %d", len(got), len(want))
			}
			for p, w := range want {
				in := got[p]
				if in == nil {
					t.Errorf("%s not found", p)
					continue
				}
				if in.UID != w.sop || in.TransferSyntax != w.ts || in.Study.UID != w.study {
					t.Errorf("%s: %s %s %s, dcmdump says %s %s %s", p, in.UID, in.TransferSyntax, in.Study.UID, w.sop, w.ts, w.study)
				}
			}
			if g := skippedBy(res); !maps.Equal(g, skipped) {
				t.Errorf("skipped %v\nwant %v", g, skipped)
			}
			if layout == "flat" && len(res.Directories) != 0 {
				t.Errorf("directories %+v", res.Directories)
			}
			if layout != "flat" {
				if len(res.Directories) != 1 {
					t.Fatalf("directories %+v", res.Directories)
				}
				d := res.Directories[0]
				if d.Path != "DICOMDIR" || d.Referenced != len(want) || len(d.Missing)+len(d.Unreferenced)+len(d.Mismatched) != 0 {
					t.Errorf("DICOMDIR check %+v", d)
				}
			}
			checkPatientStudy(t, res)
			for _, st := range res.Studies {
				roundTrip(t, st, func(p string) []byte {
					b, err := os.ReadFile(original[p])
					if err != nil {
						t.Fatal(err)
					}
					return b
				})
			}
		})
	}
}

// checkPatientStudy: the converted study has one series per transfer
// syntax, in order, and is the record holder's; the others are not.
func checkPatientStudy(t *testing.T, res *Result) {
	t.Helper()
	var mine *Study
	for _, st := range res.Studies {
		check := ComparePatient(st.Patient, "Erika Mustermann", "1964-08-12")
		if st.UID == cdStudy {
			mine = st
			if check != (PatientCheck{MatchYes, MatchYes}) {
				t.Errorf("own study: %v", check)
			}
		} else if !check.Mismatch() && st.Patient.Name != "" && st.Patient.Name != "^^^^" {
			t.Errorf("study of %q: %v", st.Patient.Name, check)
		}
	}
	if mine == nil || len(mine.Series) != len(variants) || mine.Instances != len(variants)+2 {
		t.Fatalf("patient study %+v", mine)
	}
	for i, se := range mine.Series {
		if se.Description != variants[i].name || se.Instances[0].TransferSyntax != variants[i].ts {
			t.Errorf("series %d: %s %s", i, se.Description, se.Instances[0].TransferSyntax)
		}
		for j, in := range se.Instances {
			if in.Number != j+1 || in.Rows != 176 || in.Columns != 176 || in.Photometric != "MONOCHROME2" {
				t.Errorf("%s: number %d, %dx%d %s", in.Path, in.Number, in.Rows, in.Columns, in.Photometric)
			}
		}
	}
}

// TestCDDamaged: a CD whose DICOMDIR misses a file that is there and
// references one that is gone.
func TestCDDamaged(t *testing.T) {
	f := testCD(t)
	dir := t.TempDir()
	must(t, os.CopyFS(dir, os.DirFS(f.cd)))
	gone := "DICOM/ST000001/SE000002/IM000001"
	must(t, os.Remove(filepath.Join(dir, filepath.FromSlash(gone))))
	extra := "DICOM/ST000009/SE000001/IM000001"
	writeTree(t, dir, map[string][]byte{extra: imageFile(studyA, seriesA1, seriesA1+".1", 1, "X^Y")})
	res, err := Scan(context.Background(), os.DirFS(dir), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Directories[0]
	if !slices.Equal(d.Missing, []string{gone}) || !slices.Equal(d.Unreferenced, []string{extra}) || len(d.Mismatched) != 0 {
		t.Errorf("check %+v", d)
	}
	if n := len(uidsByPath(res)); n != len(f.instances) { // one gone, one more
		t.Errorf("%d instances", n)
	}
}
