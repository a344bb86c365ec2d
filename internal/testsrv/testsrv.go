// Package testsrv starts real servers (PostgreSQL, an S3 gateway) for tests,
// once per test process, in temporary directories.
//
// A package whose tests use it runs them through Run, which stops the
// servers when the tests are done:
//
//	func TestMain(m *testing.M) { os.Exit(testsrv.Run(m)) }
//
// Each server is a child process that the kernel kills when the test
// process dies (PR_SET_PDEATHSIG), so a test binary that panics or times out
// leaves no server behind; the next run removes its temporary directory.
//
// The package keeps its servers in package-level variables. That goes
// against the house rule of no global state on purpose: a server is shared
// by every test of a process, and starting one per test would cost seconds.
package testsrv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// dirPrefix starts the name of every temporary directory of this package,
// so that leftovers of dead test processes can be found.
const dirPrefix = "akte-testsrv-"

// ownerFile in a temporary directory holds the pid of the test process that
// created it.
const ownerFile = "owner.pid"

var (
	stopMu sync.Mutex
	stops  []func() // servers to stop, in the order they started
)

// Run runs the tests and then stops the servers they started. Use it in
// TestMain: os.Exit(testsrv.Run(m)).
func Run(m *testing.M) int {
	code := m.Run()
	stopAll()
	return code
}

// atExit registers a function that Run calls after the tests.
func atExit(stop func()) {
	stopMu.Lock()
	defer stopMu.Unlock()
	stops = append(stops, stop)
}

func stopAll() {
	stopMu.Lock()
	fs := stops
	stops = nil
	stopMu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// tempDir creates a temporary directory for a server and records this
// process as its owner. It first removes the directories of test processes
// that no longer run.
func tempDir(kind string) (string, error) {
	removeStale()
	dir, err := os.MkdirTemp("", dirPrefix+kind+"-")
	if err != nil {
		return "", err
	}
	pid := strconv.Itoa(os.Getpid())
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(pid), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

var staleOnce sync.Once

func removeStale() {
	staleOnce.Do(func() {
		matches, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
		for _, dir := range matches {
			b, err := os.ReadFile(filepath.Join(dir, ownerFile))
			if err != nil {
				continue // not ours, or being created
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil || pid <= 0 || pid == os.Getpid() {
				continue
			}
			if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
				os.RemoveAll(dir)
			}
		}
	})
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// Another process may take it before the server binds it; callers retry.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// process is a server running as a child of the test process.
type process struct {
	name string
	cmd  *exec.Cmd
	log  *tailBuffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, valid after done
}

// start starts cmd as a server. The kernel kills it with SIGKILL when the
// test process dies; cred, if not nil, is the user it runs as.
func start(name string, cmd *exec.Cmd, cred *syscall.Credential) (*process, error) {
	p := &process{name: name, cmd: cmd, log: &tailBuffer{max: 16 << 10}, done: make(chan struct{})}
	cmd.Stdout = p.log
	cmd.Stderr = p.log
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Pdeathsig:  syscall.SIGKILL,
		Credential: cred,
		Setpgid:    true, // a ^C in the terminal reaches the test, which stops us
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig, waits up to grace for the process to exit and kills it
// after that.
func (p *process) stop(sig syscall.Signal, grace time.Duration) {
	if p.exited() {
		return
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// failure describes a server that did not come up, with the end of its
// output.
func (p *process) failure(err error) error {
	if p.exited() {
		err = fmt.Errorf("%w (exit: %v)", err, p.err)
	}
	return fmt.Errorf("%s: %w\n--- output ---\n%s", p.name, err, p.log.String())
}

// waitReady calls ready every 50ms until it returns nil, the process exits
// or timeout passes.
func (p *process) waitReady(timeout time.Duration, ready func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var err error
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, time.Second)
		err = ready(attempt)
		cancelAttempt()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return p.failure(fmt.Errorf("exited before it was ready: %w", err))
		case <-ctx.Done():
			return p.failure(fmt.Errorf("not ready after %v: %w", timeout, err))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-b.max:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// run runs a short command to completion within timeout and returns its
// combined output in the error if it fails.
func run(timeout time.Duration, cmd *exec.Cmd, cred *syscall.Credential) error {
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Credential: cred}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w\n%s", filepath.Base(cmd.Path), err, out.String())
		}
		return nil
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s: still running after %v\n%s", filepath.Base(cmd.Path), timeout, out.String())
	}
}

// safeName turns a test name into a lowercase name of at most n bytes made
// of [a-z0-9] and sep, for databases and buckets.
func safeName(name string, sep byte, n int) string {
	var b []byte
	for _, c := range []byte(strings.ToLower(name)) {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b = append(b, c)
		case len(b) > 0 && b[len(b)-1] != sep:
			b = append(b, sep)
		}
	}
	if len(b) > n {
		b = b[len(b)-n:] // the end of a subtest's name says the most
	}
	return strings.Trim(string(b), string(sep))
}

// moduleRoot returns the directory of the main module: the nearest
// directory at or above the working directory that has a go.mod and a
// tools/go.mod. Tests run in their package's directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if fileExists(filepath.Join(dir, "go.mod")) && fileExists(filepath.Join(dir, "tools", "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod with a tools/go.mod beside it at or above the working directory")
		}
		dir = parent
	}
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
