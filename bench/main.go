// Command bench is Akte's load harness: it generates records, documents
// and audit events straight into a metadata store and a blob store, starts
// the real `akte serve` on loopback against them and drives a mixed
// workload (login, list, read metadata, download, upload, access to
// another record's item) with concurrent clients through the project's
// API client, then prints throughput and p50/p99 per operation. With a
// PostgreSQL database it runs pgbench (select-only) on the same cluster
// first, as the baseline. Runs are bounded in time and in count.
//
//	go run ./bench -db sqlite:///tmp/b/akte.db -blobs file:///tmp/b/blobs \
//	    -records 10000 -docs 1000000 -events 10000000 -clients 32 -duration 60s
//
// docs/benchmarks.md has the figures, decision 0006 the choices.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/blob/disk"
	"github.com/akte/akte/blob/s3"
)

func main() {
	// The harness shares the cores with the server it measures; its heap is
	// small (latencies, reused page buffers), so it may collect rarely.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// Config is one invocation.
type Config struct {
	DB, Blobs   string
	Data        string // the server's --data (outbox, logs)
	Akte        string // the akte binary; empty: built from this module
	Reuse       bool   // run on data generated before; generate nothing
	GenOnly     bool
	Shape       Shape
	Load        Load
	MixSpec     string
	Pgbench     string // directory of pgbench and the server's binaries; empty: no baseline
	PgbenchSc   int
	ServerFlags string
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c Config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.DB, "db", "", "database URL: sqlite:///path/akte.db or postgres://...")
	fs.StringVar(&c.Blobs, "blobs", "", "blob store URL: file:///path or s3://BUCKET?endpoint=... (credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")
	fs.StringVar(&c.Data, "data", "", "the server's data directory (outbox); default: a temporary directory")
	fs.StringVar(&c.Akte, "akte", "", "akte binary to start; default: go build ./cmd/akte")
	fs.BoolVar(&c.Reuse, "reuse", false, "use the data already generated in -db and -blobs (same shape flags)")
	fs.BoolVar(&c.GenOnly, "gen-only", false, "generate, then stop")
	fs.IntVar(&c.Shape.Records, "records", 1000, "records (accounts)")
	fs.IntVar(&c.Shape.Docs, "docs", 10_000, "documents over all records")
	fs.IntVar(&c.Shape.Hot, "hot", 20, "records the workload reads, each with -hot-docs documents")
	fs.IntVar(&c.Shape.HotDocs, "hot-docs", 500, "documents of each hot record")
	fs.IntVar(&c.Shape.BlobDocs, "blob-docs", 20, "documents of each hot record with real ciphertext (4 KiB) for downloads")
	fs.IntVar(&c.Shape.Events, "events", 100_000, "audit events over all accounts")
	fs.IntVar(&c.Load.Clients, "clients", 32, "concurrent clients")
	fs.DurationVar(&c.Load.Duration, "duration", 30*time.Second, "measured duration (at most 30m)")
	fs.DurationVar(&c.Load.Warmup, "warmup", 5*time.Second, "unmeasured warm-up before it")
	fs.Int64Var(&c.Load.Requests, "requests", 0, "stop after this many measured operations (0: the duration bounds the run)")
	fs.IntVar(&c.Load.Page, "page", 100, "page size of listings")
	fs.Float64Var(&c.Load.Rate, "rate", 0, "operations per second over all clients (0: closed loop, as fast as answered)")
	fs.StringVar(&c.MixSpec, "mix", "list=40,get=20,download=10,upload=5,login=5,deny=20", "operations and their weights")
	fs.StringVar(&c.Pgbench, "pgbench", "/usr/lib/postgresql/15/bin", "directory of pgbench, for the baseline with -db postgres://; empty: none")
	fs.IntVar(&c.PgbenchSc, "pgbench-scale", 50, "pgbench -i scale (50: 5 million accounts rows, ≈ 750 MB)")
	fs.StringVar(&c.ServerFlags, "server-flags", "--job-interval 1h", "extra flags for akte serve (space separated)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.DB == "" || c.Blobs == "" {
		return errors.New("-db and -blobs are required")
	}
	if err := c.Shape.validate(); err != nil {
		return err
	}
	if c.Load.Duration <= 0 || c.Load.Duration > 30*time.Minute || c.Load.Warmup < 0 || c.Load.Clients < 1 || c.Load.Clients > 1024 {
		return errors.New("need 0 < -duration <= 30m, -warmup >= 0 and 1 <= -clients <= 1024")
	}
	mix, err := parseMix(c.MixSpec)
	if err != nil {
		return err
	}
	c.Load.Mix, c.Load.Shape = mix, c.Shape

	blobs, err := openBlobs(ctx, c.Blobs, getenv)
	if err != nil {
		return err
	}
	if !c.Reuse {
		gs, err := generate(ctx, c.DB, blobs, c.Shape, stderr)
		if err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		fmt.Fprintf(stdout, "generation: %d records, %d documents, %d events, %d blobs in %s (accounts %s, items %s, events %s, blobs %s)\n",
			c.Shape.Records, c.Shape.Docs, c.Shape.Events, c.Shape.Hot*c.Shape.BlobDocs, gs.Total.Round(time.Second),
			gs.Accounts.Round(time.Second), gs.Items.Round(time.Second), gs.Events.Round(time.Second), gs.Blobs.Round(time.Second))
	}
	if c.GenOnly {
		return nil
	}
	if c.Pgbench != "" && isPostgres(c.DB) {
		pb, err := pgbench(ctx, c.Pgbench, c.DB, c.PgbenchSc, c.Load.Clients, c.Load.Duration, stderr)
		if err != nil {
			return fmt.Errorf("pgbench: %w", err)
		}
		fmt.Fprintf(stdout, "baseline pgbench -S -M prepared, scale %d, %d clients, %s, same cluster: %.0f tps, latency p50 %.2f ms, p99 %.2f ms, avg %.2f ms\n",
			c.PgbenchSc, c.Load.Clients, c.Load.Duration, pb.TPS, pb.P50, pb.P99, pb.Avg)
	}

	if c.Akte == "" {
		dir, err := os.MkdirTemp("", "akte-bench-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		c.Akte = filepath.Join(dir, "akte")
		if err := buildAkte(ctx, c.Akte); err != nil {
			return err
		}
	}
	if c.Data == "" {
		dir, err := os.MkdirTemp("", "akte-bench-data-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		c.Data = dir
	}
	srv, err := startServer(ctx, c.Akte, append([]string{"--data", c.Data, "--db", c.DB, "--blobs", c.Blobs}, strings.Fields(c.ServerFlags)...))
	if err != nil {
		return err
	}
	defer srv.stop()
	c.Load.Base = srv.base
	pace := "closed loop"
	if c.Load.Rate > 0 {
		pace = fmt.Sprintf("paced at %.0f ops/s", c.Load.Rate)
	}
	fmt.Fprintf(stdout, "workload: %d clients (%s), mix %s, pages of %d, %s measured after %s warm-up\n", c.Load.Clients, pace, c.MixSpec, c.Load.Page, c.Load.Duration, c.Load.Warmup)
	rs, elapsed, err := runLoad(ctx, c.Load, stderr)
	if err != nil {
		return err
	}
	printResults(stdout, rs, elapsed)
	return nil
}

func isPostgres(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

func openBlobs(ctx context.Context, raw string, getenv func(string) string) (akte.BlobStore, error) {
	u, err := url.Parse(raw)
	switch {
	case err == nil && u.Scheme == "file":
		return disk.Open(strings.TrimPrefix(raw, "file://"))
	case err == nil && u.Scheme == "s3":
		return s3.Open(ctx, raw, getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"))
	}
	return nil, fmt.Errorf("unsupported -blobs URL")
}

// buildAkte builds cmd/akte of the module this program belongs to.
func buildAkte(ctx context.Context, out string) error {
	mod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/akte")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(mod)))
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build akte: %v\n%s", err, b)
	}
	return nil
}

type server struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
}

// startServer starts `akte serve` on a free loopback port and waits for
// its "listening" log line.
func startServer(ctx context.Context, bin string, args []string) (*server, error) {
	// The load comes from one address: no bound per address; and no
	// metrics listener, which would clash with another run's.
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off", "--max-conns-per-addr", "0"}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	var logTail []string
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var l struct {
				Msg     string `json:"msg"`
				Level   string `json:"level"`
				BaseURL string `json:"base_url"`
			}
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "listening" {
				addr <- l.BaseURL
			}
			if len(logTail) < 20 && (l.Level == "ERROR" || l.Msg == "") {
				logTail = append(logTail, sc.Text())
			}
		}
		cmd.Wait()
	}()
	select {
	case s.base = <-addr:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("akte serve ended before listening:\n%s", strings.Join(logTail, "\n"))
	case <-time.After(2 * time.Minute):
		s.stop()
		return nil, errors.New("akte serve did not listen within 2 minutes")
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}
