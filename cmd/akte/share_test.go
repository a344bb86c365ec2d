package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/akte/akte/client/core"
	"github.com/akte/akte/wire"
)

type shareOut struct {
	Share wire.Share `json:"share"`
	Link  string     `json:"link"`
	Code  string     `json:"code"`
}

// TestShares: a patient shares two documents by link with a password and
// one by printed access code; a recipient without an account opens both
// and gets the bytes; a wrong password, a revoked share and an unknown
// code answer alike; ten wrong passwords lock a share and tell the
// patient; the view log shows the openings; the server's request log
// never holds a secret.
func TestShares(t *testing.T) {
	srv := startServer(t, "", []string{"--log-level", "debug"})
	pat := newUser(t, srv, "teilen@example.org")
	pat.register(testKVNR)
	pat.login()
	dir := t.TempDir()
	f1, f2 := filepath.Join(dir, "befund.pdf"), filepath.Join(dir, "bild.jpg")
	writeRandom(t, f1, 300_000, 11)
	writeRandom(t, f2, 5_000, 12)
	id1 := pat.upload(f1, "--category", "findings", "--title", "Befund")
	id2 := pat.upload(f2, "--category", "findings", "--title", "Bild")

	const pw = "Zweitmeinung-Herbst-77"
	withPW := []string{"AKTE_SHARE_PASSWORD=" + pw}
	create := func(env []string, args ...string) shareOut {
		t.Helper()
		out, errs, code := pat.run("", env, append(append([]string{"share", "create"}, args...), "--json")...)
		if code != 0 {
			t.Fatalf("share create %v: %s", args, errs)
		}
		var s shareOut
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	link := create(withPW, id1, id2)
	if !strings.HasPrefix(link.Link, srv.URL+"/freigabe#") || link.Code != "" || link.Share.State != "open" || !link.Share.Password {
		t.Fatalf("link share: %+v", link)
	}

	// The recipient: another installation, never logged in.
	rcp := newUser(t, srv, "empfaenger@example.org")
	open := func(env []string, what string, args ...string) (string, string, int) {
		t.Helper()
		return rcp.run("", env, append([]string{"share", "open", what, "--json"}, args...)...)
	}
	got := t.TempDir()
	out, errs, code := open(withPW, link.Link, "-o", got)
	if code != 0 {
		t.Fatalf("share open: %s", errs)
	}
	var files []struct{ ID, File string }
	json.Unmarshal([]byte(out), &files)
	if len(files) != 2 {
		t.Fatalf("opened %s", out)
	}
	for _, f := range files {
		want := map[string]string{id1: f1, id2: f2}[f.ID]
		if !bytes.Equal(read(t, want), read(t, f.File)) {
			t.Errorf("%s differs from %s", f.File, want)
		}
	}

	// A wrong password, an unknown link and (below) a revoked share: one
	// answer.
	_, wrongPW, _ := open([]string{"AKTE_SHARE_PASSWORD=falsch-falsch"}, link.Link)
	unknown := core.ShareLink(srv.URL, core.NewShareSecret(false).Text)
	_, unknownLink, _ := open(withPW, unknown)
	if !says(wrongPW, "share_unavailable", nil) || wrongPW != unknownLink {
		t.Fatalf("wrong password: %q, unknown link: %q", wrongPW, unknownLink)
	}

	// --expires more than a year ahead is refused.
	if _, errs, code := pat.run("", withPW, "share", "create", id2, "--code", "--expires", "2099-01-01"); code == 0 || !says(errs, "share_expiry_too_far", map[string]any{"days": 366}) {
		t.Fatalf("a share for 73 years: %d %s", code, errs)
	}

	// A printed access code, with its sheet.
	sheet := filepath.Join(dir, "code.pdf")
	code1 := create(withPW, id2, "--code", "--sheet", sheet)
	if !regexp.MustCompile(`^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$`).MatchString(code1.Code) {
		t.Fatalf("code %q", code1.Code)
	}
	if txt, err := exec.Command("pdftotext", sheet, "-").Output(); err == nil && !strings.Contains(string(txt), code1.Code) {
		t.Errorf("the sheet lacks the code:\n%s", txt)
	} else if err != nil && !os.IsNotExist(err) {
		t.Logf("pdftotext: %v", err)
	}
	got2 := t.TempDir()
	typed := strings.ToLower(strings.ReplaceAll(code1.Code, "-", " ")) // as a person types it
	if out, errs, code := open(withPW, typed, "-o", got2); code != 0 || !strings.Contains(out, id2) {
		t.Fatalf("open by code: %s %s", out, errs)
	}
	if !bytes.Equal(read(t, f2), read(t, filepath.Join(got2, "bild.jpg"))) {
		t.Error("the item opened by code differs")
	}
	pat.ok("share", "revoke", code1.Share.ID)
	_, revoked, _ := open(withPW, code1.Code)
	_, unknownCode, _ := open(withPW, core.NewShareSecret(true).Text)
	if revoked != wrongPW || unknownCode != wrongPW {
		t.Fatalf("revoked: %q, unknown code: %q, wrong password: %q", revoked, unknownCode, wrongPW)
	}

	// Ten wrong passwords lock a share; the patient gets a mail; the
	// right one no longer opens it.
	lock := create(withPW, id1)
	for i := range 10 {
		if _, errs, _ := open([]string{fmt.Sprintf("AKTE_SHARE_PASSWORD=falsch-%d", i)}, lock.Link); errs != wrongPW {
			t.Fatalf("wrong password %d: %q", i, errs)
		}
	}
	if m := srv.lastMail(pat.Email, "gesperrt"); !strings.Contains(m.Body, "10") {
		t.Errorf("lock mail: %s", m.Body)
	}
	if _, errs, _ := open(withPW, lock.Link); !says(errs, "share_unavailable", nil) && !says(errs, "rate_limited_wait", nil) {
		t.Fatalf("the locked share with the right password: %q", errs)
	}

	// The view log and the states.
	var ls []wire.Share
	pat.okJSON(&ls, "share", "ls")
	state := map[string]wire.Share{}
	for _, s := range ls {
		state[s.ID] = s
	}
	if s := state[link.Share.ID]; s.State != "open" || len(s.Views) != 1 || s.Failures != 1 {
		t.Errorf("link share: %+v", s)
	}
	if s := state[code1.Share.ID]; s.State != "revoked" || len(s.Views) != 1 {
		t.Errorf("code share: %+v", s)
	}
	if s := state[lock.Share.ID]; s.State != "locked" || s.Failures != 10 {
		t.Errorf("locked share: %+v", s)
	}
	if out := pat.ok("audit", "--json"); !strings.Contains(out, "share.lock") || !strings.Contains(out, "share.open") {
		t.Errorf("the protocol lacks the share events")
	}

	// No secret in the server's log.
	logs := srv.logs.String()
	for _, secret := range []string{link.Link[strings.Index(link.Link, "#")+1:], code1.Code, strings.ReplaceAll(code1.Code, "-", ""), lock.Link[strings.Index(lock.Link, "#")+1:], pw} {
		if strings.Contains(logs, secret) {
			t.Errorf("the server log holds the secret %q", secret)
		}
	}
	if !strings.Contains(logs, "/api/v1/shares/open") {
		t.Error("the request log names no share opening (is it on?)")
	}
}

// TestShareCodeGuessing: 1,000 random access codes, sent 20 at a time from
// one address, are all refused, and all but the address's hourly limit
// are refused as too many before anything is checked.
func TestShareCodeGuessing(t *testing.T) {
	srv := startServer(t, "", nil)
	pat := newUser(t, srv, "codes@example.org")
	pat.register(testKVNR)
	pat.login()
	p := filepath.Join(t.TempDir(), "x.pdf")
	writeRandom(t, p, 1000, 3)
	id := pat.upload(p, "--category", "findings", "--title", "X")
	pat.run("", []string{"AKTE_SHARE_PASSWORD=geheim-geheim"}, "share", "create", id, "--code")
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	jobs := make(chan struct{})
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				sec := core.NewShareSecret(true)
				proof := make([]byte, 32)
				rand.Read(proof)
				body, _ := json.Marshal(wire.ShareOpen{ID: core.ShareID(sec.Secret), Proof: proof})
				resp, err := http.Post(srv.URL+"/api/v1/shares/open", "application/json", bytes.NewReader(body))
				if err != nil {
					t.Error(err)
					continue
				}
				resp.Body.Close()
				mu.Lock()
				counts[resp.StatusCode]++
				mu.Unlock()
			}
		}()
	}
	for range 1000 {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	t.Logf("answers: %v", counts)
	if counts[http.StatusNotFound]+counts[http.StatusTooManyRequests] != 1000 || counts[http.StatusNotFound] > 60 || counts[http.StatusTooManyRequests] < 940 {
		t.Fatalf("answers: %v", counts)
	}
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
