package service_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/webpush"
)

// pushReceiver is a push service on loopback that holds the browser's
// private key: it opens each message as the browser would.
type pushReceiver struct {
	srv    *httptest.Server
	ua     *ecdh.PrivateKey
	auth   []byte
	mu     sync.Mutex
	got    []string
	status int
	vapid  string // the server's public key, to check the token
	bad    []string
}

func newPushReceiver(t *testing.T) *pushReceiver {
	ua, _ := ecdh.P256().GenerateKey(rand.Reader)
	r := &pushReceiver{ua: ua, auth: make([]byte, 16), status: http.StatusCreated}
	rand.Read(r.auth)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		pt, err := webpush.Decrypt(body, r.ua, r.auth)
		if err != nil {
			r.bad = append(r.bad, "decrypt: "+err.Error())
		}
		if _, err := webpush.VerifyAuthorization(req.Header.Get("Authorization"), r.vapid); err != nil {
			r.bad = append(r.bad, "vapid: "+err.Error())
		}
		r.got = append(r.got, string(pt))
		w.WriteHeader(r.status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *pushReceiver) host() string { u, _ := url.Parse(r.srv.URL); return u.Host }

func (r *pushReceiver) keys() (string, string) {
	b := base64.RawURLEncoding.EncodeToString
	return b(r.ua.PublicKey().Bytes()), b(r.auth)
}

func pushSender(t *testing.T, allow ...string) *webpush.Sender {
	pemKey, err := webpush.NewVAPIDKey()
	if err != nil {
		t.Fatal(err)
	}
	k, _ := webpush.ParseVAPIDKey(pemKey)
	return &webpush.Sender{VAPID: &webpush.VAPID{Key: k, Subject: "mailto:ops@example.org"}, Client: webpush.Client(allow, 5*time.Second), Allow: allow}
}

// TestPushReminders: a subscription on an allowed test endpoint gets the
// reminder encrypted to it with a valid VAPID token, the generic text
// key and slot only; via push sends no mail; a 410 deletes the
// subscription; a private endpoint is refused without the allow-list;
// the limit per account holds under 100 parallel requests.
func TestPushReminders(t *testing.T) {
	rcv := newPushReceiver(t)
	sender := pushSender(t, rcv.host())
	rcv.vapid = sender.VAPID.PublicKey()
	e := newEnv(t, testConfig(), func(o *service.Options) { o.Push = sender })
	ctx := t.Context()
	p, a := e.principal("push@example.org", "X110411675")

	k, err := e.svc.PushKey()
	if err != nil || k != rcv.vapid {
		t.Fatalf("PushKey %q %v", k, err)
	}
	p256, auth := rcv.keys()
	for _, bad := range []string{"http://10.0.0.1/x", "https://127.0.0.1:1/x", "https://169.254.169.254/", "ftp://push.example.net/"} {
		_, err := e.svc.AddPushSubscription(ctx, p, bad, p256, auth)
		wantKind(t, bad, err, akte.KindInvalid, "push_endpoint_refused")
	}
	_, err = e.svc.AddPushSubscription(ctx, p, rcv.srv.URL+"/p/1", p256[:20], auth)
	wantKind(t, "short key", err, akte.KindInvalid, "push_keys_invalid")
	sub, err := e.svc.AddPushSubscription(ctx, p, rcv.srv.URL+"/p/1", p256, auth)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.SetReminders(ctx, p, "Europe/Berlin", [4]string{"10:30", "", "", ""}, "fax")
	wantKind(t, "via fax", err, akte.KindInvalid, "reminder_via_invalid")
	if _, err := e.svc.SetReminders(ctx, p, "Europe/Berlin", [4]string{"10:30", "", "", ""}, akte.ReminderPush); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(31 * time.Minute)
	if err := e.svc.RunJobs(ctx); err != nil {
		t.Fatal(err)
	}
	rcv.mu.Lock()
	got, bad := append([]string{}, rcv.got...), rcv.bad
	rcv.mu.Unlock()
	if len(bad) != 0 || len(got) != 1 {
		t.Fatalf("received %q, problems %v", got, bad)
	}
	var m service.PushMessage
	dec := json.NewDecoder(strings.NewReader(got[0]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || m != (service.PushMessage{Type: "medication_reminder", Slot: "morning", Time: "10:30"}) {
		t.Fatalf("payload %s: %v", got[0], err)
	}
	if n := e.mails(a.email, "Medikamente"); n != 0 {
		t.Errorf("%d mails with via push", n)
	}

	// The push service says the subscription is gone: it is deleted.
	rcv.mu.Lock()
	rcv.status = http.StatusGone
	rcv.mu.Unlock()
	e.clk.Add(24 * time.Hour)
	if err := e.svc.RunJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if xs, _ := e.svc.PushSubscriptionsOf(ctx, p); len(xs) != 0 {
		t.Fatalf("subscription %s kept after 410: %v", sub.ID, xs)
	}
	wantKind(t, "delete gone", e.svc.DeletePushSubscription(ctx, p, sub.ID), akte.KindNotFound, "push_subscription_not_found")

	// 100 parallel subscriptions: at most MaxPushSubscriptions stay.
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			ua, _ := ecdh.P256().GenerateKey(rand.Reader)
			e.svc.AddPushSubscription(ctx, p, "https://push.example.net/s/"+string(rune('a'+i%26))+strings.Repeat("x", i),
				base64.RawURLEncoding.EncodeToString(ua.PublicKey().Bytes()), auth)
		})
	}
	wg.Wait()
	if xs, _ := e.svc.PushSubscriptionsOf(ctx, p); len(xs) != service.MaxPushSubscriptions {
		t.Fatalf("%d subscriptions, want %d", len(xs), service.MaxPushSubscriptions)
	}
}

// TestPushOff: a server without push refuses subscriptions and the push
// channel.
func TestPushOff(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	p, _ := e.principal("nopush@example.org", "X110411675")
	_, err := e.svc.PushKey()
	wantKind(t, "key", err, akte.KindUnavailable, "push_off")
	_, err = e.svc.SetReminders(ctx, p, "Europe/Berlin", [4]string{"10:30", "", "", ""}, akte.ReminderBoth)
	wantKind(t, "via both", err, akte.KindUnavailable, "push_off")
}
