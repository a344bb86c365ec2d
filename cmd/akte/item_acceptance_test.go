package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The acceptance tests of documents: zero knowledge, resume, crash safety,
// memory. They drive the real binary like the other end-to-end tests.

func TestDocumentZeroKnowledge(t *testing.T) {
	srv := startServer(t, "", nil)
	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	dir := t.TempDir()
	contentMarker := "INHALT-MARKER-" + hex.EncodeToString([]byte(t.Name()))[:16] + "-7f3a9c"
	titleMarker := "TITEL-MARKER-Herzkatheter-91be44"
	p := filepath.Join(dir, "befund.txt")
	// The marker many times over, across segment and chunk boundaries.
	os.WriteFile(p, bytes.Repeat([]byte(contentMarker+"\n"), 200000), 0o600)
	id := alice.upload(p, "--category", "findings", "--title", titleMarker, "--comment", titleMarker, "--source", titleMarker)
	// A representative (decision 0036) reads it and adds one of its own:
	// the record key it got and what it added are ciphertext too.
	bob := newUser(t, srv, "bob@example.org")
	bob.register(kvnrs(1)[0])
	bob.login()
	rid := alice.state().RecordID
	nameRepresentative(t, alice, bob, kvnrs(1)[0], rid)
	if items := bob.ls("--record", rid); len(items) != 1 || items[0].Title != titleMarker {
		t.Fatalf("the representative's listing: %+v", items)
	}
	repDoc := filepath.Join(dir, "vertretung.txt")
	os.WriteFile(repDoc, bytes.Repeat([]byte(contentMarker+"-vertretung\n"), 1000), 0o600)
	bob.upload(repDoc, "--category", "letters", "--title", titleMarker+"-vertretung", "--record", rid)
	// With grants in place (issue 14): a practice reads the finding with
	// its grant's key and adds a letter of its own through the inbox; a
	// category is hidden from it.
	praxis := newUser(t, srv, "praxis@example.org")
	praxis.verifiedProvider("Praxis am Markt", "1-20000009")
	praxis.login()
	alice.ok("grant", "add", "--provider", praxis.Account, "--category", "findings", "--write")
	alice.ok("hide", "--provider", praxis.Account, "--category", "letters")
	if out := praxis.ok("get", id, "--record", rid, "-o", "-"); !strings.Contains(out, contentMarker) {
		t.Fatal("the practice's download lacks the marker")
	}
	letterMarker := "BRIEF-MARKER-Koronarangiographie-5d21e0"
	q := filepath.Join(dir, "arztbrief.txt")
	os.WriteFile(q, bytes.Repeat([]byte(letterMarker+"\n"), 1000), 0o600)
	praxis.upload(q, "--record", rid, "--category", "findings", "--title", letterMarker, "--source", letterMarker)
	if out := alice.ok("ls", "--json"); !strings.Contains(out, letterMarker) {
		t.Fatalf("the patient's listing lacks the practice's letter: %s", out)
	}
	// With shares in place (issue 15): a link with a password and an
	// access code without one, opened by a recipient without an account.
	var shared struct{ Link string }
	out, errs, code := alice.run("", []string{"AKTE_SHARE_PASSWORD=Zweitmeinung-42"}, "share", "create", id, "--json")
	if code != 0 || json.Unmarshal([]byte(out), &shared) != nil {
		t.Fatalf("share create: %s %s", out, errs)
	}
	alice.ok("share", "create", id, "--code", "--no-password")
	stranger := newUser(t, srv, "fremd@example.org")
	if out, errs, code := stranger.run("", []string{"AKTE_SHARE_PASSWORD=Zweitmeinung-42"}, "share", "open", shared.Link, "-o", t.TempDir(), "--json"); code != 0 {
		t.Fatalf("share open: %s %s", out, errs)
	}
	// A connected app pushes a FHIR bundle and a PDF into the inbox, the
	// insurer a receipt (decision 0043); one of them is filed at the
	// patient's next login, the others wait sealed to the record key.
	appMarker := "APP-MARKER-Langzeitzucker-c41d07"
	cred, appID := registerParty(t, srv, "app", "Zucker-Tagebuch")
	var conn struct {
		RecordFingerprint string `json:"record_fingerprint"`
	}
	alice.okJSON(&conn, "app", "connect", appID, "--yes")
	app := partyUser(t, srv, cred)
	app.ok("push", fhirBundle(t, dir, appMarker), "--record", rid, "--fingerprint", conn.RecordFingerprint, "--title", appMarker)
	alice.ok("login", "--email", alice.Email, "--totp", alice.code())
	app.ok("push", pdfFile(t, dir, appMarker), "--record", rid, "--title", appMarker)
	if out := alice.ok("ls", "--json"); strings.Count(out, appMarker) != 2 {
		t.Fatalf("the patient's listing lacks the app's items: %s", out)
	}
	// Stop the server so that the WAL is checkpointed into the database
	// file too; then scan every file of the data directory (and the
	// database dump and every object on PostgreSQL + S3).
	srv.stop()
	files := srv.atRest(func(path string, b []byte) {
		for _, m := range []string{contentMarker, titleMarker, "Herzkatheter", "befund.txt", "vertretung.txt", letterMarker, "Koronarangiographie", "arztbrief.txt", appMarker, "Langzeitzucker", "messwerte.json", "bericht.pdf"} {
			if bytes.Contains(b, []byte(m)) {
				t.Errorf("%s contains %q", path, m)
			}
		}
	})
	if files < 3 {
		t.Fatalf("scanned only %d files", files)
	}
}

// proxy forwards TCP connections to target and can cut them: after cutAt
// bytes from client to server it closes every connection, and while down
// it refuses new ones.
type proxy struct {
	ln     net.Listener
	target string
	sent   atomic.Int64 // client-to-server bytes forwarded
	cutAt  atomic.Int64 // 0: never
	down   atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: strings.TrimPrefix(target, "http://")}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if p.down.Load() {
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() {
				buf := make([]byte, 32<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						total := p.sent.Add(int64(n))
						if at := p.cutAt.Load(); at > 0 && total >= at {
							p.cutAt.Store(0)
							p.down.Store(true)
							p.cut()
							return
						}
						if _, werr := s.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						s.Close()
						return
					}
				}
			}()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) URL() string { return "http://" + p.ln.Addr().String() }

func TestDocumentResume(t *testing.T) {
	const chunk = 2 << 20
	srv := startServer(t, "", []string{"--chunk-size", "2MiB"})
	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	px := newProxy(t, srv.URL)
	via := *alice
	via.srv = &server{t: t, URL: px.URL(), Data: srv.Data, remote: srv.remote}
	dir := t.TempDir()
	p := filepath.Join(dir, "mrt.bin")
	const size = 40 << 20
	sum := writeRandom(t, p, size, 42)
	args := []string{"upload", p, "--category", "images", "--title", "MRT Knie", "--json"}

	// The connection is cut after about 18 MiB and stays down: the
	// client gives up, keeping its resume state.
	px.cutAt.Store(18 << 20)
	_, errs, code := via.run("", []string{"AKTE_RETRIES=2"}, args...)
	if code == 0 {
		t.Fatal("upload through a dead connection succeeded")
	}
	t.Logf("first attempt: %s", strings.TrimSpace(errs))
	before := srv.chunkBlobs()
	if len(before) == 0 || len(before) >= size/chunk {
		t.Fatalf("%d chunks stored before the cut, want some but not all", len(before))
	}
	if alice.ls() != nil && len(alice.ls()) != 0 {
		t.Fatal("a partial upload is listed")
	}

	// Resumed: only the missing chunks travel, the stored ones are not
	// written again, and the item is the same file.
	px.down.Store(false)
	sentBefore := px.sent.Load()
	out, errs, code := via.run("", nil, args...)
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	var res []struct{ ID string }
	json.Unmarshal([]byte(out), &res)
	resent := px.sent.Load() - sentBefore
	missing := int64(size) - int64(len(before))*chunk
	// Slack: HTTP headers and the stream's overhead, and one chunk whose
	// first try failed on a loaded machine and was retried. What must
	// never happen — a stored chunk written again — is checked below, and
	// the store must hold exactly one ciphertext.
	if slack := int64(chunk) + 64<<10; resent > missing+slack {
		t.Errorf("resume sent %d bytes, but only %d were missing", resent, missing)
	}
	after := srv.chunkBlobs()
	for k, b := range before {
		if after[k].ID != b.ID {
			t.Errorf("chunk %s was stored again", k)
		}
	}
	var stored int64
	for _, b := range after {
		stored += b.Size
	}
	if want := int64(size) + 77 + 16*(size>>20); stored != want {
		t.Errorf("blob store holds %d bytes, want exactly the ciphertext %d", stored, want)
	}
	got := filepath.Join(dir, "back.bin")
	alice.ok("get", res[0].ID, "-o", got)
	if fileSum(t, got) != sum {
		t.Fatal("resumed item differs from the file")
	}
	if ls := alice.ls(); len(ls) != 1 {
		t.Errorf("ls after resume: %+v", ls)
	}
	t.Logf("cut after %d chunks; resume sent %d of %d bytes", len(before), resent, size)
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (s *server) kill() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

func TestDocumentCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the server 50 times")
	}
	addr := freePort(t)
	data := t.TempDir()
	args := []string{"--addr", addr, "--chunk-size", "256KiB"}
	srv := startServer(t, data, args)
	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	dir := t.TempDir()

	var mu sync.Mutex
	acked := map[string]string{} // item id -> sha256 of the file
	stop := make(chan struct{})
	var running sync.Map // *exec.Cmd of clients
	var wg sync.WaitGroup
	uploadOnce := func(path string) (string, bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, akteBin, "upload", path, "--category", "findings", "--json")
		cmd.Env = append(os.Environ(), append(alice.env(), "AKTE_RETRIES=40")...)
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Error(err)
			return "", false
		}
		running.Store(cmd, true)
		err := cmd.Wait()
		running.Delete(cmd)
		if err != nil {
			return "", false
		}
		var res []struct{ ID string }
		if json.Unmarshal(out.Bytes(), &res) != nil || len(res) != 1 {
			t.Errorf("upload output %q", out.String())
			return "", false
		}
		return res[0].ID, true
	}
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 1))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p := filepath.Join(dir, fmt.Sprintf("w%d-%d.bin", w, i))
				sum := writeRandom(t, p, rnd.Int64N(3<<20), uint64(w*1000+i))
				if id, ok := uploadOnce(p); ok {
					mu.Lock()
					acked[id] = sum
					mu.Unlock()
				}
				// A failed upload is left as it is: the server may hold
				// a partial upload, which the cleanup job must remove.
			}
		}()
	}
	rnd := rand.New(rand.NewPCG(99, 1))
	start := time.Now()
	for k := range 50 {
		time.Sleep(time.Duration(150+rnd.IntN(350)) * time.Millisecond)
		srv.kill()
		if k == 49 {
			break
		}
		srv = startServer(t, data, args)
	}
	// Stop the workers: kill the clients still running (leaving their
	// partial uploads), and let the loops end.
	close(stop)
	running.Range(func(k, _ any) bool { k.(*exec.Cmd).Process.Kill(); return true })
	wg.Wait()
	t.Logf("50 kills in %v; %d uploads acknowledged", time.Since(start).Round(time.Second), len(acked))
	if len(acked) < 20 {
		t.Errorf("only %d uploads acknowledged", len(acked))
	}

	// With the server down (the last one was killed while holding the
	// jobs lease), the operator runs the jobs with a short upload expiry:
	// they remove the partial uploads. Then the server comes back.
	time.Sleep(50 * time.Millisecond)
	runAs(t, srv, append([]string{"admin", "run-jobs", "--upload-expiry", "1ms", "--operator", "olga"}, srv.adminArgs()...)...)
	srv = startServer(t, data, args)
	alice.srv = srv
	items := alice.ls()
	listed := map[string]bool{}
	for _, it := range items {
		listed[it.ID] = true
	}
	for id := range acked {
		if !listed[id] {
			t.Errorf("acknowledged item %s is not listed", id)
		}
	}
	// Every listed item downloads and verifies; acknowledged ones match.
	for _, it := range items {
		out := filepath.Join(dir, "get-"+it.ID)
		alice.ok("get", it.ID, "-o", out)
		if sum, ok := acked[it.ID]; ok && fileSum(t, out) != sum {
			t.Errorf("item %s differs from its file", it.ID)
		}
		os.Remove(out)
	}
	// Leftovers are gone: every chunk belongs to a listed item, no
	// temporary blob file remains.
	for k := range srv.chunkBlobs() {
		if id := strings.Split(k, "/")[3]; !listed[id] {
			t.Errorf("leftover chunk %s", k)
		}
	}
	if n := srv.unfinishedBlobs(); n != 0 {
		t.Errorf("%d temporary blob files or unfinished multipart uploads remain", n)
	}
	t.Logf("%d items listed, %d acknowledged", len(items), len(acked))
}

// makeSparse creates a file of n bytes that is mostly a hole, with a
// deterministic 1 MiB pattern every 64 MiB, and returns its SHA-256.
func makeSparse(t *testing.T, path string, n int64) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(n); err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 1<<20)
	r := rand.NewChaCha8([32]byte{7})
	r.Read(block)
	for off := int64(0); off+int64(len(block)) <= n; off += 64 << 20 {
		if _, err := f.WriteAt(block, off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	return fileSum(t, path)
}

// runMeasured runs a client command and returns its peak RSS in KiB. It
// polls VmHWM (the high-water mark of the process's own memory) while the
// process runs: the rusage from wait is no use here, because Linux records
// the parent's high-water mark in the child's maxrss when the child execs
// out of a vfork, so a big test process would be blamed on the client.
func (u *user) runMeasured(args ...string) (int64, time.Duration) {
	u.t.Helper()
	cmd := exec.Command(akteBin, args...)
	cmd.Env = append(os.Environ(), u.env()...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		u.t.Fatal(err)
	}
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		for {
			b, err := os.ReadFile(status)
			if err != nil {
				return // exited
			}
			for _, l := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(l, "VmHWM:") {
					var kb int64
					fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:")), "%d", &kb)
					if kb > peak.Load() {
						peak.Store(kb)
					}
				}
				if strings.HasPrefix(l, "State:") && strings.Contains(l, "zombie") {
					return
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	err := cmd.Wait()
	<-done
	if err != nil {
		u.t.Fatalf("akte %v: %v\n%s", args, err, out.String())
	}
	if peak.Load() == 0 {
		u.t.Fatalf("akte %v: no VmHWM read", args)
	}
	return peak.Load(), time.Since(start)
}

// peakRSS reads VmHWM of a running process in KiB.
func peakRSS(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:")), "%d", &kb)
			return kb
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

func TestDocumentLargeMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 2 GiB up and down")
	}
	srv := startServer(t, "", []string{"--quota", "3GiB"})
	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	dir := t.TempDir()
	p := filepath.Join(dir, "ct.bin")
	const size = 2 << 30
	sum := makeSparse(t, p, size)
	upRSS, upTime := alice.runMeasured("upload", p, "--category", "images", "--json")
	os.Remove(p)
	items := alice.ls()
	if len(items) != 1 || items[0].Size != size {
		t.Fatalf("ls = %+v", items)
	}
	out := filepath.Join(dir, "back.bin")
	downRSS, downTime := alice.runMeasured("get", items[0].ID, "-o", out)
	got := fileSum(t, out)
	os.Remove(out)
	if got != sum {
		t.Fatal("2 GiB round trip: content differs")
	}
	srvRSS := peakRSS(t, srv.cmd.Process.Pid)
	mb := func(kb int64) float64 { return float64(kb) / 1024 }
	rate := func(d time.Duration) float64 { return float64(size) / d.Seconds() / 1e6 }
	t.Logf("2 GiB: upload %.1f s (%.0f MB/s), client peak RSS %.1f MiB; download %.1f s (%.0f MB/s), client peak RSS %.1f MiB; server peak RSS %.1f MiB",
		upTime.Seconds(), rate(upTime), mb(upRSS), downTime.Seconds(), rate(downTime), mb(downRSS), mb(srvRSS))
	for what, kb := range map[string]int64{"upload client": upRSS, "download client": downRSS, "server": srvRSS} {
		if kb > 100<<10 {
			t.Errorf("%s peak RSS %.1f MiB, want under 100 MiB", what, mb(kb))
		}
	}
}
