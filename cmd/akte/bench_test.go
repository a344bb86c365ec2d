package main

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
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
