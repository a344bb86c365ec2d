package dicom

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/dicom/dicomtest"
)

// countingFS counts the files open at a time.
type countingFS struct {
	fs.FS
	opens, open, maxOpen int
}

type countedFile struct {
	fs.File
	c *countingFS
}

func (c *countingFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err == nil && name != "." {
		if st, _ := f.Stat(); st != nil && !st.IsDir() {
			c.opens++
			c.open++
			c.maxOpen = max(c.maxOpen, c.open)
			return &countedFile{f, c}, nil
		}
	}
	return f, err
}

func (f *countedFile) Close() error {
	f.c.open--
	return f.File.Close()
}

// TestContent: the stream is the files' bytes in manifest order, opened
// lazily, one at a time, and can be started again.
func TestContent(t *testing.T) {
	files := map[string][]byte{}
	for i := range 12 {
		files["IM"+strconv.Itoa(i)] = imageFile(studyA, seriesA1, seriesA1+"."+strconv.Itoa(i), 12-i, "X^Y")
	}
	cfs := &countingFS{FS: mapFS(files)}
	res, err := Scan(context.Background(), cfs, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Studies[0]
	m, err := NewManifest(st)
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for _, f := range m.Files() {
		want = append(want, files["IM"+f.UID[len(seriesA1)+1:]]...)
	}
	cfs.opens, cfs.maxOpen = 0, 0
	r := st.Content()
	if cfs.opens != 0 {
		t.Errorf("opened %d files before reading", cfs.opens)
	}
	got := readAll(t, r)
	if !bytes.Equal(got, want) || int64(len(got)) != m.Size {
		t.Errorf("content: %d bytes, want %d", len(got), len(want))
	}
	if cfs.opens != 12 || cfs.maxOpen != 1 || cfs.open != 0 {
		t.Errorf("opens %d, at most %d open, %d left open", cfs.opens, cfs.maxOpen, cfs.open)
	}
	// Again, in small reads; then closed half way.
	r = st.Content()
	var b bytes.Buffer
	if _, err := io.CopyBuffer(&b, struct{ io.Reader }{r}, make([]byte, 7)); err != nil || !bytes.Equal(b.Bytes(), want) {
		t.Errorf("small reads: %v", err)
	}
	r = st.Content()
	io.CopyN(io.Discard, r, int64(len(want)/2))
	must(t, r.Close())
	if cfs.open != 0 {
		t.Errorf("%d files left open", cfs.open)
	}
	if _, err := r.Read(make([]byte, 10)); err == nil {
		t.Error("read after close")
	}
}

// TestContentChanged: a file that changed size since the scan fails the
// stream.
func TestContentChanged(t *testing.T) {
	for _, change := range []string{"grown", "shrunk", "removed"} {
		t.Run(change, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, map[string][]byte{
				"A": imageFile(studyA, seriesA1, seriesA1+".1", 1, "X^Y"),
				"B": imageFile(studyA, seriesA1, seriesA1+".2", 2, "X^Y"),
			})
			res, err := Scan(context.Background(), os.DirFS(dir), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, "B")
			b, _ := os.ReadFile(p)
			switch change {
			case "grown":
				b = append(b, 0, 0)
			case "shrunk":
				b = b[:len(b)-2]
			}
			if change == "removed" {
				must(t, os.Remove(p))
			} else {
				must(t, os.WriteFile(p, b, 0o644))
			}
			_, err = io.ReadAll(res.Studies[0].Content())
			if change == "removed" {
				if !os.IsNotExist(err) {
					t.Errorf("error %v", err)
				}
				return
			}
			wantReason(t, err, akte.KindConflict, "dicom_file_changed")
		})
	}
}

// TestContentMemory: streaming a study allocates nothing in proportion to
// its size.
func TestContentMemory(t *testing.T) {
	dir := t.TempDir()
	pixel := bytes.Repeat([]byte{7}, 2<<20)
	for i := range 16 {
		b := imageFile(studyA, seriesA1, seriesA1+"."+strconv.Itoa(i), i, "X^Y")
		writeTree(t, dir, map[string][]byte{"IM" + strconv.Itoa(i): append(b, pixel...)})
	}
	res, err := Scan(context.Background(), os.DirFS(dir), Limits{})
	if err != nil || len(res.Studies) != 1 {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n, err := io.Copy(io.Discard, res.Studies[0].Content())
	runtime.ReadMemStats(&after)
	if err != nil || n != res.Studies[0].Size || n < 32<<20 {
		t.Fatalf("copied %d: %v", n, err)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 256<<10 {
		t.Errorf("allocated %d KiB for %d MiB", a>>10, n>>20)
	}
}

// TestSyntheticCT: the benchmark's generator writes a study this package
// reads as such, and that dcmtk reads without complaint when installed.
func TestSyntheticCT(t *testing.T) {
	dir := t.TempDir()
	paths, err := dicomtest.WriteCT(dir, dicomtest.CT{Slices: 3, Size: 64})
	if err != nil || len(paths) != 3 {
		t.Fatal(paths, err)
	}
	res, err := Scan(context.Background(), os.DirFS(dir), Limits{})
	if err != nil || len(res.Studies) != 1 || len(res.Skipped) != 0 {
		t.Fatalf("%v %+v", err, res)
	}
	st := res.Studies[0]
	if st.Patient.Name != "Müller^Jürgen" || st.Instances != 3 || len(st.Series) != 1 || st.Description != "CT Thorax" {
		t.Errorf("study %+v", st)
	}
	for i, in := range st.Series[0].Instances {
		if in.Number != i+1 || in.Rows != 64 || in.BitsStored != 12 || in.RescaleIntercept != -1024 ||
			in.SliceLocation == nil || *in.SliceLocation != -1.25*float64(i) || len(in.WindowCenter) != 2 || in.Size != 2*64*64+int64(len(head(t, paths[i]))) {
			t.Errorf("instance %d: %+v", i, in)
		}
	}
	if _, err := exec.LookPath("dcmdump"); err == nil {
		for _, p := range paths {
			var stderr bytes.Buffer
			cmd := exec.Command("dcmdump", "-q", p)
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil || stderr.Len() > 0 {
				t.Errorf("dcmdump %s: %v %s", p, err, stderr.Bytes())
			}
		}
	}
}

// head returns a file's bytes before its pixel data.
func head(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b[:bytes.Index(b, []byte{0xe0, 0x7f, 0x10, 0x00, 'O', 'W'})+12]
}
