package main

// End-to-end tests of the HTTP edge (issue 9, docs/security.md "Transport
// and HTTP edge"): each drives the real binary over HTTP.

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	servercmd "github.com/akte/akte/internal/server"
)

// loopbackClient is an HTTP client whose connections come from the
// loopback address 127.0.0.n.
func loopbackClient(n int) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(n))}, Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}, Timeout: 30 * time.Second}
}

// send makes a request with the headers from 127.0.0.n and returns status
// and body.
func send(t *testing.T, n int, method, url, body string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := loopbackClient(n).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestTrustedProxies: behind a reverse proxy on loopback that appends the
// client's address to X-Forwarded-For, as nginx's $proxy_add_x_forwarded_for
// does, client X's failed logins (to another account, with a forged
// X-Forwarded-For naming Y) throttle X, not client Y, whose correct login
// goes through at once. A client that is not the proxy is not believed.
func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", []string{"--trusted-proxies", "127.0.0.1/32"})
	target, _ := url.Parse(srv.URL)
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
		pr.SetXForwarded()
	}})
	t.Cleanup(proxy.Close)

	y := newUser(t, srv, "yvonne@example.org")
	y.register(testKVNR)
	viaProxy := *y
	viaProxy.srv = &server{t: t, URL: proxy.URL, Data: srv.Data, remote: srv.remote}

	secret := base64.StdEncoding.EncodeToString(make([]byte, 32))
	login := func(n int, url, email string, headers ...string) (int, string) {
		return send(t, n, "POST", url+"/api/v1/sessions",
			`{"email":"`+email+`","login_secret":"`+secret+`","totp":"123456","device_id":"device-0001","device_name":"Test"}`,
			append([]string{"Content-Type", "application/json"}, headers...)...)
	}
	// X (127.0.0.2) fails 5 times through the proxy, claiming to be Y
	// (127.0.0.1); the proxy appends X's real address. The 6th attempt is
	// delayed: the server counts X's failures under X's address.
	for i := range 6 {
		st, body := login(2, proxy.URL, "xaver@example.org", "X-Forwarded-For", "127.0.0.1")
		want := http.StatusUnauthorized
		if i == 5 {
			want = http.StatusTooManyRequests
		}
		if st != want {
			t.Fatalf("X's attempt %d: %d %s, want %d", i+1, st, body, want)
		}
	}
	// Y (127.0.0.1) logs in through the proxy at once.
	viaProxy.login()
	// Another client straight to the server, not a trusted proxy, names
	// X in X-Forwarded-For: not believed, its own address counts.
	if st, body := login(3, srv.URL, "zora@example.org", "X-Forwarded-For", "127.0.0.2"); st != http.StatusUnauthorized {
		t.Fatalf("untrusted client with X-Forwarded-For: %d %s, want 401 (its own address, not X's)", st, body)
	}
	// The session records Y's address as the proxy reported it.
	var sessions []struct {
		ClientAddr string `json:"client_addr"`
		Current    bool   `json:"current"`
	}
	viaProxy.okJSON(&sessions, "sessions")
	for _, s := range sessions {
		if s.Current && s.ClientAddr != "127.0.0.1" {
			t.Errorf("session client address %q", s.ClientAddr)
		}
	}
}

// TestSlowClients: 300 connections that send a request body one byte
// every 10 s leave /healthz answering within 1 s, on a server that has only
// 256 file descriptors (so 300 held connections would exhaust it). The
// connections come from ten addresses, 30 each: the bound per address
// (set to 20 here) closes the excess at once, and the minimum body rate
// (window shortened to 2 s here) ends the others, which the attacker opens
// again at once.
func TestSlowClients(t *testing.T) {
	t.Parallel()
	const window = 2 * time.Second
	// Environment, not flags, so that a server without these settings
	// starts and fails the test by its behaviour.
	srv := startServerSh(t, "", "ulimit -n 256;", nil, "AKTE_BODY_RATE_WINDOW="+window.String(), "AKTE_MAX_CONNS_PER_ADDR=20")
	host := strings.TrimPrefix(srv.URL, "http://")
	ctx, cancel := context.WithTimeout(t.Context(), 12*time.Second)
	defer cancel()

	var refused, cut, longest atomic.Int64 // connections closed at once; answered 408 or closed later; longest life in ms
	var wg sync.WaitGroup
	attack := func(n int) {
		defer wg.Done()
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(n))}, Timeout: 2 * time.Second}
		for ctx.Err() == nil {
			c, err := d.DialContext(ctx, "tcp", host)
			if err != nil {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			start := time.Now()
			fmt.Fprintf(c, "POST /api/v1/prelogin HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{", host)
			ended := false
			for !ended && ctx.Err() == nil {
				c.SetReadDeadline(time.Now().Add(min(10*time.Second, time.Until(deadlineOf(ctx)))))
				buf := make([]byte, 64)
				_, err := c.Read(buf)
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					c.Write([]byte(" ")) // one byte every 10 s
					continue
				}
				ended = true
			}
			life := time.Since(start)
			c.Close()
			if !ended {
				return
			}
			if life < 200*time.Millisecond {
				refused.Add(1)
				time.Sleep(200 * time.Millisecond) // do not spin on a refusing server
			} else {
				cut.Add(1)
			}
			for ms := life.Milliseconds(); ms > longest.Load(); {
				if longest.CompareAndSwap(longest.Load(), ms) {
					break
				}
			}
		}
	}
	for n := 20; n < 30; n++ {
		for range 30 {
			wg.Add(1)
			go attack(n)
		}
	}
	time.Sleep(time.Second) // let the attack build up

	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	probes, failed := 0, []string{}
	for ctx.Err() == nil && probes < 40 {
		probes++
		start := time.Now()
		resp, err := hc.Get(srv.URL + "/healthz")
		if err != nil {
			failed = append(failed, err.Error())
		} else {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed = append(failed, resp.Status)
			}
		}
		time.Sleep(max(0, 200*time.Millisecond-time.Since(start)))
	}
	cancel()
	wg.Wait()
	t.Logf("healthz %d probes, %d failed; attack connections: %d refused at once, %d cut, longest %d ms", probes, len(failed), refused.Load(), cut.Load(), longest.Load())
	if len(failed) > 0 || probes < 20 {
		t.Errorf("/healthz did not answer within 1 s under the attack: %d of %d probes failed: %v", len(failed), probes, failed[:min(len(failed), 5)])
	}
	if refused.Load() == 0 {
		t.Error("no connection beyond the bound per address was refused")
	}
	if cut.Load() < 100 {
		t.Errorf("only %d slow bodies were cut", cut.Load())
	}
	if longest.Load() > (window + 3*time.Second).Milliseconds() {
		t.Errorf("a slow body was held %d ms, the window is %v", longest.Load(), window)
	}
	if strings.Contains(srv.logs.String(), `"level":"ERROR"`) {
		t.Errorf("the attack caused errors in the log:\n%.3000s", srv.logs.String())
	}
}

func deadlineOf(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// TestCrossSiteCookie: a forged cross-site form POST with the session
// cookie is refused (403, reason cross_site) and changes nothing; the
// same request from the app's origin, or with the bearer token, works.
func TestCrossSiteCookie(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "csrf@example.org")
	u.register(testKVNR)
	u.login()
	token, device := u.state().Token, u.state().DeviceID
	cookie := "akte_session=" + token
	block := srv.URL + "/api/v1/devices/" + device + "/block"
	st, body := send(t, 1, "POST", block, "x=1", "Cookie", cookie, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site", "Content-Type", "text/plain")
	var e struct {
		Error struct{ Code, Reason, Message string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); st != http.StatusForbidden || err != nil || e.Error.Reason != "cross_site" || e.Error.Message == "" {
		t.Fatalf("cross-site POST with the cookie: %d %s, want 403 cross_site", st, body)
	}
	u.ok("whoami") // the device is not blocked
	rename := srv.URL + "/api/v1/devices/" + device
	for _, h := range [][]string{
		{"Cookie", cookie, "Origin", srv.URL, "Sec-Fetch-Site", "same-origin"},
		{"Cookie", cookie, "Origin", srv.URL},
		{"Authorization", "Bearer " + token, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"},
	} {
		if st, body := send(t, 1, "PATCH", rename, `{"name":"Laptop"}`, append(h, "Content-Type", "application/json")...); st != http.StatusOK {
			t.Errorf("%v: %d %s", h, st, body)
		}
	}
}

// TestMailboxAndMetrics: the development mailbox answers only a loopback
// Host (DNS rebinding sends another), and /metrics is not on the public
// listener but on its own.
func TestMailboxAndMetrics(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "mailbox@example.org")
	u.register(testKVNR)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	for host, want := range map[string]int{"evil.example": 404, "evil.example:" + port: 404, "127.0.0.1:" + port: 200, "localhost:" + port: 200} {
		st, body := send(t, 1, "GET", srv.URL+"/api/v1/dev/mailbox", "", "Host", host)
		if st != want {
			t.Errorf("mailbox with Host %s: %d, want %d", host, st, want)
		}
		if want == 404 && strings.Contains(body, u.Email) {
			t.Errorf("mailbox with Host %s shows the mail", host)
		}
	}
	if st, body := get(t, srv.URL+"/metrics"); st != http.StatusNotFound || strings.Contains(body, "akte_http") {
		t.Errorf("/metrics on the public listener: %d", st)
	}
	if srv.MetricsURL == "" || strings.HasPrefix(srv.MetricsURL, srv.URL) {
		t.Fatalf("metrics URL %q", srv.MetricsURL)
	}
	st, body := get(t, srv.MetricsURL)
	if st != http.StatusOK || !strings.Contains(body, `akte_http_requests_total{code="404",route="GET /api/v1/dev/mailbox"}`) {
		t.Errorf("metrics listener: %d %.2000s", st, body)
	}
	// off disables it; the default address is loopback.
	off := startServer(t, "", []string{"--metrics-addr", "off"})
	if off.MetricsURL != "" {
		t.Errorf("--metrics-addr off: metrics at %s", off.MetricsURL)
	}
	if servercmd.DefaultConfig().MetricsAddr != "127.0.0.1:9464" {
		t.Errorf("default metrics address %s", servercmd.DefaultConfig().MetricsAddr)
	}
}

// TestJSONKeysExact: a key that differs from a field's name only in case
// is refused, with the real one or alone.
func TestJSONKeysExact(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	for _, body := range []string{`{"email":"ghost@example.org","EMAIL":"alice@example.org"}`, `{"EMAIL":"alice@example.org"}`, `{"Email":"alice@example.org"}`} {
		st, resp := postRaw(t, srv.URL+"/api/v1/prelogin", "application/json", body)
		if st != http.StatusBadRequest || !strings.Contains(resp, `"code":"invalid"`) {
			t.Errorf("%s: %d %s, want 400 invalid", body, st, resp)
		}
	}
	if st, resp := postRaw(t, srv.URL+"/api/v1/prelogin", "application/json", `{"email":"alice@example.org"}`); st != http.StatusOK {
		t.Errorf("exact key: %d %s", st, resp)
	}
}

// TestFilesPrivate: under a data directory created 0755 and with umask 000
// for server and client, every file the server and the CLI create is 0600
// and every directory 0700, and the server warns about the open directory.
func TestFilesPrivate(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(data, 0o755)
	srv := startServerSh(t, data, "umask 000;", nil)
	u := newUser(t, srv, "private@example.org")
	u.Home = filepath.Join(t.TempDir(), "home") // the CLI creates it
	u.Sh = "umask 000;"
	u.register(testKVNR)
	u.login()
	doc := filepath.Join(t.TempDir(), "befund.txt")
	os.WriteFile(doc, []byte(strings.Repeat("Befund\n", 1000)), 0o600)
	u.ok("upload", doc, "--category", "findings", "--title", "Befund")
	u.ok("recovery-key", "--qr", filepath.Join(u.Home, "key.png"))
	u.ok("recovery-key", "--json", "--qr", filepath.Join(u.Home, "key2.png"))

	check := func(root string, rootMode fs.FileMode) (files int) {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			fi, _ := d.Info()
			want := fs.FileMode(0o600)
			switch {
			case p == root:
				want = rootMode
			case d.IsDir():
				want = 0o700
			default:
				files++
			}
			if fi.Mode().Perm() != want {
				t.Errorf("%s: mode %#o, want %#o", p, fi.Mode().Perm(), want)
			}
			return nil
		})
		return files
	}
	if srv.remote == nil {
		for _, f := range []string{"akte.db", "akte.db-wal", "akte.db-shm", "blobs", "outbox"} {
			if _, err := os.Stat(filepath.Join(data, f)); err != nil {
				t.Errorf("data directory lacks %s", f)
			}
		}
	}
	// SQLite's three files, blobs and mails; with PostgreSQL and S3 the
	// outbox alone.
	if n := check(data, 0o755); n < 5 && srv.remote == nil || n < 1 {
		t.Errorf("only %d files in the data directory", n)
	}
	if n := check(u.Home, 0o700); n < 3 {
		t.Errorf("only %d files in AKTE_HOME", n)
	}
	if !strings.Contains(srv.logs.String(), `"level":"WARN","msg":"data directory is accessible to other users`) {
		t.Errorf("no warning about the 0755 data directory:\n%s", srv.logs.String())
	}
}

// TestRangeAndHangUp: a range that starts at the end answers 416 with the
// size; clients that hang up mid-chunk or mid-download are logged at info
// and not counted as server errors.
func TestRangeAndHangUp(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "range@example.org")
	u.register(testKVNR)
	u.login()
	doc := filepath.Join(t.TempDir(), "mrt.bin")
	writeRandom(t, doc, 12<<20, 7)
	u.ok("upload", doc, "--category", "images", "--title", "MRT")
	var items []struct {
		ID             string `json:"id"`
		CiphertextSize int64  `json:"ciphertext_size"`
	}
	u.okJSON(&items, "ls")
	if len(items) != 1 || items[0].CiphertextSize == 0 {
		t.Fatalf("ls: %+v", items)
	}
	id, size, token := items[0].ID, items[0].CiphertextSize, u.state().Token
	rp := "/api/v1/records/" + u.state().RecordID
	content := srv.URL + rp + "/items/" + id + "/content"
	ranged := func(r string) *http.Response {
		req, _ := http.NewRequest("GET", content, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Range", r)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for _, r := range []string{fmt.Sprintf("bytes=%d-", size), fmt.Sprintf("bytes=%d-", size+100), fmt.Sprintf("bytes=%d-%d", size, size+10)} {
		if resp := ranged(r); resp.StatusCode != http.StatusRequestedRangeNotSatisfiable || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", size) {
			t.Errorf("%s: %d, Content-Range %q; want 416, bytes */%d", r, resp.StatusCode, resp.Header.Get("Content-Range"), size)
		}
	}
	if resp := ranged(fmt.Sprintf("bytes=%d-", size-1)); resp.StatusCode != http.StatusPartialContent || resp.ContentLength != 1 {
		t.Errorf("last byte: %d, %d bytes", resp.StatusCode, resp.ContentLength)
	}

	// A download the client drops after the first bytes.
	req, _ := http.NewRequest("GET", content, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadFull(resp.Body, make([]byte, 1000))
	resp.Body.Close()

	// A chunk upload the client drops halfway.
	st, body := send(t, 1, "POST", srv.URL+rp+"/uploads",
		`{"id":"hangup00000000001","category":"findings","key_version":1,"size":2000000,"meta_sealed":"AAAA","key_slot":"AAAA"}`,
		"Content-Type", "application/json", "Authorization", "Bearer "+token)
	if st != http.StatusCreated {
		t.Fatalf("create upload: %d %s", st, body)
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "PUT %s/uploads/hangup00000000001/chunks/0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/octet-stream\r\nContent-Length: 2000000\r\n\r\n", rp, token)
	c.Write(make([]byte, 1000000))
	time.Sleep(200 * time.Millisecond)
	c.Close()

	// Both show in the metrics as 499 and in the log at info only.
	counts := func() map[string]int {
		_, m := get(t, srv.MetricsURL)
		out := map[string]int{}
		sc := bufio.NewScanner(strings.NewReader(m))
		for sc.Scan() {
			l := sc.Text()
			if !strings.HasPrefix(l, "akte_http_requests_total{") {
				continue
			}
			code := l[strings.Index(l, `code="`)+6:][:3]
			route := l[strings.Index(l, `route="`)+7:]
			route = route[:strings.Index(route, `"`)]
			n, _ := strconv.Atoi(l[strings.LastIndex(l, " ")+1:])
			out[route+" "+code] += n
		}
		return out
	}
	want := []string{"GET /api/v1/records/{rid}/items/{id}/content 499", "PUT /api/v1/records/{rid}/uploads/{id}/chunks/{n} 499"}
	var got map[string]int
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		got = counts()
		if got[want[0]] == 1 && got[want[1]] == 1 || time.Now().After(deadline) {
			break
		}
	}
	for _, w := range want {
		if got[w] != 1 {
			t.Errorf("metrics: %s counted %d times, want 1 (all: %v)", w, got[w], got)
		}
	}
	for k := range got {
		if strings.HasSuffix(k, " 500") || strings.HasSuffix(k, " 503") {
			t.Errorf("metrics count a server error: %s", k)
		}
	}
	logs := srv.logs.String()
	if strings.Contains(logs, `"level":"ERROR"`) || strings.Count(logs, `"level":"INFO","msg":"client went away"`) != 2 {
		t.Errorf("log:\n%s", logs)
	}
}
