package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"html"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/akte/akte/internal/mailtest"
	"github.com/akte/akte/web"
)

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "akte test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeTLS(t *testing.T) {
	t.Parallel()
	cert, key, pool := selfSigned(t)
	// The key files come from the environment, the rest from flags.
	srv := startServer(t, "", nil, "AKTE_TLS_CERT="+cert, "AKTE_TLS_KEY="+key)
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("base URL %s", srv.URL)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hsts := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
		t.Errorf("no HSTS over TLS: %q", hsts)
	}
	// TLS 1.1 and a CBC suite under TLS 1.2 are refused.
	for name, cfg := range map[string]*tls.Config{
		"tls1.1":  {RootCAs: pool, MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS11},
		"cbc-1.2": {RootCAs: pool, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}},
	} {
		conn, err := tls.Dial("tcp", strings.TrimPrefix(srv.URL, "https://"), cfg)
		if err == nil {
			conn.Close()
			t.Errorf("%s: handshake succeeded", name)
		}
	}
}

func TestServeConfigAndShutdown(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	outbox := filepath.Join(t.TempDir(), "mails")
	smtpFile := filepath.Join(t.TempDir(), "smtp")
	os.WriteFile(smtpFile, []byte("\n"), 0o600) // empty secret file: stays in outbox mode
	srv := startServer(t, data, []string{"--mail-outbox", outbox, "--base-url", "https://akte.example.org"}, "AKTE_SMTP_FILE="+smtpFile)
	if srv.URL != "https://akte.example.org" {
		t.Fatalf("base URL %q", srv.URL)
	}
	for _, f := range []string{"akte.db", "blobs"} {
		_, err := os.Stat(filepath.Join(data, f))
		if srv.remote == nil && err != nil {
			t.Errorf("data directory lacks %s: %v", f, err)
		}
		if srv.remote != nil && err == nil {
			t.Errorf("data directory has %s although the server uses PostgreSQL and S3", f)
		}
	}
	// SIGTERM shuts down gracefully with exit code 0.
	srv.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- srv.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, srv.logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	if !strings.Contains(srv.logs.String(), `"msg":"stopped"`) {
		t.Errorf("no stop in the log:\n%s", srv.logs.String())
	}

	// Bad configuration fails fast with a message.
	u := &user{t: t, srv: &server{URL: "http://127.0.0.1:1"}, Home: t.TempDir(), Password: "irgendein-langes-Passwort"}
	for _, args := range [][]string{
		{"serve", "--data", data, "--addr", "127.0.0.1:0", "--db", "mysql://x"},
		{"serve", "--data", data, "--addr", "127.0.0.1:0", "--tls-cert", "x.pem"},
		{"serve", "--data", data, "--addr", "256.0.0.1:99999"},
	} {
		if msg := u.fails(args...); !strings.Contains(msg, "Fehler") {
			t.Errorf("%v: %q", args, msg)
		}
	}
	_, errs, code := u.run("", []string{"AKTE_SESSION_IDLE=soon"}, "serve", "--data", data, "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(errs, "AKTE_SESSION_IDLE") {
		t.Errorf("bad duration: %d %s", code, errs)
	}
	_, errs, code = u.run("", []string{"AKTE_LIMIT_REGISTER_ADDR=viele"}, "serve", "--data", data, "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(errs, "AKTE_LIMIT_REGISTER_ADDR") {
		t.Errorf("bad count: %d %s", code, errs)
	}
	if msg := u.fails("serve", "--data", data, "--addr", "127.0.0.1:0", "--limit-mail-recipient", "-1"); !strings.Contains(msg, "--limit-mail-recipient") {
		t.Errorf("negative count: %q", msg)
	}
	for _, bad := range []string{"javascript:alert(1)", "/impressum", "https://user:pw@example.org/", "example.org"} {
		if msg := u.fails("serve", "--data", data, "--addr", "127.0.0.1:0", "--imprint-url", bad); !strings.Contains(msg, "--imprint-url") {
			t.Errorf("imprint %q: %q", bad, msg)
		}
	}
	// A mapping to the health portal that is not one is refused at start.
	dir := t.TempDir()
	for name, bad := range map[string]string{
		"unknown category": `{"astrology": {"de": "https://gesund.bund.de/"}}`,
		"http":             `{"findings": {"de": "http://gesund.bund.de/"}}`,
		"script":           `{"findings": {"de": "javascript:alert(1)"}}`,
		"no German":        `{"findings": {"en": "https://gesund.bund.de/en/"}}`,
		"unknown field":    `{"findings": {"de": "https://gesund.bund.de/", "fr": "https://gesund.bund.de/"}}`,
		"not JSON":         `findings = https://gesund.bund.de/`,
	} {
		f := filepath.Join(dir, "portal.json")
		os.WriteFile(f, []byte(bad), 0o600)
		if msg := u.fails("serve", "--data", data, "--addr", "127.0.0.1:0", "--portal-links", f); !says(msg, "config_portal_links", nil) {
			t.Errorf("portal links, %s: %q", name, msg)
		}
	}
	if msg := u.fails("serve", "--data", data, "--addr", "127.0.0.1:0", "--portal-links", filepath.Join(dir, "missing.json")); !says(msg, "config_portal_links", nil) {
		t.Errorf("portal links, missing file: %q", msg)
	}
	// A client against a server that is down says so.
	if msg := u.fails("login", "--email", "a@example.org", "--totp", "123456"); !strings.Contains(msg, "nicht erreichbar") {
		t.Errorf("server down: %q", msg)
	}
}

// TestServeSiteLinks: the operator's imprint and privacy addresses and
// the health portal's links (shipped, replaced by --portal-links, or off)
// reach the web app's page, escaped, and nothing else changes in it.
func TestServeSiteLinks(t *testing.T) {
	t.Parallel()
	site := func(s *server) (web.Site, string) {
		res, err := http.Get(s.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET /: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		m := regexp.MustCompile(`<meta name="akte-site" content="([^"<>]*)">`).FindStringSubmatch(string(b))
		if m == nil {
			t.Fatalf("no akte-site meta:\n%s", b)
		}
		var st web.Site
		if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &st); err != nil {
			t.Fatal(err)
		}
		return st, m[1]
	}
	srv := startServer(t, "", []string{"--imprint-url", "https://example.org/impressum?a=1&b=2"}, "AKTE_PRIVACY_URL=https://example.org/datenschutz")
	got, raw := site(srv)
	if want := (web.Site{Imprint: "https://example.org/impressum?a=1&b=2", Privacy: "https://example.org/datenschutz", Portal: web.DefaultPortal()}); !reflect.DeepEqual(got, want) {
		t.Errorf("site = %+v, want %+v", got, want)
	}
	if !strings.Contains(raw, `&#34;imprint&#34;:&#34;https://example.org/impressum?a=1\u0026b=2&#34;`) {
		t.Errorf("the imprint's address is not escaped: %s", raw)
	}
	if len(got.Portal) == 0 {
		t.Error("no shipped portal links")
	}
	f := filepath.Join(t.TempDir(), "portal.json")
	os.WriteFile(f, []byte(`{"findings": {"de": "https://portal.example.org/befunde", "en": "https://portal.example.org/en/findings"}}`), 0o600)
	if got, _ := site(startServer(t, "", nil, "AKTE_PORTAL_LINKS="+f)); !reflect.DeepEqual(got, web.Site{Portal: web.Portal{"findings": {DE: "https://portal.example.org/befunde", EN: "https://portal.example.org/en/findings"}}}) {
		t.Errorf("replaced portal links: %+v", got)
	}
	if _, raw := site(startServer(t, "", []string{"--portal-links", "off"})); raw != "{}" {
		t.Errorf("page without links: %s", raw)
	}
}

// TestServeSMTP: with --smtp the mails go through a real SMTP server (with
// AUTH), and the account journey works from what arrives there.
func TestServeSMTP(t *testing.T) {
	t.Parallel()
	mbox := mailtest.StartServer(t)
	secret := filepath.Join(t.TempDir(), "smtp-url")
	os.WriteFile(secret, []byte(mbox.URL()+"\n"), 0o600)
	srv := startServer(t, "", nil, "AKTE_SMTP_FILE="+secret)
	srv.Mailbox = mbox.Dir
	u := newUser(t, srv, "smtp@example.org")
	u.register(testKVNR)
	u.login()
	if ents, _ := os.ReadDir(filepath.Join(srv.Data, "outbox")); len(ents) != 0 {
		t.Errorf("outbox used although SMTP is configured: %d files", len(ents))
	}
	if strings.Contains(srv.logs.String(), mbox.Password) {
		t.Error("the SMTP password appears in the log")
	}
}

// TestServeStoreURLs: bad or unreachable PostgreSQL and S3 URLs fail fast
// with a message that says what is wrong and repeats no secret.
func TestServeStoreURLs(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	u := &user{t: t, srv: &server{URL: "http://127.0.0.1:1"}, Home: t.TempDir()}
	const pw, key = "Geheim-DB-Passwort", "Geheim-S3-Schluessel"
	creds := []string{"AWS_ACCESS_KEY_ID=akte", "AWS_SECRET_ACCESS_KEY=" + key}
	for _, tt := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"--db", "postgres://akte:" + pw + "@127.0.0.1:1/akte?sslmode=disable"}, "open database postgres://akte@127.0.0.1:1/akte"},
		{nil, []string{"--db", "postgres://akte:" + pw + "@127.0.0.1:1/akte?op_timeout=bald"}, "--db: Die PostgreSQL-URL ist ungültig"},
		{nil, []string{"--db", "postgres://akte:" + pw + "@[::1"}, "--db: Die PostgreSQL-URL ist ungültig"},
		{[]string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="}, []string{"--blobs", "s3://akte?endpoint=http://127.0.0.1:1"}, "keine S3-Zugangsdaten"},
		{creds, []string{"--blobs", "s3://akte?endpoint=ftp://127.0.0.1:1"}, "--blobs: Die S3-URL ist ungültig"},
		{creds, []string{"--blobs", "s3://akte:" + key + "@akte?endpoint=http://127.0.0.1:1"}, "--blobs: Die S3-URL ist ungültig"},
		{nil, []string{"--blobs", "gs://akte"}, "--blobs: nicht unterstützte URL des Blob-Speichers"},
	} {
		args := append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, tt.args...)
		start := time.Now()
		_, errs, code := u.run("", tt.env, args...)
		flag, reason, ok := strings.Cut(tt.want, ": ")
		if ok && strings.HasSuffix(reason, "_invalid") {
			// Said from the catalogue, in whichever language.
			ok = code != 0 && strings.Contains(errs, flag+": ") && says(errs, reason, nil)
		} else {
			ok = code != 0 && strings.Contains(errs, tt.want)
		}
		if !ok {
			t.Errorf("%v: exit %d, %q; want %q", tt.args, code, errs, tt.want)
		}
		if strings.Contains(errs, pw) || strings.Contains(errs, key) {
			t.Errorf("%v: the message shows a secret: %q", tt.args, errs)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("%v: took %v", tt.args, d)
		}
	}
}

// TestServeAppPaths: every path of the web app's pages is answered with
// the app (its router shows the page), with the same security headers as
// "/"; another path without a dot is 404 with the app (which says so), a
// file that does not exist is 404; the assets keep their caching, and the
// API's paths stay the API's.
func TestServeAppPaths(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	get := func(method, path string) (*http.Response, string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	home, index := get("GET", "/")
	if home.StatusCode != 200 || !strings.Contains(index, `<div id="app">`) {
		t.Fatalf("GET /: %d\n%s", home.StatusCode, index)
	}
	headers := []string{"Content-Type", "Cache-Control", "Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy", "Permissions-Policy"}
	for p, code := range map[string]int{
		"/akte": 200, "/dokument/ab3kq2xv7dz5m4wrn6ytc8hpje": 200, "/einstellungen": 200, "/anmelden?weiter=%2Feinstellungen": 200,
		"/registrieren/fortsetzen": 200, "/geraet": 200, "/postfach": 200, "/index.html": 200,
		"/gibt-es-nicht": 404, "/dokument/": 404, "/akte/": 404, "/metrics": 404,
	} {
		res, body := get("GET", p)
		if res.StatusCode != code || body != index {
			t.Errorf("GET %s: %d, want %d with the app's page: %v", p, res.StatusCode, code, body == index)
		}
		for _, h := range headers {
			if got, want := res.Header.Get(h), home.Header.Get(h); got != want || want == "" {
				t.Errorf("GET %s: %s %q, / has %q", p, h, got, want)
			}
		}
	}
	if res, body := get("HEAD", "/einstellungen"); res.StatusCode != 200 || body != "" {
		t.Errorf("HEAD /einstellungen: %d %q", res.StatusCode, body)
	}
	if res, _ := get("POST", "/akte"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /akte: %d", res.StatusCode)
	}
	asset := regexp.MustCompile(`/assets/app\.[0-9a-f]+\.js`).FindString(index)
	if res, _ := get("GET", asset); asset == "" || res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %q: the asset is not served as before", asset)
	}
	// Files that do not exist stay 404: in /assets/, at the top, below a page.
	for _, p := range []string{"/assets/app.000000000000.js", "/assets/", "/assets/a/b", "/favicon.ico", "/robots.txt", "/akte/app.js", "/.well-known/change-password"} {
		if res, body := get("GET", p); res.StatusCode != 404 || body == index {
			t.Errorf("GET %s: %d, want 404 and not the app", p, res.StatusCode)
		}
	}
	// The API answers its own paths, the app never does.
	if res, body := get("GET", "/api/v1/gibt-es-nicht"); res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/") || body == index {
		t.Errorf("GET /api/v1/gibt-es-nicht: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res, body := get("GET", "/healthz"); res.StatusCode != 200 || body == index {
		t.Errorf("GET /healthz: %d", res.StatusCode)
	}
}
