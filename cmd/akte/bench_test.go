package main

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/akte/akte/dicom/dicomtest"
)

// TestBenchmarkThroughput measures, in one run on one machine, the
// end-to-end upload and download of a 1 GiB file over loopback next to
// its two baselines: raw AES-256-GCM and raw sequential write with fsync
// on the file system of the server's data directory. It prints the
// figures for docs/benchmarks.md. Run with AKTE_BENCH=1.
func TestBenchmarkThroughput(t *testing.T) {
	if os.Getenv("AKTE_BENCH") == "" {
		t.Skip("set AKTE_BENCH=1 to run the 1 GiB benchmark")
	}
	const size = 1 << 30
	mbps := func(d time.Duration) float64 { return float64(size) / d.Seconds() / 1e6 }

	// Raw AES-256-GCM over 1 MiB segments, as the stream format seals them.
	block, _ := aes.NewCipher(make([]byte, 32))
	gcm, _ := cipher.NewGCM(block)
	seg := make([]byte, 1<<20, 1<<20+16)
	nonce := make([]byte, 12)
	start := time.Now()
	for i := 0; i < size>>20; i++ {
		nonce[0] = byte(i)
		gcm.Seal(seg[:0], nonce, seg, nil)
	}
	aesTime := time.Since(start)

	srv := startServer(t, "", []string{"--quota", "2GiB"})
	// Raw sequential write of 1 GiB in 1 MiB writes, then fsync, on the
	// data directory's file system.
	raw := filepath.Join(srv.Data, "raw.bin")
	f, err := os.Create(raw)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	start = time.Now()
	for i := 0; i < size>>20; i++ {
		if _, err := f.Write(buf); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	fsyncTime := time.Since(start)
	os.Remove(raw)

	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	dir := t.TempDir()
	p := filepath.Join(dir, "gib.bin")
	sum := writeRandom(t, p, size, 1)
	upRSS, upTime := alice.runMeasured("upload", p, "--category", "images", "--json")
	os.Remove(p)
	items := alice.ls()
	out := filepath.Join(dir, "back.bin")
	downRSS, downTime := alice.runMeasured("get", items[0].ID, "-o", out)
	if fileSum(t, out) != sum {
		t.Fatal("round trip differs")
	}
	os.Remove(out)
	srvRSS := peakRSS(t, srv.cmd.Process.Pid)
	lower := min(mbps(aesTime), mbps(fsyncTime))
	report := fmt.Sprintf("| raw AES-256-GCM (1 MiB segments, one core) | %.0f MB/s |\n"+
		"| raw sequential write + fsync (1 MiB writes) | %.0f MB/s |\n"+
		"| end-to-end upload (`akte upload`, loopback) | %.0f MB/s (%.2f of the smaller baseline) |\n"+
		"| end-to-end download (`akte get`, loopback) | %.0f MB/s |\n"+
		"| peak RSS: upload client / download client / server | %.0f / %.0f / %.0f MiB |\n",
		mbps(aesTime), mbps(fsyncTime), mbps(upTime), mbps(upTime)/lower, mbps(downTime),
		float64(upRSS)/1024, float64(downRSS)/1024, float64(srvRSS)/1024)
	t.Logf("1 GiB benchmark:\n%s", report)
	if out := os.Getenv("AKTE_BENCH_OUT"); out != "" {
		os.WriteFile(out, []byte(report), 0o644)
	}
}

// TestBenchmarkImportCD measures `akte import-cd` of a synthetic CT (500
// slices of 512 × 512, 263 MB; AKTE_DICOM_BENCH_SLICES changes the count)
// next to its baseline in the same run: `akte upload` of the same bytes
// as one file. Rounds alternate the two so that a busy machine weighs on
// both alike; the medians and the importer's peak RSS go to
// docs/benchmarks.md. Run with AKTE_BENCH=1.
func TestBenchmarkImportCD(t *testing.T) {
	if os.Getenv("AKTE_BENCH") == "" {
		t.Skip("set AKTE_BENCH=1 to run the CT import benchmark")
	}
	n := 500
	if s := os.Getenv("AKTE_DICOM_BENCH_SLICES"); s != "" {
		fmt.Sscan(s, &n)
	}
	srv := startServer(t, "", []string{"--quota", "4GiB"})
	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	cd := t.TempDir()
	paths, err := dicomtest.WriteCT(cd, dicomtest.CT{Slices: n, BirthDate: "19800401"})
	must(t, err)
	one := filepath.Join(t.TempDir(), "ct.bin")
	f, err := os.Create(one)
	must(t, err)
	var size int64
	for _, p := range paths {
		b, err := os.ReadFile(p)
		must(t, err)
		f.Write(b)
		size += int64(len(b))
	}
	must(t, f.Close())
	mbps := func(d time.Duration) float64 { return float64(size) / d.Seconds() / 1e6 }
	var up, imp []float64
	var impRSS int64
	for range 3 {
		_, d := alice.runMeasured("upload", one, "--category", "images", "--title", fmt.Sprint(time.Now().UnixNano()))
		up = append(up, mbps(d))
		rss, d := alice.runMeasured("import-cd", cd, "--yes", "--other-patient")
		imp = append(imp, mbps(d))
		impRSS = max(impRSS, rss)
	}
	if n := len(alice.ls()); n != 6 {
		t.Fatalf("%d items after 3 uploads and 3 imports", n)
	}
	med := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	report := fmt.Sprintf("| `akte upload` of the CT's bytes as one file (baseline), MB/s | %.0f (rounds %.0f) |\n"+
		"| `akte import-cd` of the CT (%d slices, %.0f MB), MB/s | %.0f (rounds %.0f) |\n"+
		"| import / upload (medians) | %.2f |\n"+
		"| peak RSS of `akte import-cd`, MiB | %.0f |\n",
		med(up), up, n, float64(size)/1e6, med(imp), imp, med(imp)/med(up), float64(impRSS)/1024)
	t.Logf("CT import benchmark:\n%s", report)
}

// TestBenchmarkExport measures `akte export` of a record of 2 GiB (eight
// documents of 256 MiB; AKTE_BENCH_EXPORT_MIB changes the total) next to
// its baseline in the same run: `akte get` of the same documents, one
// after another. It reports both rates, their ratio and the exporting
// client's peak RSS (docs/benchmarks.md). Run with AKTE_BENCH=1.
func TestBenchmarkExport(t *testing.T) {
	if os.Getenv("AKTE_BENCH") == "" {
		t.Skip("set AKTE_BENCH=1 to run the export benchmark")
	}
	total := int64(2048)
	if s := os.Getenv("AKTE_BENCH_EXPORT_MIB"); s != "" {
		fmt.Sscan(s, &total)
	}
	total <<= 20
	srv := startServer(t, "", []string{"--quota", "8GiB"})
	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	dir := t.TempDir()
	for i := range 8 {
		p := filepath.Join(dir, fmt.Sprintf("doc-%d.bin", i))
		writeRandom(t, p, total/8, uint64(i))
		alice.upload(p, "--category", "findings", "--title", fmt.Sprint("Dokument ", i))
		os.Remove(p)
	}
	mbps := func(d time.Duration) float64 { return float64(total) / d.Seconds() / 1e6 }
	var getTime time.Duration
	for _, it := range alice.ls() {
		out := filepath.Join(dir, "back.bin")
		_, d := alice.runMeasured("get", it.ID, "-o", out)
		getTime += d
		os.Remove(out)
	}
	t.Setenv("AKTE_EXPORT_PASSPHRASE", "Heckenrose-Abendlicht-7")
	out := filepath.Join(dir, "akte.zip.age")
	rss, expTime := alice.runMeasured("export", "--out", out)
	fi, err := os.Stat(out)
	if err != nil || fi.Size() < total {
		t.Fatalf("export wrote %v (%v)", fi, err)
	}
	report := fmt.Sprintf("| `akte get` of the %d MiB, one document after another (baseline), MB/s | %.0f |\n"+
		"| `akte export` (encrypted) of the same record, MB/s | %.0f |\n"+
		"| export / get | %.2f |\n"+
		"| peak RSS of `akte export`, MiB | %.0f |\n",
		total>>20, mbps(getTime), mbps(expTime), getTime.Seconds()/expTime.Seconds(), float64(rss)/1024)
	t.Logf("export benchmark:\n%s", report)
}
