package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/akte/akte/catalog"
	"github.com/akte/akte/internal/mailtest"
	"github.com/akte/akte/internal/testsrv"
)

// The end-to-end tests drive the real binary: TestMain builds it once, each
// test starts its own server on a free port with its own data directory,
// and runs client commands as separate processes.

var akteBin string

func TestMain(m *testing.M) {
	// The commands speak German unless a test says otherwise (many parse
	// what they print); TestLanguage runs them in both languages.
	os.Setenv("AKTE_LANG", "de")
	dir, err := os.MkdirTemp("", "akte-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	akteBin = filepath.Join(dir, "akte")
	build := exec.Command("go", "build", "-o", akteBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build akte:", err)
		os.Exit(1)
	}
	code := testsrv.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running `akte serve`.
type server struct {
	// Mailbox is where mails arrive when the server uses SMTP; empty: the
	// development outbox.
	Mailbox string
	t       *testing.T
	URL     string
	Data    string
	// MetricsURL is the /metrics of the metrics listener; empty if off.
	MetricsURL string
	cmd        *exec.Cmd
	logs       *syncBuffer
	remote     *remote // PostgreSQL + S3; nil: SQLite and files under Data
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer runs `akte serve` with the extra args and environment on
// port 0 and waits until it listens. With AKTE_TEST_BACKEND=postgres-s3
// and no --db among args, it uses the database and bucket of the data
// directory (see remoteFor). The metrics listener takes a free port too,
// unless args name --metrics-addr.
func startServer(t *testing.T, data string, args []string, env ...string) *server {
	t.Helper()
	return startServerSh(t, data, "", args, env...)
}

// startServerSh is startServer with the server started by sh -c after the
// shell commands in sh (e.g. "ulimit -n 256; umask 000;"); empty: directly.
func startServerSh(t *testing.T, data, sh string, args []string, env ...string) *server {
	t.Helper()
	if data == "" {
		data = t.TempDir()
	}
	var r *remote
	if usePostgresS3() && !slices.Contains(args, "--db") {
		r = remoteFor(t, data)
		args = append(slices.Clip(args), r.args()...)
	}
	if !slices.Contains(args, "--metrics-addr") {
		args = append(slices.Clip(args), "--metrics-addr", "127.0.0.1:0")
	}
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, args...)
	cmd := exec.Command(akteBin, args...)
	if sh != "" {
		cmd = exec.Command("sh", append([]string{"-c", sh + ` exec "$0" "$@"`, akteBin}, args...)...)
	}
	cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	logs := &syncBuffer{}
	cmd.Stderr = io.MultiWriter(pw, logs)
	cmd.Stdout = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, Data: data, cmd: cmd, logs: logs, remote: r}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	type listening struct {
		Msg         string `json:"msg"`
		BaseURL     string `json:"base_url"`
		MetricsAddr string `json:"metrics_addr"`
	}
	addr := make(chan listening, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var l listening
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "listening" {
				addr <- l
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case l := <-addr:
		s.URL = l.BaseURL
		if l.MetricsAddr != "" {
			s.MetricsURL = "http://" + l.MetricsAddr + "/metrics"
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not start:\n%s", logs.String())
	}
	return s
}

func (s *server) stop() {
	if s.cmd.ProcessState == nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			s.cmd.Process.Kill()
			<-done
		}
	}
}

// user is one client installation (its own AKTE_HOME) of a person.
type user struct {
	t        *testing.T
	srv      *server
	Home     string
	Email    string
	Password string
	TOTP     string // secret
	Recovery string
	Account  string
	// Sh, if set, are shell commands run before each command, such as
	// "umask 000;".
	Sh string
	// Env is added to the environment of each command.
	Env []string
	// Session is the AKTE_SESSION the last login printed: every command
	// gets it, as a shell that took it would (the CLI keeps the local
	// share of the session key nowhere else; there is no keyring here).
	Session string
}

func newUser(t *testing.T, srv *server, email string) *user {
	return &user{t: t, srv: srv, Home: t.TempDir(), Email: email, Password: "Lindenblüte-Morgentau-42"}
}

// device returns the same person on another installation.
func (u *user) device() *user {
	c := *u
	c.Home, c.Session = u.t.TempDir(), ""
	return &c
}

// run runs a client command and returns stdout, stderr and the exit code.
func (u *user) run(stdin string, env []string, args ...string) (string, string, int) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, akteBin, args...)
	if u.Sh != "" {
		cmd = exec.CommandContext(ctx, "sh", append([]string{"-c", u.Sh + ` exec "$0" "$@"`, akteBin}, args...)...)
	}
	cmd.Env = append(os.Environ(), u.env()...)
	cmd.Env = append(cmd.Env, "AKTE_PASSWORD="+u.Password)
	cmd.Env = append(cmd.Env, u.Env...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		u.t.Fatalf("run %v: %v", args, err)
	}
	if code == 0 && len(args) > 0 && args[0] == "login" {
		u.Session = sessionOf(out.String())
	}
	return out.String(), errb.String(), code
}

// env is the environment of the user's commands without the password:
// the server, the home, the session value of the last login, no keyring.
func (u *user) env() []string {
	return []string{"AKTE_SERVER=" + u.srv.URL, "AKTE_HOME=" + u.Home, "AKTE_SESSION=" + u.Session, "AKTE_KEYRING=off"}
}

// sessionOf is the session value a login printed: its export line, or its
// JSON's session field.
func sessionOf(out string) string {
	var j struct{ Session string }
	if json.Unmarshal([]byte(out), &j) == nil {
		return j.Session
	}
	for l := range strings.Lines(out) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "export AKTE_SESSION="); ok {
			return v
		}
	}
	return ""
}

// ok runs a command that must succeed.
func (u *user) ok(args ...string) string {
	u.t.Helper()
	out, errs, code := u.run("", nil, args...)
	if code != 0 {
		u.t.Fatalf("akte %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// fails runs a command that must fail and returns its stderr.
func (u *user) fails(args ...string) string {
	u.t.Helper()
	out, errs, code := u.run("", nil, args...)
	if code == 0 {
		u.t.Fatalf("akte %s: succeeded, want failure\nstdout: %s", strings.Join(args, " "), out)
	}
	return errs
}

// says reports whether a command's message says the reason, in either
// language of the catalogue: rendered with params, or, with nil params, up
// to the text's first parameter.
func says(msg, reason string, params map[string]any) bool {
	for _, l := range catalog.Languages {
		want := catalog.Text(l, reason, params)
		if params == nil {
			want, _, _ = strings.Cut(want, "{")
		}
		if strings.Contains(msg, want) {
			return true
		}
	}
	return false
}

func (u *user) okJSON(v any, args ...string) {
	u.t.Helper()
	out := u.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		u.t.Fatalf("akte %v --json: %v\n%s", args, err, out)
	}
}

const testKVNR = "X110411675"

// register creates and confirms an account.
func (u *user) register(kvnr string) {
	u.t.Helper()
	u.registerUnconfirmed(kvnr)
	code := u.srv.mailCode(u.Email, "Bestätigen")
	u.ok("verify-email", "--code", code)
}

// registerUnconfirmed creates an account and leaves its address
// unconfirmed.
func (u *user) registerUnconfirmed(kvnr string) {
	u.t.Helper()
	var res struct {
		AccountID   string `json:"account_id"`
		RecoveryKey string `json:"recovery_key"`
		TOTPSecret  string `json:"totp_secret"`
	}
	u.okJSON(&res, "register", "--email", u.Email, "--kvnr", kvnr, "--birthdate", "1980-04-01", "--accept")
	if res.AccountID == "" || res.RecoveryKey == "" || res.TOTPSecret == "" {
		u.t.Fatalf("register --json lacks fields: %+v", res)
	}
	u.Account, u.Recovery, u.TOTP = res.AccountID, res.RecoveryKey, res.TOTPSecret
}

func (u *user) login() {
	u.t.Helper()
	u.ok("login", "--email", u.Email, "--totp", u.code())
}

// totpUsed remembers the highest step used per secret: the server accepts
// each step once.
var totpUsed = struct {
	sync.Mutex
	m map[string]int64
}{m: map[string]int64{}}

// code returns a TOTP code the server has not seen yet, for an attempt
// that will succeed: one of the three steps it accepts (now ±30 s), waiting
// for the next step if all are used.
func (u *user) code() string { return u.totpCode(true) }

// peekCode returns a valid code without using it up, for an attempt that
// fails before the server accepts the code (an unconfirmed or blocked
// device).
func (u *user) peekCode() string { return u.totpCode(false) }

func (u *user) totpCode(use bool) string {
	u.t.Helper()
	for {
		step := time.Now().Unix() / 30
		totpUsed.Lock()
		for c := step - 1; c <= step+1; c++ {
			// Keep a margin: the step-1 code expires within 15 s; a slow machine needs the time.
			if c <= totpUsed.m[u.TOTP] || (c == step-1 && time.Now().Unix()%30 > 15) {
				continue
			}
			if use {
				totpUsed.m[u.TOTP] = c
			}
			totpUsed.Unlock()
			code, err := hotp.GenerateCodeCustom(u.TOTP, uint64(c), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
			if err != nil {
				u.t.Fatal(err)
			}
			return code
		}
		totpUsed.Unlock()
		time.Sleep(time.Until(time.Unix((step+1)*30, 0)) + 50*time.Millisecond)
	}
}

// totpAt is the user's TOTP code of a 30-second step.
func (u *user) totpAt(step int64) string {
	u.t.Helper()
	code, err := hotp.GenerateCodeCustom(u.TOTP, uint64(step), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		u.t.Fatal(err)
	}
	return code
}

// wrongCode is a TOTP code that is certainly not valid now.
func (u *user) wrongCode() string {
	step := time.Now().Unix() / 30
	valid := map[string]bool{}
	for c := step - 1; c <= step+2; c++ {
		code, _ := hotp.GenerateCodeCustom(u.TOTP, uint64(c), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		valid[code] = true
	}
	for _, c := range []string{"000000", "111111", "123456", "654321"} {
		if !valid[c] {
			return c
		}
	}
	return "999999"
}

func (s *server) outbox() string {
	if s.Mailbox != "" {
		return s.Mailbox
	}
	return filepath.Join(s.Data, "outbox")
}

// lastMail returns the newest mail to addr whose subject contains subj,
// waiting up to 10 s for it: the server sends mails after its answer.
func (s *server) lastMail(addr, subj string) mailtest.Message {
	s.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		m, err := mailtest.Last(s.outbox(), addr, subj)
		if err == nil {
			return m
		}
		if time.Now().After(deadline) {
			s.t.Fatal(err)
		}
	}
}

// nextMail waits for a mail to addr about subj newer than every one there
// was when it was called, and returns it: for a code that replaces
// another.
func (s *server) nextMail(addr, subj string) func() mailtest.Message {
	s.t.Helper()
	before := s.mails(addr, subj)
	return func() mailtest.Message {
		s.t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if s.mails(addr, subj) > before {
				return s.lastMail(addr, subj)
			}
			if time.Now().After(deadline) {
				s.t.Fatalf("no new mail to %s about %q", addr, subj)
			}
		}
	}
}

// mails counts the mails to addr (an address or a part of one) whose
// subject contains subj, as they are now.
func (s *server) mails(addr, subj string) int {
	s.t.Helper()
	ms, err := mailtest.Read(s.outbox())
	if err != nil {
		s.t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if strings.Contains(m.To, addr) && strings.Contains(m.Subject, subj) {
			n++
		}
	}
	return n
}

func (s *server) mailCode(addr, subj string) string {
	s.t.Helper()
	c, err := s.lastMail(addr, subj).Code()
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

func (s *server) mailLink(addr, subj string) string {
	s.t.Helper()
	l, err := s.lastMail(addr, subj).Link()
	if err != nil {
		s.t.Fatal(err)
	}
	return l
}

// confirmDevice does what the person does with the newest device link
// mailed to addr: opens it (a page of the web app, which confirms
// nothing) and clicks, which posts the secret from the link's fragment.
func (s *server) confirmDevice(addr string) {
	s.t.Helper()
	link := s.mailLink(addr, "Neues Gerät")
	if status, _ := get(s.t, link); status != http.StatusOK {
		s.t.Fatalf("open %s: %d", link, status)
	}
	if st, body := s.postDeviceLink("/api/v1/devices/confirm", link); st != http.StatusOK {
		s.t.Fatalf("confirm device: %d %s", st, body)
	}
}

// postDeviceLink posts the secret of a device link to path.
func (s *server) postDeviceLink(path, link string) (int, string) {
	s.t.Helper()
	_, token, ok := strings.Cut(link, "/geraet#")
	if !ok {
		s.t.Fatalf("device link %q has no /geraet#SECRET form", link)
	}
	b, _ := json.Marshal(map[string]string{"token": token})
	return postRaw(s.t, s.URL+path, "application/json", string(b))
}

// get fetches a URL and returns status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
