package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akte/akte/internal/testsrv"
)

func TestMain(m *testing.M) { os.Exit(testsrv.Run(m)) }

// TestSmoke runs the whole harness at a tiny size for a few seconds, so
// that it keeps working: generation, the real server, every operation
// without an error, the table.
func TestSmoke(t *testing.T) {
	dir := t.TempDir()
	var out, log bytes.Buffer
	err := run(t.Context(), []string{
		"-db", "sqlite://" + filepath.Join(dir, "akte.db"), "-blobs", "file://" + filepath.Join(dir, "blobs"),
		"-records", "40", "-docs", "700", "-hot", "4", "-hot-docs", "150", "-blob-docs", "3", "-events", "2000",
		"-clients", "4", "-duration", "2s", "-warmup", "200ms",
		"-mix", "list=3,get=2,download=2,upload=2,login=1,deny=2",
	}, os.Getenv, &out, &log)
	if err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, log.String(), out.String())
	}
	t.Log(out.String())
	for _, op := range []string{opList, opListPage, opGet, opDownload, opUpload, opLogin, opDeny} {
		var line string
		for l := range strings.Lines(out.String()) {
			if f := strings.Fields(l); len(f) == 7 && f[0] == op {
				line = l
			}
		}
		if line == "" {
			t.Errorf("no figures for %s", op)
			continue
		}
		if f := strings.Fields(line); f[1] == "0" || f[6] != "0" {
			t.Errorf("%s: %s", op, line)
		}
	}
}

// TestScalePostgresS3 is the manual PostgreSQL + S3 run of
// docs/benchmarks.md against the test servers (a real PostgreSQL and
// versitygw): AKTE_BENCH_SCALE=1, with AKTE_BENCH_ARGS holding the
// shape and workload flags (make bench-scale).
func TestScalePostgresS3(t *testing.T) {
	if os.Getenv("AKTE_BENCH_SCALE") == "" {
		t.Skip("set AKTE_BENCH_SCALE=1 (and AKTE_BENCH_ARGS) for the PostgreSQL + S3 run")
	}
	db := testsrv.Postgres(t)
	endpoint, access, secret, bucket := testsrv.S3(t)
	t.Setenv("AWS_ACCESS_KEY_ID", access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	args := append([]string{"-db", db, "-blobs", fmt.Sprintf("s3://%s?endpoint=%s", bucket, endpoint)}, strings.Fields(os.Getenv("AKTE_BENCH_ARGS"))...)
	var out bytes.Buffer
	if err := run(t.Context(), args, os.Getenv, &out, os.Stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	fmt.Print(out.String())
}
