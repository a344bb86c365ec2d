package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/akte/akte/api"
	"github.com/akte/akte/blob/disk"
	"github.com/akte/akte/catalog"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/mailtest"
	"github.com/akte/akte/mail"
	"github.com/akte/akte/service"
	"github.com/akte/akte/store/sqlite"
	"github.com/akte/akte/wire"
)

// stack is the real server stack in-process: SQLite, disk blobs and the
// outbox in a temp dir, behind httptest.
type stack struct {
	srv    *httptest.Server
	outbox string
	svc    *service.Service
	store  *sqlite.Store
	api    *api.API
}

func newStack(t testing.TB, cfg service.Config) *stack { return newClockStack(t, cfg, nil) }

// newClockStack is newStack with an injected clock.
func newClockStack(t testing.TB, cfg service.Config, now func() time.Time) *stack {
	return newStackWith(t, cfg, now, nil)
}

// newStackWith is newClockStack with API options changed by edit (nil:
// none).
func newStackWith(t testing.TB, cfg service.Config, now func() time.Time, edit func(*api.Options)) *stack {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "akte.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := disk.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	ob, err := mail.NewOutbox(filepath.Join(dir, "outbox"), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: st, Blobs: blobs, Mailer: ob, Config: cfg, Now: now, Secret: []byte("0123456789abcdef0123456789abcdef")})
	o := api.Options{Service: svc, Ready: st.Ping}
	if edit != nil {
		edit(&o)
	}
	h := api.New(o)
	s := &stack{srv: httptest.NewServer(h), outbox: filepath.Join(dir, "outbox"), svc: svc, store: st, api: h}
	t.Cleanup(s.srv.Close)
	return s
}

// session registers, confirms and logs in an account and returns its token.
func (s *stack) session(t testing.TB, email, kvnr string) string {
	t.Helper()
	ctx := t.Context()
	c := client.NewAPI(s.srv.URL)
	pw := "Apfelbaum-Sommerwind-19"
	m, err := core.NewMaterial(pw, core.DefaultKDF())
	if err != nil {
		t.Fatal(err)
	}
	var reg wire.RegisterResponse
	if err := c.Do(ctx, "POST", "/api/v1/accounts", wire.RegisterRequest{Email: email, KVNR: kvnr, BirthDate: "1970-01-01", KDF: m.KDF,
		LoginSecret: m.LoginSecret, RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, DeviceID: "device-0001", DeviceName: "Test", Record: m.Record, Consents: shippedConsents(), Via: "cli"}, &reg); err != nil {
		t.Fatal(err)
	}
	msg, err := mailtest.Last(s.outbox, email, "Bestätigen")
	if err != nil {
		t.Fatal(err)
	}
	code, err := msg.Code()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "POST", "/api/v1/accounts/confirm", wire.ConfirmRequest{Email: email, Code: code}, nil); err != nil {
		t.Fatal(err)
	}
	totp, err := hotp.GenerateCodeCustom(reg.TOTPSecret, uint64(time.Now().Unix()/30), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	var res wire.LoginResponse
	if err := c.Do(ctx, "POST", "/api/v1/sessions", wire.LoginRequest{Email: email, LoginSecret: m.LoginSecret, TOTP: totp, DeviceID: "device-0001", DeviceName: "Test"}, &res); err != nil {
		t.Fatal(err)
	}
	return res.Token
}

type openAPIDoc struct {
	Paths map[string]map[string]struct {
		RequestBody *struct {
			Content map[string]any `json:"content"`
		} `json:"requestBody"`
		Security []any `json:"security"`
	} `json:"paths"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

// TestOpenAPICoversRoutes keeps routes.go and openapi.json in step: every
// route is documented and every documented operation is routed.
func TestOpenAPICoversRoutes(t *testing.T) {
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var routed []string
	for _, m := range regexp.MustCompile(`m\.Handle(?:Func)?\("([A-Z]+) ([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		routed = append(routed, m[1]+" "+m[2])
	}
	var documented []string
	for path, ops := range loadOpenAPI(t).Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(routed)
	sort.Strings(documented)
	if strings.Join(routed, "\n") != strings.Join(documented, "\n") {
		t.Errorf("routes.go and openapi.json differ:\nrouted:\n%s\n\ndocumented:\n%s", strings.Join(routed, "\n"), strings.Join(documented, "\n"))
	}
	if len(routed) < 20 {
		t.Fatalf("found only %d routes", len(routed))
	}
}

// TestRequestValidation sends every JSON endpoint the classic bad bodies and
// expects the error shape of design §8 with the right status.
func TestRequestValidation(t *testing.T) {
	s := newStack(t, service.DefaultConfig())
	token := s.session(t, "val@example.org", "X110411675")
	cases := []struct {
		name, ctype, body string
		status            int
		code              string
	}{
		{"wrong content type", "text/plain", `{}`, 415, "unsupported_media_type"},
		{"form content type", "application/x-www-form-urlencoded", `a=b`, 415, "unsupported_media_type"},
		{"no content type", "", `{}`, 415, "unsupported_media_type"},
		{"latin-1 charset", "application/json; charset=iso-8859-1", `{}`, 415, "unsupported_media_type"},
		{"malformed", "application/json", `{"email":`, 400, "invalid"},
		{"not an object", "application/json", `[1,2]`, 400, "invalid"},
		{"empty", "application/json", ``, 400, "invalid"},
		{"unknown field", "application/json", `{"no_such_field":1}`, 400, "invalid"},
		{"duplicate key", "application/json", `{"email":"a@example.org","email":"b@example.org"}`, 400, "invalid"},
		{"nested duplicate", "application/json", `{"kdf":{"alg":"argon2id","alg":"x"}}`, 400, "invalid"},
		{"case-variant key", "application/json", `{"email":"ghost@example.org","EMAIL":"alice@example.org"}`, 400, "invalid"},
		{"case-variant key alone", "application/json", `{"Email":"alice@example.org"}`, 400, "invalid"},
		{"nested case variant", "application/json", `{"kdf":{"ALG":"argon2id"}}`, 400, "invalid"},
		{"kelvin sign", "application/json", `{"\u212adf":{}}`, 400, "invalid"},
		{"trailing data", "application/json", `{} {}`, 400, "invalid"},
		{"wrong type", "application/json", `{"email":42}`, 400, "invalid"},
		{"oversized", "application/json", `{"email":"` + strings.Repeat("a", 300<<10) + `"}`, 413, "too_large"},
	}
	doc := loadOpenAPI(t)
	n := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.RequestBody == nil {
				continue
			}
			if _, ok := op.RequestBody.Content["application/json"]; !ok {
				continue
			}
			n++
			url := s.srv.URL + strings.NewReplacer("{rid}", "somerecord000000", "{id}", "device-0001", "{n}", "0").Replace(path)
			for _, tc := range cases {
				t.Run(strings.ToUpper(method)+" "+path+"/"+tc.name, func(t *testing.T) {
					body := tc.body
					if tc.status == 413 && path == "/api/v1/records/{rid}/manifest" {
						// The manifest's own bound is larger.
						body = `{"manifest":"` + strings.Repeat("a", service.MaxManifest/3*4+8192) + `"}`
					}
					req, _ := http.NewRequest(strings.ToUpper(method), url, strings.NewReader(body))
					if tc.ctype != "" {
						req.Header.Set("Content-Type", tc.ctype)
					}
					if len(op.Security) > 0 {
						req.Header.Set("Authorization", "Bearer "+token)
					}
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					var e wire.Error
					raw, _ := io.ReadAll(resp.Body)
					if err := json.Unmarshal(raw, &e); err != nil {
						t.Fatalf("body is not the error shape: %v: %s", err, raw)
					}
					if resp.StatusCode != tc.status || e.Error.Code != tc.code || e.Error.Reason == "" {
						t.Fatalf("got %d %s, want %d %s", resp.StatusCode, raw, tc.status, tc.code)
					}
					if want := catalog.Text("en", e.Error.Reason, e.Error.Params); e.Error.Message != want || !catalog.Has("en", e.Error.Reason) {
						t.Errorf("message %q, want the English text of %s: %q", e.Error.Message, e.Error.Reason, want)
					}
					if strings.Contains(e.Error.Message, "json:") || strings.Contains(e.Error.Message, "wire.") {
						t.Errorf("message leaks internals: %q", e.Error.Message)
					}
				})
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d JSON endpoints found", n)
	}
}

func TestHeadersHealthAndMetrics(t *testing.T) {
	s := newStack(t, service.DefaultConfig())
	for _, path := range []string{"/healthz", "/readyz", "/api/v1/openapi.json", "/api/v1/nope"} {
		resp, err := http.Get(s.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := 200
		if path == "/api/v1/nope" {
			want = 404
		}
		if resp.StatusCode != want {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
		h := resp.Header
		for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
			if h.Get(name) != want {
				t.Errorf("%s: %s = %q", path, name, h.Get(name))
			}
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("Server") != "" || h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: Server %q, HSTS %q (no TLS here)", path, h.Get("Server"), h.Get("Strict-Transport-Security"))
		}
	}
	// The metrics are not on the public handler; api.Metrics serves them
	// (cmd/akte on its own listener), counting the requests above.
	if resp, err := http.Get(s.srv.URL + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the public handler: %v %v", resp.Status, err)
	}
	rec := httptest.NewRecorder()
	s.api.Metrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `akte_http_requests_total{code="200",route="GET /healthz"} 1`) {
		t.Errorf("metrics lack the request counter:\n%.2000s", rec.Body.String())
	}
}

// TestHashConcurrencyBound: with one hashing slot taken for longer than the
// wait, a login answers 429 instead of queueing without bound.
func TestHashConcurrencyBound(t *testing.T) {
	cfg := service.DefaultConfig()
	cfg.HashConcurrency, cfg.HashWait = 1, 50*time.Millisecond
	cfg.HashMemoryKiB, cfg.HashTime = 256*1024, 8 // slow enough to hold the slot
	s := newStack(t, cfg)
	secret := `"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`
	body := func(i int) string {
		return fmt.Sprintf(`{"email":"u%d@example.org","login_secret":%s,"totp":"123456","device_id":"device-0001","device_name":"T"}`, i, secret)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	statuses := make(chan int, 4)
	for i := range 4 {
		go func() {
			req, _ := http.NewRequestWithContext(ctx, "POST", s.srv.URL+"/api/v1/sessions", strings.NewReader(body(i)))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	got := map[int]int{}
	for range 4 {
		got[<-statuses]++
	}
	if got[429] == 0 || got[401] == 0 {
		t.Fatalf("statuses %v: want some 401 (hashed) and some 429 (no slot)", got)
	}
}

// TestAccountLang: PATCH /api/v1/account sets the language of the
// account's mails, which GET shows; another language is refused with its
// reason and the English text of it.
func TestAccountLang(t *testing.T) {
	s := newStack(t, service.DefaultConfig())
	token := s.session(t, "sprache@example.org", "X110411675")
	do := func(method, body string, out any) (int, string) {
		req, _ := http.NewRequest(method, s.srv.URL+"/api/v1/account", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if out != nil {
			json.Unmarshal(raw, out)
		}
		return resp.StatusCode, string(raw)
	}
	var a wire.Account
	if st, raw := do("GET", "", &a); st != 200 || a.Lang != "de" {
		t.Fatalf("GET before: %d %s, want German", st, raw)
	}
	if st, raw := do("PATCH", `{"lang":"en"}`, &a); st != 200 || a.Lang != "en" || a.Email != "sprache@example.org" {
		t.Fatalf("PATCH en: %d %s", st, raw)
	}
	a = wire.Account{}
	if st, raw := do("GET", "", &a); st != 200 || a.Lang != "en" {
		t.Fatalf("GET after: %d %s, want English", st, raw)
	}
	var e wire.Error
	if st, raw := do("PATCH", `{"lang":"fr"}`, &e); st != 400 || e.Error.Reason != "lang_invalid" || e.Error.Message != catalog.Text("en", "lang_invalid", nil) {
		t.Fatalf("PATCH fr: %d %s", st, raw)
	}
}

// shippedConsents agree to the required texts as shipped (in German), as
// a client that showed them sends (decision 0044).
func shippedConsents() []wire.ConsentAnswer {
	ct, err := service.LoadConsentTexts("")
	if err != nil {
		panic(err)
	}
	var out []wire.ConsentAnswer
	for _, a := range ct.RequiredAnswers("de") {
		out = append(out, wire.ConsentAnswer{Text: a.Text, Version: a.Version, Lang: a.Lang, Hash: a.Hash})
	}
	return out
}
