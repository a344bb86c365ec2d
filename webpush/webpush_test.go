package webpush

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

// RFC 8291 Appendix A.
const (
	rfcPlaintext = "When I grow up, I want to be a watermelon"
	rfcASPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
	rfcASPublic  = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
	rfcUAPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
	rfcUAPublic  = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
	rfcSalt      = "DGv6ra1nlYgDCS1FRnbzlw"
	rfcAuth      = "BTBZMqHH6r4Tts7J_aSIgg"
	rfcBody      = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)

func d(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRFC8291Vector(t *testing.T) {
	as, err := ecdh.P256().NewPrivateKey(d(t, rfcASPrivate))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(as.PublicKey().Bytes(), d(t, rfcASPublic)) {
		t.Fatal("as_public differs")
	}
	k, err := ParseKeys(rfcUAPublic, rfcAuth)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encrypt([]byte(rfcPlaintext), k, as, d(t, rfcSalt))
	if err != nil {
		t.Fatal(err)
	}
	if b := base64.RawURLEncoding.EncodeToString(got); b != rfcBody {
		t.Fatalf("body\n got %s\nwant %s", b, rfcBody)
	}
	ua, err := ecdh.P256().NewPrivateKey(d(t, rfcUAPrivate))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := Decrypt(d(t, rfcBody), ua, d(t, rfcAuth))
	if err != nil || string(pt) != rfcPlaintext {
		t.Fatalf("decrypt: %q %v", pt, err)
	}
}

func TestDecryptRefusesTampering(t *testing.T) {
	ua, _ := ecdh.P256().NewPrivateKey(d(t, rfcUAPrivate))
	body := d(t, rfcBody)
	for i := range []int{0, 25, 90, len(body) - 1} {
		b := bytes.Clone(body)
		b[[]int{0, 25, 90, len(body) - 1}[i]] ^= 1
		if _, err := Decrypt(b, ua, d(t, rfcAuth)); err == nil {
			t.Errorf("flip %d: opened", i)
		}
	}
	if _, err := Decrypt(body[:len(body)-1], ua, d(t, rfcAuth)); err == nil {
		t.Error("truncated: opened")
	}
	wrongAuth := bytes.Clone(d(t, rfcAuth))
	wrongAuth[0] ^= 1
	if _, err := Decrypt(body, ua, wrongAuth); err == nil {
		t.Error("wrong auth: opened")
	}
}

func TestRoundTripFresh(t *testing.T) {
	ua, _ := ecdh.P256().GenerateKey(nil)
	auth := bytes.Repeat([]byte{7}, 16)
	k := Keys{P256DH: ua.PublicKey().Bytes(), Auth: auth}
	for _, n := range []int{0, 1, 100, MaxPayload} {
		pt := bytes.Repeat([]byte{'x'}, n)
		a, err := Encrypt(pt, k)
		if err != nil {
			t.Fatal(n, err)
		}
		b, _ := Encrypt(pt, k)
		if bytes.Equal(a, b) {
			t.Fatal("two encryptions equal: salt or key reused")
		}
		got, err := Decrypt(a, ua, auth)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("%d: %v", n, err)
		}
	}
	if _, err := Encrypt(make([]byte, MaxPayload+1), k); !errors.Is(err, ErrTooLarge) {
		t.Fatal(err)
	}
}

func TestParseKeys(t *testing.T) {
	for _, c := range []struct{ p, a string }{
		{rfcUAPublic[:40], rfcAuth},
		{rfcUAPublic, rfcAuth[:10]},
		{"B" + strings.Repeat("A", 86), rfcAuth}, // not on the curve
		{"%%%", rfcAuth},
	} {
		if _, err := ParseKeys(c.p, c.a); !errors.Is(err, ErrKey) {
			t.Errorf("%q %q: %v", c.p, c.a, err)
		}
	}
	if _, err := ParseKeys(rfcUAPublic+"=", rfcAuth+"=="); err != nil {
		t.Errorf("padded: %v", err)
	}
}

func TestVAPID(t *testing.T) {
	p, err := NewVAPIDKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseVAPIDKey(p)
	if err != nil {
		t.Fatal(err)
	}
	v := &VAPID{Key: k, Subject: "mailto:ops@example.org"}
	exp := time.Unix(1_900_000_000, 0)
	h, err := v.Authorization("https://push.example.net:8443/x/y?z", exp)
	if err != nil {
		t.Fatal(err)
	}
	c, err := VerifyAuthorization(h, v.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if c.Aud != "https://push.example.net:8443" || c.Exp != exp.Unix() || c.Sub != v.Subject {
		t.Fatalf("claims %+v", c)
	}
	other, _ := NewVAPIDKey()
	ok, _ := ParseVAPIDKey(other)
	if _, err := VerifyAuthorization(h, (&VAPID{Key: ok}).PublicKey()); err == nil {
		t.Fatal("verified with another key")
	}
	i := strings.Index(h, ".") + 3
	bad := h[:i] + string(h[i]^1) + h[i+1:]
	if _, err := VerifyAuthorization(bad, v.PublicKey()); err == nil {
		t.Fatal("verified a changed token")
	}
}

func TestCheckEndpoint(t *testing.T) {
	allow := []string{"127.0.0.1:9999"}
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"https://fcm.googleapis.com/fcm/send/abc", true},
		{"https://updates.push.services.mozilla.com/wpush/v2/x", true},
		{"https://8.8.8.8/x", true},
		{"http://fcm.googleapis.com/x", false},
		{"https://127.0.0.1/x", false},
		{"https://localhost/x", false},
		{"https://10.1.2.3/x", false},
		{"https://192.168.0.1/x", false},
		{"https://169.254.169.254/latest/meta-data", false},
		{"https://100.64.0.1/x", false},
		{"https://[::1]/x", false},
		{"https://[fe80::1]/x", false},
		{"https://[fc00::1]/x", false},
		{"https://[::ffff:127.0.0.1]/x", false},
		{"https://user:pw@push.example.net/x", false},
		{"ftp://push.example.net/x", false},
		{"https:///x", false},
		{"https://" + strings.Repeat("a", MaxEndpoint) + ".net/", false},
		{"http://127.0.0.1:9999/push/1", true},
		{"http://127.0.0.1:9998/push/1", false},
	} {
		if err := CheckEndpoint(c.url, allow); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.url, err)
		}
	}
}

// TestClientRefusesInside: a name that resolves inside (here, an IP
// literal that passed no check because it is allowed nowhere) is refused
// at dial time, and an allowed pair is reached.
func TestClientRefusesInside(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	c := Client(nil, 2*time.Second)
	if _, err := c.Get(srv.URL); !errors.Is(err, ErrEndpoint) {
		t.Fatalf("dialled loopback: %v", err)
	}
	c = Client([]string{u.Host}, 2*time.Second)
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !Public(netip.MustParseAddr("8.8.8.8")) || Public(netip.MustParseAddr("::ffff:10.0.0.1")) {
		t.Fatal("Public")
	}
}

func TestSend(t *testing.T) {
	ua, _ := ecdh.P256().GenerateKey(nil)
	auth := bytes.Repeat([]byte{3}, 16)
	status := http.StatusCreated
	var got []byte
	var hdr http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr = r.Header
		body, _ := io.ReadAll(r.Body)
		got, _ = Decrypt(body, ua, auth)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	p, _ := NewVAPIDKey()
	k, _ := ParseVAPIDKey(p)
	s := &Sender{VAPID: &VAPID{Key: k, Subject: "mailto:a@example.org"}, Client: Client([]string{u.Host}, 2*time.Second), Allow: []string{u.Host}}
	m := Message{Endpoint: srv.URL + "/p/1", Keys: Keys{P256DH: ua.PublicKey().Bytes(), Auth: auth}, Payload: []byte(`{"k":"v"}`), TTL: time.Hour}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"k":"v"}` || hdr.Get("TTL") != "3600" || hdr.Get("Content-Encoding") != "aes128gcm" {
		t.Fatalf("%q %v", got, hdr)
	}
	c, err := VerifyAuthorization(hdr.Get("Authorization"), s.VAPID.PublicKey())
	if err != nil || c.Aud != srv.URL {
		t.Fatalf("%+v %v", c, err)
	}
	for _, st := range []int{404, 410} {
		status = st
		if err := s.Send(context.Background(), m); !errors.Is(err, ErrGone) {
			t.Fatalf("%d: %v", st, err)
		}
	}
	status = 500
	if err := s.Send(context.Background(), m); err == nil || errors.Is(err, ErrGone) {
		t.Fatal(err)
	}
	s.Allow = nil
	if err := s.Send(context.Background(), m); !errors.Is(err, ErrEndpoint) {
		t.Fatal(err)
	}
}
