package main

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte/webpush"
	"github.com/akte/akte/wire"
)

// pushBrowser is a browser's push service on loopback that holds the
// subscription's private key, so it reads what the server sent as the
// browser would (RFC 8291), and keeps the Authorization headers.
type pushBrowser struct {
	srv    *httptest.Server
	ua     *ecdh.PrivateKey
	auth   []byte
	mu     sync.Mutex
	bodies [][]byte
	auths  []string
	status int
}

func newPushBrowser(t *testing.T) *pushBrowser {
	ua, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b := &pushBrowser{ua: ua, auth: make([]byte, 16), status: http.StatusCreated}
	rand.Read(b.auth)
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<10))
		b.mu.Lock()
		defer b.mu.Unlock()
		if r.Header.Get("Content-Encoding") == "aes128gcm" {
			b.bodies, b.auths = append(b.bodies, body), append(b.auths, r.Header.Get("Authorization"))
		}
		w.WriteHeader(b.status)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *pushBrowser) subscription(endpoint string) wire.PushSubscriptionNew {
	var s wire.PushSubscriptionNew
	s.Endpoint = endpoint
	s.Keys.P256DH = base64.RawURLEncoding.EncodeToString(b.ua.PublicKey().Bytes())
	s.Keys.Auth = base64.RawURLEncoding.EncodeToString(b.auth)
	return s
}

func (b *pushBrowser) received() ([][]byte, []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]byte{}, b.bodies...), append([]string{}, b.auths...)
}

func (b *pushBrowser) wait(t *testing.T, n int) ([][]byte, []string) {
	t.Helper()
	for deadline := time.Now().Add(45 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if bodies, auths := b.received(); len(bodies) >= n {
			return bodies, auths
		}
		if time.Now().After(deadline) {
			t.Fatalf("the push service got fewer than %d messages", n)
		}
	}
}

// sendJSON sends a JSON request with the bearer token and decodes the
// answer into out (if not nil); it returns the status and the body.
func sendJSON(t *testing.T, method, url, token string, in, out any) (int, string) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, url, body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
	return resp.StatusCode, string(b)
}

// TestMedplanPushE2E: the intake reminders as Web Push with the real
// binary. A subscription whose endpoint is a local push service holding
// the subscription's private key (allowed by --push-allow-endpoints) gets
// the reminder at its time (server clock moved): it decrypts per RFC
// 8291, carries a VAPID token signed by the server's public key, and
// names no drug of the imported plan; via push sends no mail; a 410
// removes the subscription; endpoints inside the network are refused;
// akte medplan push ls|rm lists and removes.
func TestMedplanPushE2E(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clock := filepath.Join(dir, "clock")
	setClock := func(d time.Duration) {
		if err := os.WriteFile(clock, []byte(d.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	setClock(0)
	browser := newPushBrowser(t)
	u, _ := url.Parse(browser.srv.URL)
	srv := smtpServer(t, "AKTE_TEST_CLOCK_FILE="+clock, "AKTE_SESSION_IDLE=2400h", "AKTE_SESSION_MAX=2400h", "AKTE_PUSH_ALLOW_ENDPOINTS="+u.Host)
	alice := newUser(t, srv, "alice-push@example.org")
	alice.register(testKVNR)
	alice.login()
	alice.ok("services", "on", "medication", "--yes")
	xml28 := filepath.Join(dir, "bmp-28.xml")
	os.WriteFile(xml28, readTestdata(t, "bmp-28.xml"), 0o600)
	alice.ok("medplan", "import", xml28)
	token := alice.state().Token
	api := srv.URL + "/api/v1"

	var key wire.PushKey
	if st, body := sendJSON(t, "GET", api+"/push/key", token, nil, &key); st != 200 || len(key.Key) != 87 {
		t.Fatalf("push key: %d %s", st, body)
	}
	// Endpoints inside the server's network, or not https, are refused
	// unless allowed (another port of loopback is not).
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	for _, ep := range []string{other.URL + "/push", strings.Replace(other.URL, "http://", "https://", 1) + "/push", "https://10.1.2.3/push",
		"https://169.254.169.254/latest", "https://[::1]/push", "http://push.example.net/push"} {
		if st, body := sendJSON(t, "POST", api+"/account/push", token, browser.subscription(ep), nil); st != 400 || !strings.Contains(body, "push_endpoint_refused") {
			t.Errorf("%s: %d %s", ep, st, body)
		}
	}
	var sub wire.PushSubscription
	if st, body := sendJSON(t, "POST", api+"/account/push", token, browser.subscription(browser.srv.URL+"/push/alice"), &sub); st != 201 {
		t.Fatalf("subscribe: %d %s", st, body)
	}
	var subs []wire.PushSubscription
	alice.okJSON(&subs, "medplan", "push", "ls")
	if len(subs) != 1 || subs[0].ID != sub.ID || !subs[0].ThisDevice || subs[0].Service != "127.0.0.1" {
		t.Fatalf("push ls: %+v", subs)
	}

	// A reminder an hour from now, as push only.
	at := time.Now().UTC().Add(time.Hour).Truncate(time.Minute)
	var rem struct {
		Reminders *wire.Reminders `json:"reminders"`
	}
	alice.okJSON(&rem, "medplan", "remind", "--morning", at.Format("15:04"), "--tz", "UTC", "--via", "push")
	if rem.Reminders == nil || rem.Reminders.Via != "push" {
		t.Fatalf("remind --via push: %+v", rem)
	}
	if errs := alice.fails("medplan", "remind", "--via", "fax"); !says(errs, "reminder_via_invalid", map[string]any{"via": "fax"}) {
		t.Errorf("--via fax: %s", errs)
	}
	if bodies, _ := browser.received(); len(bodies) != 0 {
		t.Fatal("a push before its time")
	}
	setClock(time.Hour + time.Minute)
	bodies, auths := browser.wait(t, 1)
	pt, err := webpush.Decrypt(bodies[0], browser.ua, browser.auth)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	claims, err := webpush.VerifyAuthorization(auths[0], key.Key)
	if err != nil {
		t.Fatalf("vapid: %v (%s)", err, auths[0])
	}
	if claims.Aud != browser.srv.URL || claims.Sub == "" || time.Until(time.Unix(claims.Exp, 0)) > 25*time.Hour {
		t.Errorf("vapid claims %+v", claims)
	}
	var msg map[string]string
	if err := json.Unmarshal(pt, &msg); err != nil || msg["type"] != "medication_reminder" || msg["slot"] != "morning" || msg["time"] != at.Format("15:04") || len(msg) != 3 {
		t.Errorf("payload %s: %v", pt, err)
	}
	for _, name := range drugNames28 {
		if bytes.Contains(pt, []byte(name)) {
			t.Errorf("the push names %q", name)
		}
	}
	time.Sleep(16 * time.Second) // a round of the job loop more
	if bodies, _ := browser.received(); len(bodies) != 1 {
		t.Errorf("%d pushes for one time", len(bodies))
	}
	if n := srv.mails(alice.Email, "Medikamente"); n != 0 {
		t.Errorf("%d mails with --via push", n)
	}

	// The push service says the subscription is gone (410): the evening
	// reminder, by both, is mailed and the subscription deleted.
	browser.mu.Lock()
	browser.status = http.StatusGone
	browser.mu.Unlock()
	alice.okJSON(&rem, "medplan", "remind", "--evening", at.Add(6*time.Hour).Format("15:04"), "--tz", "UTC", "--via", "both")
	setClock(7*time.Hour + time.Minute)
	waitMail(t, srv, alice.Email, "Zeit für Ihre Medikamente")
	browser.wait(t, 2)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		subs = nil
		alice.okJSON(&subs, "medplan", "push", "ls")
		if len(subs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscription kept after 410: %+v", subs)
		}
	}

	// akte medplan push rm.
	if st, body := sendJSON(t, "POST", api+"/account/push", token, browser.subscription(browser.srv.URL+"/push/alice-2"), &sub); st != 201 {
		t.Fatalf("subscribe again: %d %s", st, body)
	}
	alice.ok("medplan", "push", "rm", sub.ID)
	if errs := alice.fails("medplan", "push", "rm", sub.ID); !says(errs, "push_subscription_not_found", nil) {
		t.Errorf("rm again: %s", errs)
	}
	subs = nil
	alice.okJSON(&subs, "medplan", "push", "ls")
	if len(subs) != 0 {
		t.Errorf("after rm: %+v", subs)
	}

	// Switching the medication service off removes the subscriptions with
	// the reminders: they serve nothing else.
	if st, body := sendJSON(t, "POST", api+"/account/push", token, browser.subscription(browser.srv.URL+"/push/alice-3"), &sub); st != 201 {
		t.Fatalf("subscribe again: %d %s", st, body)
	}
	alice.ok("services", "off", "medication")
	var listed wire.PushSubscriptions
	if st, body := sendJSON(t, "GET", api+"/account/push", token, nil, &listed); st != 200 || len(listed.Subscriptions) != 0 {
		t.Errorf("after the switch-off: %d %s", st, body)
	}

	// The protocol: PSH-01 and PSH-02 (by the patient and, after the 410,
	// by the system), MED-03 with the channel as its object.
	seen := map[string]bool{}
	for _, r := range alice.auditRows() {
		obj, _ := r["object"].(string)
		ch, _, _ := strings.Cut(obj, ":")
		seen[r["code"].(string)+"/"+ch+"/"+r["actor_role"].(string)+"/"+r["result"].(string)] = true
	}
	for _, want := range []string{"PSH-01/push/patient/ok", "PSH-02/push/patient/ok", "PSH-02/push/system/ok", "MED-03/push/system/ok",
		"MED-03/push/system/error", "MED-03/mail/system/ok"} {
		if !seen[want] {
			t.Errorf("no event %s in %v", want, seen)
		}
	}
}
