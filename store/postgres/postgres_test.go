package postgres_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/testsrv"
	"github.com/akte/akte/store/postgres"
	"github.com/akte/akte/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(testsrv.Run(m)) }

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) akte.Store {
		return open(t, testsrv.Postgres(t))
	})
}

func open(t testing.TB, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// setting returns the value of a server setting as a connection of the
// store's pool sees it.
func setting(t *testing.T, s *postgres.Store, name string) string {
	t.Helper()
	var v string
	if err := s.Pool().QueryRow(t.Context(), "SELECT current_setting($1)", name).Scan(&v); err != nil {
		t.Fatalf("current_setting(%s): %v", name, err)
	}
	return v
}

func TestSettings(t *testing.T) {
	url := testsrv.Postgres(t)
	s := open(t, url)
	if got := setting(t, s, "statement_timeout"); got != "10s" {
		t.Errorf("statement_timeout = %s, want 10s", got)
	}
	if got := s.Pool().Config().ConnConfig.ConnectTimeout; got != postgres.DefaultConnectTimeout {
		t.Errorf("connect timeout = %v, want %v", got, postgres.DefaultConnectTimeout)
	}

	s = open(t, url+"&pool_max_conns=3&statement_timeout=2500ms&op_timeout=7s")
	if got := s.Pool().Config().MaxConns; got != 3 {
		t.Errorf("MaxConns = %d, want 3", got)
	}
	if got := setting(t, s, "statement_timeout"); got != "2500ms" {
		t.Errorf("statement_timeout = %s, want 2500ms", got)
	}
	if _, ok := s.Pool().Config().ConnConfig.RuntimeParams["op_timeout"]; ok {
		t.Errorf("op_timeout is sent to the server")
	}
}

// TestReopen checks that a second Open applies no migration twice, also
// when several replicas open a new database at once.
func TestReopen(t *testing.T) {
	url := testsrv.Postgres(t)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			s, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Errorf("concurrent Open: %v", err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	s := open(t, url)
	var n, max int64
	err := s.Pool().QueryRow(t.Context(),
		`SELECT count(*), max(version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&n, &max)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(entries)) {
		t.Errorf("%d migrations recorded, want %d (one per file)", n, len(entries))
	}
}

func TestBadURL(t *testing.T) {
	for _, url := range []string{
		"postgres://akte:hunter2@127.0.0.1:notaport/akte",
		"postgres://akte:hunter2@127.0.0.1/akte?op_timeout=soon",
		"postgres://akte:hunter2@[::1/akte",
	} {
		_, err := postgres.Open(t.Context(), url)
		if !akte.Is(err, akte.KindInvalid) {
			t.Errorf("Open(%q) = %v, want KindInvalid", url, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q) error contains the password: %v", url, err)
		}
	}
}

// within fails t unless fn returns an error of kind within d.
func within(t *testing.T, what string, d time.Duration, kind akte.Kind, fn func() error) {
	t.Helper()
	start := time.Now()
	err := fn()
	took := time.Since(start)
	if !akte.Is(err, kind) {
		t.Errorf("%s: %v, want %s", what, err, kind)
	}
	if took > d {
		t.Errorf("%s took %v, want at most %v", what, took, d)
	}
	if err != nil && strings.Contains(err.Error(), "hunter2") {
		t.Errorf("%s: error contains the password: %v", what, err)
	}
}

func TestUnreachable(t *testing.T) {
	// A port nobody listens on: refused at once.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	within(t, "Open on a closed port", 3*time.Second, akte.KindUnavailable, func() error {
		_, err := postgres.Open(context.Background(), "postgres://akte:hunter2@"+closed+"/akte?sslmode=disable")
		return err
	})

	// A server that accepts connections and never answers: the connect
	// timeout ends the wait.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	within(t, "Open on a silent server", 4*time.Second, akte.KindUnavailable, func() error {
		_, err := postgres.Open(context.Background(),
			"postgres://akte:hunter2@"+silent.Addr().String()+"/akte?sslmode=disable&connect_timeout=1")
		return err
	})
}

// proxy forwards TCP connections to a server. It stands for the network and
// the server: cut is a server that died, pause one that stopped answering
// without closing its connections.
type proxy struct {
	l      net.Listener
	target string
	paused atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l, target: target}
	t.Cleanup(p.cut)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go p.pipe(c, s)
			go p.pipe(s, c)
		}
	}()
	return p
}

// pipe copies from src to dst, dropping what it reads while paused.
func (p *proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.paused.Load() {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				dst.Close()
			}
			return
		}
	}
}

func (p *proxy) cut() {
	p.l.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// addr returns the host:port of url's server.
func addr(t *testing.T, url string) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
}

// viaProxy returns a proxy to url's server and url rewritten to use it.
func viaProxy(t *testing.T, url string) (*proxy, string) {
	server := addr(t, url)
	p := newProxy(t, server)
	return p, strings.Replace(url, server, p.l.Addr().String(), 1)
}

func TestServerDies(t *testing.T) {
	url := testsrv.Postgres(t)
	p, url := viaProxy(t, url)
	s := open(t, url+"&connect_timeout=1")
	a := &akte.Account{ID: "acc-1", Email: "a@example.org", KVNR: "A123456789"}
	if err := s.CreateAccount(t.Context(), a, nil); err != nil {
		t.Fatal(err)
	}
	p.cut()
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return s.Ping(context.Background()) }},
		{"Account", func() error { _, err := s.Account(context.Background(), a.ID); return err }},
		{"AdvanceTOTP", func() error { _, err := s.AdvanceTOTP(context.Background(), a.ID, 5); return err }},
	} {
		within(t, c.name+" after the server died", 3*time.Second, akte.KindUnavailable, c.call)
	}
}

func TestServerHangs(t *testing.T) {
	url := testsrv.Postgres(t)
	p, url := viaProxy(t, url)
	s := open(t, url+"&connect_timeout=1&op_timeout=1s")
	a := &akte.Account{ID: "acc-1", Email: "a@example.org", KVNR: "A123456789"}
	if err := s.CreateAccount(t.Context(), a, nil); err != nil {
		t.Fatal(err)
	}
	p.paused.Store(true)
	// The caller's context has no deadline; op_timeout ends the wait.
	within(t, "Account on a server that stopped answering", 3*time.Second, akte.KindUnavailable, func() error {
		_, err := s.Account(context.Background(), a.ID)
		return err
	})
	within(t, "UseToken on a server that stopped answering", 3*time.Second, akte.KindUnavailable, func() error {
		return s.UseToken(context.Background(), []byte("x"), time.Now())
	})
	// Closing the pool would wait up to 15s for pgx's cancel requests to
	// the silent server; a server that hangs dies sooner or later.
	p.cut()
}

// TestStatementTimeout checks that a statement stuck behind a lock ends
// with KindUnavailable when statement_timeout passes.
func TestStatementTimeout(t *testing.T) {
	url := testsrv.Postgres(t)
	s := open(t, url+"&statement_timeout=300ms")
	a := &akte.Account{ID: "acc-1", Email: "a@example.org", KVNR: "A123456789"}
	if err := s.CreateAccount(t.Context(), a, nil); err != nil {
		t.Fatal(err)
	}
	tx, err := s.Pool().Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(t.Context(), `SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, a.ID); err != nil {
		t.Fatal(err)
	}
	within(t, "UpdateAccount of a locked row", 3*time.Second, akte.KindUnavailable, func() error {
		return s.UpdateAccount(context.Background(), a)
	})
}
