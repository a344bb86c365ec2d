package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte/internal/testsrv"
)

// The scale-out acceptance tests: replicas share one PostgreSQL database
// and one S3 bucket and keep nothing of their own. They always run on
// PostgreSQL + S3, whatever AKTE_TEST_BACKEND says.

// startReplica runs `akte serve` on the shared stores, with the mails of
// every replica in one outbox (as one SMTP server would collect them).
func startReplica(t *testing.T, r *remote, outbox string, args ...string) *server {
	t.Helper()
	s := startServer(t, "", append(append(r.args(), "--mail-outbox", outbox), args...))
	s.remote, s.Mailbox = r, outbox
	return s
}

func TestReplicas(t *testing.T) {
	t.Parallel()
	r := newRemote(t)
	// The test server trusts every client, so a password in the URL is
	// accepted and ignored; it must appear in no log.
	const pgPassword = "Geheim-PG-Passwort"
	r.DB = strings.Replace(r.DB, "postgres@", "postgres:"+pgPassword+"@", 1)
	outbox := t.TempDir()
	s1 := startReplica(t, r, outbox, "--chunk-size", "2MiB")
	s2 := startReplica(t, r, outbox, "--chunk-size", "2MiB")
	for _, s := range []*server{s1, s2} {
		if strings.Contains(s.logs.String(), pgPassword) || strings.Contains(s.logs.String(), os.Getenv("AWS_SECRET_ACCESS_KEY")) {
			t.Errorf("the log shows credentials:\n%s", s.logs.String())
		}
	}

	// A session created through one replica works on the other, and a
	// logout through the other ends it on both.
	alice := newUser(t, s1, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	alice.srv = s2
	if out := alice.ok("whoami"); !strings.Contains(out, alice.Email) {
		t.Fatalf("whoami through replica 2: %s", out)
	}
	token := alice.state().Token
	if st := authedStatus(t, s1.URL+"/api/v1/account", token); st != http.StatusOK {
		t.Fatalf("session on replica 1: %d", st)
	}

	// An upload started through replica 1 (the connection is cut after
	// about 9 MiB) is resumed through replica 2 and completes.
	px := newProxy(t, s1.URL)
	via1 := *alice
	via1.srv = &server{t: t, URL: px.URL()}
	dir := t.TempDir()
	p := filepath.Join(dir, "ct.bin")
	const size = 20 << 20
	sum := writeRandom(t, p, size, 7)
	args := []string{"upload", p, "--category", "images", "--title", "CT Thorax", "--json"}
	px.cutAt.Store(9 << 20)
	if _, errs, code := via1.run("", []string{"AKTE_RETRIES=1"}, args...); code == 0 {
		t.Fatal("upload through the cut connection succeeded")
	} else {
		t.Logf("replica 1: %s", strings.TrimSpace(errs))
	}
	stored := len(s1.chunkBlobs())
	if stored == 0 || stored >= size/(2<<20) {
		t.Fatalf("%d chunks stored through replica 1, want some but not all", stored)
	}
	var res []struct{ ID string }
	if err := json.Unmarshal([]byte(alice.ok(args...)), &res); err != nil || len(res) != 1 {
		t.Fatalf("resume through replica 2: %v %+v", err, res)
	}
	alice.srv = s1
	got := filepath.Join(dir, "back.bin")
	alice.ok("get", res[0].ID, "-o", got)
	if fileSum(t, got) != sum {
		t.Fatal("the resumed upload differs from the file")
	}
	if n := len(s2.chunkBlobs()); n != size/(2<<20)+1 {
		t.Errorf("%d chunks stored, want %d", n, size/(2<<20)+1)
	}
	t.Logf("%d of %d chunks stored through replica 1, the rest through replica 2", stored, size/(2<<20)+1)

	// Exactly one replica holds the jobs lease; killed, the other takes
	// the jobs over within a minute.
	const taken = `"msg":"jobs lease taken"`
	var holder, other *server
	deadline := time.Now().Add(30 * time.Second)
	for holder == nil && time.Now().Before(deadline) {
		switch h1, h2 := strings.Contains(s1.logs.String(), taken), strings.Contains(s2.logs.String(), taken); {
		case h1 && h2:
			t.Fatal("both replicas took the jobs lease")
		case h1:
			holder, other = s1, s2
		case h2:
			holder, other = s2, s1
		default:
			time.Sleep(100 * time.Millisecond)
		}
	}
	if holder == nil {
		t.Fatal("no replica took the jobs lease")
	}
	holder.kill()
	killed := time.Now()
	for !strings.Contains(other.logs.String(), taken) {
		if time.Since(killed) > time.Minute {
			t.Fatalf("the other replica did not take the jobs lease within a minute:\n%s", other.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("jobs moved to the other replica %.1f s after the kill", time.Since(killed).Seconds())
	// The survivor still serves the session.
	alice.srv = other
	alice.ok("whoami")
}

// TestPostgresOutage kills PostgreSQL under light load: requests fail
// quickly with 503 "unavailable" while it is down, none leaves a partial
// item, and the same server process serves again once it is back.
func TestPostgresOutage(t *testing.T) {
	t.Parallel()
	pg := testsrv.NewPostgres(t)
	endpoint, _, _, bucket := newRemoteS3(t)
	r := &remote{DB: pg.URL(), Blobs: "s3://" + bucket + "?endpoint=" + url.QueryEscape(endpoint), endpoint: endpoint, bucket: bucket}
	srv := startServer(t, "", r.args())
	srv.remote = r
	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	token := alice.state().Token
	dir := t.TempDir()

	// Light load: one client uploads small documents in a loop, another
	// reads the account; each request's outcome and duration is kept.
	type outcome struct {
		status int
		code   string
		took   time.Duration
	}
	var (
		mu       sync.Mutex
		acked    = map[string]string{}
		outcomes []outcome
		slowest  time.Duration
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := filepath.Join(dir, fmt.Sprintf("doc-%d.bin", i))
			sum := writeRandom(t, p, 300<<10, uint64(i))
			start := time.Now()
			out, _, code := alice.run("", []string{"AKTE_RETRIES=0"}, "upload", p, "--category", "findings", "--json")
			took := time.Since(start)
			var res []struct{ ID string }
			mu.Lock()
			slowest = max(slowest, took)
			if code == 0 && json.Unmarshal([]byte(out), &res) == nil && len(res) == 1 {
				acked[res[0].ID] = sum
			}
			mu.Unlock()
			time.Sleep(100 * time.Millisecond)
		}
	}()
	go func() {
		defer wg.Done()
		c := &http.Client{Timeout: time.Minute}
		for {
			select {
			case <-stop:
				return
			default:
			}
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/account", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			start := time.Now()
			resp, err := c.Do(req)
			o := outcome{took: time.Since(start)}
			if err == nil {
				var body struct {
					Error struct{ Code string } `json:"error"`
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				json.Unmarshal(b, &body)
				o.status, o.code = resp.StatusCode, body.Error.Code
			}
			mu.Lock()
			outcomes = append(outcomes, o)
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
	}()
	counts := func() (ok, unavailable, other int, worst time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		for _, o := range outcomes {
			switch {
			case o.status == http.StatusOK:
				ok++
			case o.status == http.StatusServiceUnavailable && o.code == "unavailable":
				unavailable++
			default:
				other++
				t.Errorf("request during the outage: status %d code %q", o.status, o.code)
			}
			worst = max(worst, o.took)
		}
		outcomes = nil
		return
	}

	time.Sleep(2 * time.Second)
	if ok, _, _, _ := counts(); ok == 0 {
		t.Fatal("no request succeeded before the outage")
	}
	pg.Stop()
	// Requests in flight when PostgreSQL died may have had their answer.
	time.Sleep(500 * time.Millisecond)
	counts()
	down := time.Now()
	time.Sleep(8 * time.Second)
	if st, _ := get(t, srv.URL+"/readyz"); st != http.StatusServiceUnavailable {
		t.Errorf("readyz while PostgreSQL is down: %d, want 503", st)
	}
	ok, unavailable, _, worst := counts()
	t.Logf("while down (%.0f s): %d ok, %d unavailable, slowest %v", time.Since(down).Seconds(), ok, unavailable, worst.Round(time.Millisecond))
	if unavailable == 0 || ok > 0 {
		t.Errorf("while PostgreSQL is down: %d ok, %d unavailable", ok, unavailable)
	}
	if worst > 10*time.Second {
		t.Errorf("a request took %v while PostgreSQL was down", worst)
	}

	pg.Start()
	back := time.Now()
	for {
		if st, _ := get(t, srv.URL+"/readyz"); st == http.StatusOK {
			break
		}
		if time.Since(back) > 30*time.Second {
			t.Fatal("readyz not ready 30 s after PostgreSQL came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("ready again %.1f s after PostgreSQL started", time.Since(back).Seconds())
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()
	if ok, _, _, _ := counts(); ok == 0 {
		t.Error("no request succeeded after PostgreSQL came back")
	}
	mu.Lock()
	t.Logf("%d uploads acknowledged; slowest upload command %v", len(acked), slowest.Round(time.Millisecond))
	if slowest > 45*time.Second {
		t.Errorf("an upload command took %v", slowest)
	}
	mu.Unlock()

	// No partial item: every listed item is an acknowledged upload or
	// one whose acknowledgement the outage swallowed, and each downloads
	// whole; every acknowledged one is listed.
	items := alice.ls()
	listed := map[string]bool{}
	for _, it := range items {
		listed[it.ID] = true
		out := filepath.Join(dir, "get-"+it.ID)
		alice.ok("get", it.ID, "-o", out)
		if sum, ok := acked[it.ID]; ok && fileSum(t, out) != sum {
			t.Errorf("item %s differs from its file", it.ID)
		}
		if fi, _ := os.Stat(out); fi.Size() != 300<<10 {
			t.Errorf("item %s has %d bytes", it.ID, fi.Size())
		}
	}
	for id := range acked {
		if !listed[id] {
			t.Errorf("acknowledged item %s is not listed", id)
		}
	}
	if srv.cmd.ProcessState != nil {
		t.Fatal("the server exited")
	}
}

// newRemoteS3 is a fresh bucket on the shared S3 server, with the
// credentials in the environment of the children.
func newRemoteS3(t *testing.T) (endpoint, access, secret, bucket string) {
	endpoint, access, secret, bucket = testsrv.S3(t)
	s3Env.Do(func() {
		os.Setenv("AWS_ACCESS_KEY_ID", access)
		os.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	})
	return
}
