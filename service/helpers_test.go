package service_test

import (
	cryptorand "crypto/rand"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/akte/akte"
	"github.com/akte/akte/blob/disk"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/mailtest"
	"github.com/akte/akte/mail"
	"github.com/akte/akte/service"
	"github.com/akte/akte/store/sqlite"
)

// The service's rules are tested in-process on a real SQLite database in
// a temp dir, with the development outbox as mailer and an injected clock.

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type env struct {
	t      *testing.T
	svc    *service.Service
	store  *sqlite.Store
	blobs  akte.BlobStore
	outbox string
	clk    *clock
	path   string // of the database
	logs   *logBuffer
}

// logBuffer collects the service's log lines (JSON).
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testConfig is the default configuration with a cheap server-side hash.
func testConfig() service.Config {
	cfg := service.DefaultConfig()
	cfg.HashMemoryKiB, cfg.HashTime = 1024, 1
	return cfg
}

func newEnv(t *testing.T, cfg service.Config, opts ...func(*service.Options)) *env {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "akte.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ob, err := mail.NewOutbox(filepath.Join(dir, "outbox"), nil)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := disk.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	logs := &logBuffer{}
	o := service.Options{Store: st, Blobs: blobs, Mailer: ob, Config: cfg, Now: clk.Now, Secret: []byte("0123456789abcdef0123456789abcdef"),
		Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	for _, f := range opts {
		f(&o)
	}
	svc := service.New(o)
	return &env{t: t, svc: svc, store: st, blobs: blobs, outbox: filepath.Join(dir, "outbox"), clk: clk, path: filepath.Join(dir, "akte.db"), logs: logs}
}

// principal registers and confirms an account and logs its first device
// in; it returns the session's principal and the account.
func (e *env) principal(email, kvnr string) (*service.Principal, *account) {
	e.t.Helper()
	a := e.register(email, kvnr, "192.0.2.1", true)
	res, err := e.login(a, "192.0.2.1", "device-0001", a.deviceSecret, e.totpAt(a, 0))
	if err != nil {
		e.t.Fatalf("login %s: %v", email, err)
	}
	a.deviceSecret, a.token = res.DeviceSecret, res.Token
	return &service.Principal{Account: res.Account, Session: res.Session, RecordID: res.RecordID}, a
}

// nextTOTP moves the clock to the next 30-second step and returns its
// code: every step's code is accepted once.
func (e *env) nextTOTP(a *account) string {
	e.clk.Add(30 * time.Second)
	return e.totpAt(a, 0)
}

// material is one client's keys; making them costs a client Argon2id, so
// the tests share one.
var material = sync.OnceValue(func() *core.Material {
	m, err := core.NewMaterial("Apfelbaum-Sommerwind-19", core.DefaultKDF())
	if err != nil {
		panic(err)
	}
	return m
})

func registerRequest(email, kvnr string) service.RegisterRequest {
	m := material()
	return service.RegisterRequest{Email: email, KVNR: kvnr, BirthDate: "1970-01-01", KDF: m.KDF, LoginSecret: m.LoginSecret,
		RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, DeviceID: "device-0001", DeviceName: "Laptop", Record: freshRecord(),
		Consents: shippedTexts.RequiredAnswers("de"), Via: akte.ViaCLI}
}

// account is a registered account as its owner knows it.
type account struct {
	email, totp, deviceSecret string
	id                        akte.AccountID
	token                     string // of the session principal opened
}

// register registers an account from addr and, if confirm, confirms it.
func (e *env) register(email, kvnr, addr string, confirm bool) *account {
	e.t.Helper()
	res, err := e.svc.Register(e.t.Context(), service.Client{Addr: addr}, registerRequest(email, kvnr))
	if err != nil {
		e.t.Fatalf("register %s: %v", email, err)
	}
	a := &account{email: email, totp: res.TOTPSecret, deviceSecret: res.DeviceSecret, id: res.AccountID}
	if confirm {
		if err := e.svc.ConfirmEmail(e.t.Context(), service.Client{Addr: addr}, email, e.code(email, "Bestätigen")); err != nil {
			e.t.Fatalf("confirm %s: %v", email, err)
		}
	}
	return a
}

// code returns the code of the newest mail to addr about subj.
func (e *env) code(addr, subj string) string {
	e.t.Helper()
	m, err := mailtest.Last(e.outbox, addr, subj)
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := m.Code()
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// mails counts the mails to addr whose subject contains subj.
func (e *env) mails(addr, subj string) int {
	e.t.Helper()
	ms, err := mailtest.Read(e.outbox)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if strings.Contains(m.To, addr) && strings.Contains(m.Subject, subj) {
			n++
		}
	}
	return n
}

// totpAt is the account's TOTP code for the step d after the clock's now.
func (e *env) totpAt(a *account, d time.Duration) string {
	c, err := hotp.GenerateCodeCustom(a.totp, uint64(e.clk.Now().Add(d).Unix()/30), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// wrongTOTP returns a code that is wrong now, different for each i.
func (e *env) wrongTOTP(a *account, i int) string {
	valid := map[string]bool{}
	for d := -30 * time.Second; d <= 30*time.Second; d += 30 * time.Second {
		valid[e.totpAt(a, d)] = true
	}
	for c := i; ; c += 1000 {
		if s := fmt.Sprintf("%06d", c%1000000); !valid[s] {
			return s
		}
	}
}

func (e *env) login(a *account, addr, device, deviceSecret, totp string) (*service.LoginResult, error) {
	return e.svc.Login(e.t.Context(), service.Client{Addr: addr}, service.LoginRequest{Email: a.email, LoginSecret: material().LoginSecret,
		TOTP: totp, DeviceID: akte.DeviceID(device), DeviceName: "Gerät", DeviceSecret: deviceSecret})
}

// failures counts the account's failed events of an operation by code.
func (e *env) failures(id akte.AccountID, op string) map[string]int {
	e.t.Helper()
	evs, err := e.store.Events(e.t.Context(), id, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int{}
	for _, ev := range evs {
		if ev.Operation == op && ev.Result == akte.ResultDenied {
			out[ev.Cause]++
		}
	}
	return out
}

func wantKind(t *testing.T, what string, err error, kind akte.Kind, reason string) {
	t.Helper()
	r, _ := akte.ReasonOf(err)
	if !akte.Is(err, kind) || (reason != "" && r != reason) {
		t.Fatalf("%s: %v (kind %s, reason %q), want %s %q", what, err, akte.KindOf(err), r, kind, reason)
	}
}

// freshRecord is the shared material's record keys under a new random
// record id: record ids are unique, so every registration (and every
// reset's new keys) names its own. The keys stay bound to the material's
// id, which the service does not read.
func freshRecord() *akte.Record {
	r := material().Record.Record()
	r.ID = akte.RecordID(fmt.Sprintf("%x", randomBytes(16)))
	return r
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	cryptorand.Read(b)
	return b
}

var shippedTexts = func() *service.ConsentTexts {
	ct, err := service.LoadConsentTexts("")
	if err != nil {
		panic(err)
	}
	return ct
}()
