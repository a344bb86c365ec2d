package testsrv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a PostgreSQL cluster of one test, which it may stop and
// start again (to test what happens while the database is down). Postgres
// shares one cluster between tests and cannot do that.
type Cluster struct {
	t    testing.TB
	bin  string
	cred *syscall.Credential
	dir  string
	port int

	mu sync.Mutex
	p  *process // nil while stopped
}

// NewPostgres starts a PostgreSQL cluster of its own for t, with one
// database "akte", and stops it and removes its files when t ends. It
// fails t if the cluster cannot start.
func NewPostgres(t testing.TB) *Cluster {
	t.Helper()
	bin, err := postgresBin()
	if err != nil {
		t.Fatalf("testsrv: %v", err)
	}
	cred, err := postgresUser()
	if err != nil {
		t.Fatalf("testsrv: %v", err)
	}
	dir, err := tempDir("pgc")
	if err != nil {
		t.Fatalf("testsrv: %v", err)
	}
	c := &Cluster{t: t, bin: bin, cred: cred, dir: dir}
	t.Cleanup(func() {
		c.Stop()
		os.RemoveAll(dir)
	})
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatalf("testsrv: %v", err)
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")
	initdb.Dir = dir
	if err := run(60*time.Second, initdb, cred); err != nil {
		t.Fatalf("testsrv: %v", err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("testsrv: %v", err)
	}
	c.port = port
	if err := c.start(); err != nil {
		t.Fatalf("testsrv: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		t.Fatalf("testsrv: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE akte"); err != nil {
		t.Fatalf("testsrv: create database: %v", err)
	}
	return c
}

// URL is the URL of the cluster's database "akte". It stays the same
// across Stop and Start.
func (c *Cluster) URL() string { return c.url("akte") }

func (c *Cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// Stop kills the server at once with SIGKILL, as a crash or a pulled
// cable would: connections break without a goodbye. Stopping a stopped
// cluster does nothing.
func (c *Cluster) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p == nil {
		return
	}
	// The postmaster's children notice its death and exit; SIGKILL to the
	// process group takes them at once.
	syscall.Kill(-c.p.cmd.Process.Pid, syscall.SIGKILL)
	c.p.stop(syscall.SIGKILL, 5*time.Second)
	c.p = nil
}

// Start starts the stopped server again on the same port and data
// directory (it recovers from its WAL) and waits until it accepts
// connections. It fails the test if it cannot.
func (c *Cluster) Start() {
	c.t.Helper()
	if err := c.start(); err != nil {
		c.t.Fatalf("testsrv: %v", err)
	}
}

func (c *Cluster) start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p != nil {
		return nil
	}
	// Shared memory and the socket lock of a killed postmaster are gone
	// with its process group; postmaster.pid is stale and postgres checks
	// its pid, so the restart works without removing it.
	var err error
	for try := 0; try < 50; try++ {
		cmd := exec.Command(filepath.Join(c.bin, "postgres"), "-D", filepath.Join(c.dir, "data"),
			"-p", strconv.Itoa(c.port), "-k", c.dir,
			"-c", "listen_addresses=127.0.0.1", "-c", "fsync=on",
			"-c", "max_connections=100", "-c", "shared_buffers=32MB")
		cmd.Dir = c.dir
		var p *process
		p, err = start("postgres", cmd, c.cred)
		if err != nil {
			return err
		}
		err = p.waitReady(60*time.Second, func(ctx context.Context) error {
			conn, err := pgx.Connect(ctx, c.url("postgres"))
			if err != nil {
				return err
			}
			return conn.Close(ctx)
		})
		if err == nil {
			c.p = p
			return nil
		}
		p.stop(syscall.SIGKILL, 5*time.Second)
		// After a kill the port may still be held for a moment.
		time.Sleep(200 * time.Millisecond)
	}
	return err
}
