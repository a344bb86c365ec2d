package dicom

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/akte/akte"
	"github.com/akte/akte/dicom/dicomtest"
)

// Every reader of bytes from outside has a fuzz target (make fuzz runs
// them). Besides not panicking or hanging, a reader fails only with an
// *akte.Error that has a reason, of KindInvalid or KindTooLarge, and what
// it accepts is well-formed.

// fuzzLimits keep each run small.
var fuzzLimits = Limits{MaxHeaderSize: 1 << 20, MaxElements: 20_000, MaxDirectorySize: 1 << 20, MaxInstanceSize: 16 << 20}

func checkFuzzErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	reason, _ := akte.ReasonOf(err)
	if k := akte.KindOf(err); reason == "" || (k != akte.KindInvalid && k != akte.KindTooLarge) {
		t.Fatalf("error %v (kind %v, reason %q)", err, k, reason)
	}
	// The value decoder must never see what makes it panic: the walker
	// hands it only flat, bounded, consistently framed elements.
	if reason == "dicom_parse" && strings.Contains(err.Error(), "value decoder failed") {
		t.Fatalf("suyashkumar/dicom panicked on walked input: %v", err)
	}
}

// fileSeeds are the test files (whole, or the first 16 KiB of large
// ones), crafted files in every encoding and structure the walker knows,
// and, when dcmtk is installed, the files of the test CD and its DICOMDIR.
func fileSeeds(f *testing.F) {
	add := func(b []byte) {
		if len(b) > 64<<10 {
			b = b[:16<<10]
		}
		f.Add(b)
	}
	for _, n := range []string{"1.dcm", "2.dcm", "3.dcm", "4.dcm", "5.dcm", "6.dcm"} {
		add(readUpstream(f, n))
	}
	le, imp, be := dicomtest.Enc{}, dicomtest.Enc{Implicit: true}, dicomtest.Enc{BigEndian: true}
	nested := le.Seq(0x00400275, false, le.Item(true, le.Seq(0x00400275, true, le.Item(false, le.Str(0x00080100, "SH", "x")))))
	for _, b := range [][]byte{
		part10(dataset(le, testSOP)),
		part10(dataset(le, testSOP, nested)),
		part10(dataset(le, testSOP, le.Seq(0x00880200, false, le.Item(false, le.US(0x00280010, 1), le.Encapsulated([]byte{1, 2}))))),
		dicomtest.Part10(dicomtest.ImplicitLE, mrStorage, testSOP, dataset(imp, testSOP)),
		dicomtest.Part10(dicomtest.ExplicitBE, mrStorage, testSOP, dataset(be, testSOP)),
		dicomtest.Part10(dicomtest.DeflatedLE, mrStorage, testSOP, deflate(f, dataset(le, testSOP))),
		dataset(imp, testSOP),
		dataset(le, testSOP),
		dicomtest.Directory(dicomtest.Ref{Path: []string{"DICOM", "IM1"}, SOP: testSOP}, dicomtest.Ref{Path: []string{"A"}, SOP: "1.2"}),
	} {
		add(b)
	}
	if !toolsPresent() {
		return
	}
	// The CD the tests built, or (when fuzzing, in each worker) one built
	// for the seeds and removed at once, so that killed workers leave
	// nothing behind.
	cd := cdBuilt
	if cd == nil {
		dir, err := os.MkdirTemp("", "akte-dicom-seeds-")
		if err != nil {
			f.Fatal(err)
		}
		defer os.RemoveAll(dir)
		if cd, err = buildCD(dir); err != nil {
			f.Fatal(err)
		}
	}
	paths := []string{"DICOMDIR"}
	for p := range cd.instances {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(cd.cd, filepath.FromSlash(p)))
		if err != nil {
			f.Fatal(err)
		}
		add(b)
	}
}

func toolsPresent() bool {
	for _, tool := range cdTools {
		if _, err := exec.LookPath(tool); err != nil {
			return false
		}
	}
	return true
}

// FuzzReadInstance is the instance path: recognition, meta information,
// the walk, the value decoder.
func FuzzReadInstance(f *testing.F) {
	fileSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, size := range []int64{int64(len(b)), -1} {
			in, err := ReadInstance(bytes.NewReader(b), size, fuzzLimits)
			checkFuzzErr(t, err)
			if err == nil {
				if !validUID(in.UID) || !validUID(in.Study.UID) || !validUID(in.Series.UID) || in.Size != size {
					t.Fatalf("accepted %+v", in)
				}
				if e := in.Image.validate(); e != "" {
					t.Fatalf("image field %s out of range: %+v", e, in.Image)
				}
			}
		}
	})
}

// FuzzScan is the scan path for one file that is also a DICOMDIR: the
// directory reader, classification, grouping and the DICOMDIR check.
// A scan fails only for its limits; every file is imported, skipped or
// read as a DICOMDIR.
func FuzzScan(f *testing.F) {
	fileSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		fsys := fstest.MapFS{"DICOMDIR": {Data: b}, "DICOM/IM1": {Data: b}}
		res, err := Scan(context.Background(), fsys, fuzzLimits)
		if err != nil {
			t.Fatal(err)
		}
		n := len(res.Skipped) + len(res.Directories)
		for _, st := range res.Studies {
			if _, err := NewManifest(st); err != nil {
				t.Fatalf("manifest of a scanned study: %v", err)
			}
			n += st.Instances
		}
		if n != 2 {
			t.Fatalf("2 files, %d accounted for: %+v", n, res)
		}
		for _, d := range res.Directories {
			for _, p := range append(d.Missing, d.Unreferenced...) {
				if strings.HasPrefix(p, "/") || strings.HasPrefix(p, "../") || p == ".." {
					t.Fatalf("DICOMDIR reference outside: %q", p)
				}
			}
		}
	})
}

// FuzzParseManifest: what it accepts marshals back to the same manifest,
// and its file names stay inside the target folder.
func FuzzParseManifest(f *testing.F) {
	for _, m := range cdManifests(f) {
		b, _ := m.Marshal()
		f.Add(b)
	}
	res, _ := Scan(context.Background(), mapFS(map[string][]byte{
		"1": readUpstream(f, "1.dcm"), "3": readUpstream(f, "3.dcm"), "6": readUpstream(f, "6.dcm")}), Limits{})
	for _, st := range res.Studies {
		m, _ := NewManifest(st)
		b, _ := m.Marshal()
		f.Add(b)
	}
	f.Add([]byte(`{"format":"akte-dicom-study","version":1,"size":3,"study":{"uid":"1.2","patient":{}},"series":[{"uid":"../..","instances":[{"uid":"CON","offset":0,"length":3}]}]}`))
	f.Add([]byte(`{"format":"akte-dicom-study","version":2}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		checkFuzzErr(t, err)
		if err != nil {
			return
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatalf("accepted manifest does not marshal: %v", err)
		}
		again, err := ParseManifest(out)
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("round trip: %v", err)
		}
		seen := map[string]bool{}
		for _, fl := range m.Files() {
			parts := strings.Split(fl.Path, "/")
			if len(parts) != 2 || parts[0] == "" || parts[1] == "" || strings.HasPrefix(parts[0], ".") || strings.HasPrefix(parts[1], ".") ||
				seen[strings.ToLower(fl.Path)] {
				t.Fatalf("file name %q", fl.Path)
			}
			seen[strings.ToLower(fl.Path)] = true
		}
	})
}

// FuzzOpenStudyItem is the path of a study item's content read back from
// the server: head, manifest, sizes. It never panics, and what it accepts
// covers the stream exactly.
func FuzzOpenStudyItem(f *testing.F) {
	for _, m := range cdManifests(f) {
		b, _ := m.Marshal()
		head := append([]byte("AKTEDS01"), byte(len(b)>>24), byte(len(b)>>16), byte(len(b)>>8), byte(len(b)))
		f.Add(append(append(head, b...), make([]byte, m.Size)...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, inst, err := OpenStudyItem(bytes.NewReader(b), int64(len(b)))
		checkFuzzErr(t, err)
		if err == nil && (inst.Size() != m.Size || m.Size > int64(len(b))) {
			t.Fatalf("accepted a manifest of %d bytes of instances in %d bytes", m.Size, len(b))
		}
	})
}
