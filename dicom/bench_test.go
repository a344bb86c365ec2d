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

// BenchmarkImport compares, in one run: reading the files (the baseline,
// as `akte upload` reads a file), the scan alone, scan + manifest +
// content stream, and the same sealed (what the upload encrypts). It
// reports the importer's peak RSS, measured in a child process that does
// the sealed import once.
func BenchmarkImport(b *testing.B) {
	dir := syntheticCT(b)
	files, _ := filepath.Glob(filepath.Join(dir, "*.dcm"))
	var total int64
	for _, p := range files {
		st, _ := os.Stat(p)
		total += st.Size()
	}
	b.Run("read files", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			for _, p := range files {
				f, err := os.Open(p)
				if err != nil {
					b.Fatal(err)
				}
				copy32(io.Discard, f)
				f.Close()
			}
		}
	})
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			if _, err := Scan(context.Background(), os.DirFS(dir), Limits{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(len(files)), "µs/file")
	})
	b.Run("scan and content", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			if n, err := importStudy(dir, io.Discard); err != nil || n != total {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("scan and sealed content", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			w, _ := seal.NewWriter(io.Discard, seal.NewKey())
			if n, err := importStudy(dir, w); err != nil || n != total {
				b.Fatal(n, err)
			}
			w.Close()
		}
		peak, scan, err := childImport(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(peak, "peak-RSS-MiB")
		b.ReportMetric(scan.Seconds()*1000, "scan-ms")
	})
}

// childImport runs the sealed import in a fresh process (this test binary,
// TestImportChild) and returns its peak RSS (VmHWM) and scan time.
func childImport(dir string) (float64, time.Duration, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestImportChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "AKTE_DICOM_CHILD="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("%v: %s", err, out)
	}
	var kib, ns int64
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "peak-kib "); ok {
			kib, _ = strconv.ParseInt(v, 10, 64)
		}
		if v, ok := strings.CutPrefix(line, "scan-ns "); ok {
			ns, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if kib == 0 {
		return 0, 0, fmt.Errorf("no figure from the child: %s", out)
	}
	return float64(kib) / 1024, time.Duration(ns), nil
}

// TestImportChild is the child of BenchmarkImport.
func TestImportChild(t *testing.T) {
	dir := os.Getenv("AKTE_DICOM_CHILD")
	if dir == "" {
		t.Skip("run by BenchmarkImport")
	}
	start := time.Now()
	if _, err := Scan(context.Background(), os.DirFS(dir), Limits{}); err != nil {
		t.Fatal(err)
	}
	scan := time.Since(start)
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
	fmt.Printf("scan-ns %d\n", scan.Nanoseconds())
}
