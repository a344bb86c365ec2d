package dicom

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/dicom/dicomtest"
)

// The DICOM files shipped with github.com/suyashkumar/dicom (its module's
// testdata, see data_details.md there): 1-2 PET with nested sequences and
// an icon image, 3 MR, 4 CR (7.5 MB, implicit VR), 5 CT with two frames,
// 6 deflated. They are read from the module cache, not copied here.
var upstreamDir = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/suyashkumar/dicom").Output()
	if err != nil {
		return "", err
	}
	return filepath.Join(strings.TrimSpace(string(out)), "testdata"), nil
})

func upstream(t testing.TB, name string) string {
	t.Helper()
	dir, err := upstreamDir()
	if err != nil || dir == "testdata" {
		t.Fatalf("locate github.com/suyashkumar/dicom in the module cache: %v", err)
	}
	return filepath.Join(dir, name)
}

func readUpstream(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(upstream(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantReason fails unless err is an *akte.Error of the kind with the
// reason.
func wantReason(t testing.TB, err error, kind akte.Kind, reason string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", reason)
	}
	got, _ := akte.ReasonOf(err)
	if got != reason || akte.KindOf(err) != kind {
		t.Fatalf("error %v (reason %q, kind %v), want reason %q kind %v", err, got, akte.KindOf(err), reason, kind)
	}
}

// Crafted files: a minimal image instance in the given encoding.
const (
	testStudy  = "1.2.826.0.1.3680043.10.543.1"
	testSeries = "1.2.826.0.1.3680043.10.543.1.1"
	testSOP    = "1.2.826.0.1.3680043.10.543.1.1.1"
	mrStorage  = "1.2.840.10008.5.1.4.1.1.4"
)

// dataset returns the elements of a small image, with extra elements
// inserted after the patient module (tags must ascend: extras use group
// 0010-0018 private or sequence tags between).
func dataset(e dicomtest.Enc, sop string, extra ...[]byte) []byte {
	parts := [][]byte{
		e.Str(0x00080016, "UI", mrStorage),
		e.Str(0x00080018, "UI", sop),
		e.Str(0x00080020, "DA", "20240115"),
		e.Str(0x00080060, "CS", "MR"),
		e.Str(0x00081030, "LO", "Knie links"),
		e.Str(0x00100010, "PN", "Mustermann^Erika"),
		e.Str(0x00100030, "DA", "19640812"),
	}
	parts = append(parts, extra...)
	parts = append(parts,
		e.Str(0x0020000D, "UI", testStudy),
		e.Str(0x0020000E, "UI", testSeries),
		e.Str(0x00200013, "IS", "7"),
		e.US(0x00280010, 2),
		e.US(0x00280011, 2),
		e.US(0x00280100, 16),
		e.El(0x7FE00010, "OW", make([]byte, 8)),
	)
	return dicomtest.Join(parts...)
}

// part10 wraps a data set in explicit VR little endian.
func part10(ds []byte) []byte {
	return dicomtest.Part10(dicomtest.ExplicitLE, mrStorage, testSOP, ds)
}

func readBytes(b []byte, lim Limits) (*Instance, error) {
	return ReadInstance(bytes.NewReader(b), int64(len(b)), lim)
}

// imageFile is a small image instance of a study and series.
func imageFile(study, series, sop string, number int, patient string) []byte {
	var e dicomtest.Enc
	ds := dicomtest.Join(
		e.Str(0x00080016, "UI", mrStorage),
		e.Str(0x00080018, "UI", sop),
		e.Str(0x00080020, "DA", "20240115"),
		e.Str(0x00080060, "CS", "MR"),
		e.Str(0x00100010, "PN", patient),
		e.Str(0x00100030, "DA", "19640812"),
		e.Str(0x0020000D, "UI", study),
		e.Str(0x0020000E, "UI", series),
		e.Str(0x00200011, "IS", strconv.Itoa(len(series)%7)),
		e.Str(0x00200013, "IS", strconv.Itoa(number)),
		e.US(0x00280010, 4),
		e.US(0x00280011, 4),
		e.US(0x00280100, 16),
		e.El(0x7FE00010, "OW", bytes.Repeat([]byte{byte(number), 1}, 16)),
	)
	return dicomtest.Part10(dicomtest.ExplicitLE, mrStorage, sop, ds)
}

// writeTree writes files (slash-separated paths) under dir.
func writeTree(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	for p, b := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// skippedBy maps path to reason (and detail, if any).
func skippedBy(res *Result) map[string]string {
	m := map[string]string{}
	for _, s := range res.Skipped {
		r := s.Reason
		if d, ok := s.Params["detail"]; ok {
			r += ":" + d.(string)
		}
		if o, ok := s.Params["of"]; ok {
			r += ":" + o.(string)
		}
		m[s.Path] = r
	}
	return m
}

// uids lists the SOP instance UIDs of a result's studies, by path.
func uidsByPath(res *Result) map[string]string {
	m := map[string]string{}
	for _, st := range res.Studies {
		for _, se := range st.Series {
			for _, in := range se.Instances {
				m[in.Path] = in.UID
			}
		}
	}
	return m
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range []string{cdWorkDir, ctDir} {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}
