package dicom

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte/dicom/dicomtest"
	"github.com/akte/akte/seal"
)

// The import benchmark: a synthetic CT of 500 slices of 512 × 512 × 16
// bits (262 MB, the size of a CT on a patient's CD), generated once into a
// temporary folder. AKTE_DICOM_BENCH_SLICES changes the number of slices.

var (
	ctOnce sync.Once
	ctDir  string
	ctErr  error
)

func syntheticCT(b *testing.B) string {
	ctOnce.Do(func() {
		slices := 500
		if s, err := strconv.Atoi(os.Getenv("AKTE_DICOM_BENCH_SLICES")); err == nil && s > 0 {
			slices = s
		}
		ctDir, ctErr = os.MkdirTemp("", "akte-dicom-ct-")
		if ctErr == nil {
			_, ctErr = dicomtest.WriteCT(ctDir, dicomtest.CT{Slices: slices})
		}
	})
	if ctErr != nil {
		b.Fatal(ctErr)
	}
	return ctDir
}

// importStudy does what the importer does before the network: scan,
// manifest, and the content stream, into w.
func importStudy(dir string, w io.Writer) (int64, error) {
	res, err := Scan(context.Background(), os.DirFS(dir), Limits{})
	if err != nil {
		return 0, err
	}
	if len(res.Studies) != 1 {
		return 0, fmt.Errorf("%d studies", len(res.Studies))
	}
	st := res.Studies[0]
	m, err := NewManifest(st)
	if err != nil {
		return 0, err
	}
	if _, err := m.Marshal(); err != nil {
		return 0, err
	}
	r := st.Content()
	defer r.Close()
	return copy32(w, r)
}

// copy32 copies as client.API.Upload's io.Copy into the sealing writer
// does, and as `akte upload` reads a file: through a 32 KiB buffer.
func copy32(w io.Writer, r io.Reader) (int64, error) {
	return io.CopyBuffer(struct{ io.Writer }{w}, struct{ io.Reader }{r}, make([]byte, 32<<10))
}

// BenchmarkImport measures, in the same iterations so that a busy
// machine weighs on all alike: reading the files (the baseline, as `akte
// upload` reads a file), the scan alone, scan + manifest + content stream,
// and the same sealed (what an upload encrypts). It reports each as MB/s
// of the study's bytes, the import's share of the baseline, and the
// importer's peak RSS, measured in a child process that does the sealed
// import once.
func BenchmarkImport(b *testing.B) {
	dir := syntheticCT(b)
	files, _ := filepath.Glob(filepath.Join(dir, "*.dcm"))
	var total int64
	for _, p := range files {
		st, _ := os.Stat(p)
		total += st.Size()
	}
	var read, scan, imp, sealed time.Duration
	timed := func(d *time.Duration, f func() error) {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		*d += time.Since(start)
	}
	for b.Loop() {
		timed(&read, func() error {
			for _, p := range files {
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				_, err = copy32(io.Discard, f)
				f.Close()
				if err != nil {
					return err
				}
			}
			return nil
		})
		timed(&scan, func() error {
			_, err := Scan(context.Background(), os.DirFS(dir), Limits{})
			return err
		})
		timed(&imp, func() error {
			n, err := importStudy(dir, io.Discard)
			if err == nil && n != total {
				err = fmt.Errorf("imported %d of %d bytes", n, total)
			}
			return err
		})
		timed(&sealed, func() error {
			w, _ := seal.NewWriter(io.Discard, seal.NewKey())
			if _, err := importStudy(dir, w); err != nil {
				return err
			}
			return w.Close()
		})
	}
	mbs := func(d time.Duration) float64 { return float64(total) * float64(b.N) / d.Seconds() / 1e6 }
	b.ReportMetric(mbs(read), "read-MB/s")
	b.ReportMetric(mbs(imp), "import-MB/s")
	b.ReportMetric(mbs(imp)/mbs(read), "import/read")
	b.ReportMetric(mbs(sealed), "sealed-MB/s")
	b.ReportMetric(scan.Seconds()*1e3/float64(b.N), "scan-ms")
	b.ReportMetric(0, "ns/op")
	peak, err := childImport(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(peak, "peak-RSS-MiB")
}

// childImport runs the sealed import in a fresh process (this test binary,
// TestImportChild) and returns its peak RSS (VmHWM).
func childImport(dir string) (float64, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestImportChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "AKTE_DICOM_CHILD="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "peak-kib "); ok {
			kib, err := strconv.ParseInt(v, 10, 64)
			return float64(kib) / 1024, err
		}
	}
	return 0, fmt.Errorf("no figure from the child: %s", out)
}

// TestImportChild is the child of BenchmarkImport.
func TestImportChild(t *testing.T) {
	dir := os.Getenv("AKTE_DICOM_CHILD")
	if dir == "" {
		t.Skip("run by BenchmarkImport")
	}
	w, _ := seal.NewWriter(io.Discard, seal.NewKey())
	if _, err := importStudy(dir, w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			fmt.Printf("peak-kib %s\n", strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
}
