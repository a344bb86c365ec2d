package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// PgbenchResult is the baseline: select-only pgbench on the cluster that
// holds Akte's database.
type PgbenchResult struct {
	TPS           float64
	Avg, P50, P99 float64 // milliseconds
}

var tpsRe = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
var avgRe = regexp.MustCompile(`latency average = ([0-9.]+) ms`)

// pgbench initialises a database akte_pgbench next to Akte's (same
// server, same settings) at the scale and runs `pgbench -S -M prepared`
// with as many clients as the workload for as long, logging every
// transaction so that p50 and p99 come from the same kind of count as
// Akte's figures.
func pgbench(ctx context.Context, binDir, akteURL string, scale, clients int, d time.Duration, log io.Writer) (PgbenchResult, error) {
	var res PgbenchResult
	u, err := url.Parse(akteURL)
	if err != nil {
		return res, fmt.Errorf("parse -db")
	}
	admin, err := pgx.Connect(ctx, akteURL)
	if err != nil {
		return res, err
	}
	defer admin.Close(context.WithoutCancel(ctx))
	const name = "akte_pgbench"
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return res, err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return res, err
	}
	defer admin.Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	u.Path = "/" + name
	target := u.String()

	dir, err := os.MkdirTemp("", "akte-pgbench-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(binDir, "pgbench")
	t := time.Now()
	init := exec.CommandContext(ctx, bin, "-i", "-q", "-s", strconv.Itoa(scale), target)
	if b, err := init.CombinedOutput(); err != nil {
		return res, fmt.Errorf("pgbench -i: %v\n%s", err, b)
	}
	fmt.Fprintf(log, "pgbench -i -s %d in %s\n", scale, time.Since(t).Round(time.Second))
	threads := min(clients, 2)
	cmd := exec.CommandContext(ctx, bin, "-S", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(threads),
		"-T", strconv.Itoa(max(1, int(d.Seconds()))), "-l", "--log-prefix", filepath.Join(dir, "pgb"), target)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return res, fmt.Errorf("pgbench -S: %v\n%s", err, out)
	}
	if m := tpsRe.FindSubmatch(out); m != nil {
		res.TPS, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if m := avgRe.FindSubmatch(out); m != nil {
		res.Avg, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	// Per-transaction log lines: client_id transaction_no time_us script_no epoch epoch_us.
	files, _ := filepath.Glob(filepath.Join(dir, "pgb.*"))
	var lat []int64
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return res, err
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) >= 3 {
				if v, err := strconv.ParseInt(fields[2], 10, 64); err == nil {
					lat = append(lat, v)
				}
			}
		}
		fh.Close()
	}
	if len(lat) == 0 {
		return res, fmt.Errorf("pgbench logged no transactions:\n%s", out)
	}
	slices.Sort(lat)
	at := func(p float64) float64 {
		k := max(0, min(int(float64(len(lat))*p+0.999999)-1, len(lat)-1))
		return float64(lat[k]) / 1000
	}
	res.P50, res.P99 = at(0.5), at(0.99)
	return res, nil
}
