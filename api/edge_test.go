package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/api"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// do sends a request with the headers and returns status and body.
func do(t *testing.T, method, url, body string, headers map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestCrossSite: a state-changing request with the session cookie must
// come from the app's origin; bearer tokens and reads are not affected.
func TestCrossSite(t *testing.T) {
	s := newStackWith(t, service.DefaultConfig(), nil, func(o *api.Options) { o.BaseURL = "http://akte.test" })
	token := s.session(t, "csrf@example.org", "X110411675")
	url := s.srv.URL + "/api/v1/devices/device-0001"
	cookie := "akte_session=" + token
	cases := []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{"cross-site form post", map[string]string{"Cookie": cookie, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"}, 403},
		{"same-site sibling", map[string]string{"Cookie": cookie, "Origin": "https://x.akte.test", "Sec-Fetch-Site": "same-site", "Content-Type": "application/json"}, 403},
		{"no browser headers", map[string]string{"Cookie": cookie, "Content-Type": "application/json"}, 403},
		{"foreign origin only", map[string]string{"Cookie": cookie, "Origin": "http://akte.test.evil.example", "Content-Type": "application/json"}, 403},
		{"same origin", map[string]string{"Cookie": cookie, "Origin": "http://akte.test", "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}, 200},
		{"typed by the person", map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "none", "Content-Type": "application/json"}, 200},
		{"old browser, own origin", map[string]string{"Cookie": cookie, "Origin": "http://akte.test", "Content-Type": "application/json"}, 200},
		{"bearer from anywhere", map[string]string{"Authorization": "Bearer " + token, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, 200},
	}
	for _, tc := range cases {
		st, body := do(t, "PATCH", url, `{"name":"Umbenannt"}`, tc.headers)
		if st != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, st, body, tc.status)
		}
		if st == 403 {
			var e wire.Error
			if json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != "forbidden" || e.Error.Reason != "cross_site" || e.Error.Message == "" {
				t.Errorf("%s: body %s, want the error shape with reason cross_site", tc.name, body)
			}
		}
	}
	// Reads with the cookie are not refused.
	if st, body := do(t, "GET", s.srv.URL+"/api/v1/account", "", map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "cross-site"}); st != 200 {
		t.Errorf("cross-site GET: %d %s", st, body)
	}
}

// forwardedFor is a transport that sends every request with an
// X-Forwarded-For header.
type forwardedFor string

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", string(f))
	return http.DefaultTransport.RoundTrip(r)
}

// TestClientBehindProxy: with the peer trusted, the registration's event
// records the address the proxy names; untrusted, the connection's.
func TestClientBehindProxy(t *testing.T) {
	for _, tc := range []struct {
		trusted string
		want    string
	}{{"127.0.0.1/32", "203.0.113.9"}, {"", "127.0.0.1"}, {"10.0.0.0/8", "127.0.0.1"}} {
		ps, _ := api.ParsePrefixes(tc.trusted)
		s := newStackWith(t, service.DefaultConfig(), nil, func(o *api.Options) { o.TrustedProxies = ps })
		m, err := core.NewMaterial("Apfelbaum-Sommerwind-19", core.DefaultKDF())
		if err != nil {
			t.Fatal(err)
		}
		c := client.NewAPI(s.srv.URL)
		c.HTTP.Transport = forwardedFor("198.51.100.1, 203.0.113.9")
		var reg wire.RegisterResponse
		if err := c.Do(t.Context(), "POST", "/api/v1/accounts", wire.RegisterRequest{Email: "proxy@example.org", KVNR: "X110411675", BirthDate: "1970-01-01", KDF: m.KDF,
			LoginSecret: m.LoginSecret, RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, DeviceID: "device-0001", DeviceName: "Test", Record: m.Record, Consents: shippedConsents(), Via: "cli"}, &reg); err != nil {
			t.Fatal(err)
		}
		evs, err := s.store.Events(t.Context(), akte.AccountID(reg.AccountID), 10)
		if err != nil || len(evs) == 0 {
			t.Fatalf("events: %v %v", evs, err)
		}
		if got := evs[len(evs)-1].ClientAddr; got != tc.want {
			t.Errorf("trusted %q: event records %q, want %q", tc.trusted, got, tc.want)
		}
	}
}

// syncBuffer is a log sink for one test.
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

// metric returns the request counts of a route by status code.
func metric(s *stack, route string) map[string]bool {
	rec := httptest.NewRecorder()
	s.api.Metrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	codes := map[string]bool{}
	for l := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(l, "akte_http_requests_total{") && strings.Contains(l, `route="`+route+`"`) {
			code, _, _ := strings.Cut(strings.SplitN(l, `code="`, 2)[1], `"`)
			codes[code] = true
		}
	}
	return codes
}

// rawRequest sends the head of a request and then the body in pieces of
// chunk bytes every pause (cut: stop and hang up after that many bytes),
// and returns the answer's status (0: none).
func rawRequest(t *testing.T, base, head string, size, chunk int, pause time.Duration, cut int) int {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "%sContent-Length: %d\r\n\r\n", head, size)
	go func() {
		for sent := 0; sent < size; sent += chunk {
			if cut > 0 && sent >= cut {
				c.Close()
				return
			}
			if _, err := c.Write(make([]byte, min(chunk, size-sent))); err != nil {
				return
			}
			time.Sleep(pause)
		}
	}()
	if cut > 0 {
		return 0
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestRangeAndClientFaults: a range at or past the end is 416; a client
// that hangs up mid-chunk or sends its body too slowly is no server error
// in the log or the metrics.
func TestRangeAndClientFaults(t *testing.T) {
	logs := &syncBuffer{}
	s := newStackWith(t, service.DefaultConfig(), nil, func(o *api.Options) {
		o.Log = slog.New(slog.NewJSONHandler(logs, nil))
		o.MinBodyRate = api.MinRate{PerSecond: 1000, Window: 300 * time.Millisecond}
	})
	token := s.session(t, "range@example.org", "X110411675")
	rp := fillRecord(t, s, "range@example.org", 1) // item000000000000, 4096 bytes
	for _, rng := range []string{"bytes=4096-", "bytes=5000-", "bytes=4096-5000"} {
		req, _ := http.NewRequest("GET", s.srv.URL+rp+"/items/item000000000000/content", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Range", rng)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e wire.Error
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable || resp.Header.Get("Content-Range") != "bytes */4096" || e.Error.Reason != "range_not_satisfiable" {
			t.Errorf("%s: %d, Content-Range %q, %+v; want 416 bytes */4096", rng, resp.StatusCode, resp.Header.Get("Content-Range"), e.Error)
		}
	}

	// A chunk upload cut off halfway.
	a, err := s.store.AccountByEmail(t.Context(), "range@example.org")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	it := &akte.Item{ID: "upload0000000001", AccountID: a.ID, Category: "findings", KeyVersion: 1, Kind: akte.KindDocument, Size: 200000,
		ChunkSize: 8 << 20, CreatedAt: now, UpdatedAt: now, CreatedBy: string(a.ID), MetaSealed: make([]byte, 300), KeySlot: make([]byte, 100)}
	if err := s.store.CreateUpload(t.Context(), it, -1); err != nil {
		t.Fatal(err)
	}
	head := "PUT " + rp + "/uploads/upload0000000001/chunks/0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/octet-stream\r\n"
	rawRequest(t, s.srv.URL, head, 200000, 10000, time.Millisecond, 100000)
	const chunkRoute = "PUT /api/v1/records/{rid}/uploads/{id}/chunks/{n}"
	for deadline := time.Now().Add(10 * time.Second); !metric(s, chunkRoute)["499"]; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no 499 for the cut chunk: %v\n%s", metric(s, chunkRoute), logs)
		}
	}
	// A login body at 10 bytes a second.
	if st := rawRequest(t, s.srv.URL, "POST /api/v1/prelogin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n", 100, 1, 100*time.Millisecond, 0); st != http.StatusRequestTimeout {
		t.Errorf("slow body: status %d, want 408", st)
	}
	for route, codes := range map[string]map[string]bool{chunkRoute: metric(s, chunkRoute), "POST /api/v1/prelogin": metric(s, "POST /api/v1/prelogin")} {
		for c := range codes {
			if c >= "500" && c < "600" {
				t.Errorf("%s counted as %s", route, c)
			}
		}
	}
	if l := logs.String(); strings.Contains(l, `"level":"ERROR"`) || !strings.Contains(l, `"msg":"client went away"`) || !strings.Contains(l, `"msg":"request body too slow"`) {
		t.Errorf("log:\n%s", l)
	}
}

// TestDeviceLinkGET: the old link form, a GET with the secret in the
// query, is no route any more: nothing confirms on a GET.
func TestDeviceLinkGET(t *testing.T) {
	s := newStack(t, service.DefaultConfig())
	if st, body := do(t, "GET", s.srv.URL+"/api/v1/devices/confirm?token=abc", "", nil); st != http.StatusNotFound {
		t.Errorf("GET /api/v1/devices/confirm: %d %s", st, body)
	}
}
