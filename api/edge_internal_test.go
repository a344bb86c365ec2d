package api

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte/mail"
)

func TestParsePrefixes(t *testing.T) {
	got, err := ParsePrefixes(" 10.0.0.0/8, 192.168.1.5 ,2001:db8::/32,::ffff:172.16.0.0/108, 10.1.2.3/16,")
	if err != nil {
		t.Fatal(err)
	}
	want := "[10.0.0.0/8 192.168.1.5/32 2001:db8::/32 172.16.0.0/12 10.1.0.0/16]"
	if fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s", got, want)
	}
	if got, err := ParsePrefixes(""); err != nil || got != nil {
		t.Errorf("empty: %v %v", got, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0/8", "fe80::1%eth0"} {
		if _, err := ParsePrefixes(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestClientAddr: the right-most address that is not a trusted proxy is
// the client, and only a trusted peer is believed at all.
func TestClientAddr(t *testing.T) {
	ps, _ := ParsePrefixes("127.0.0.1/32,10.0.0.0/8,2001:db8::/32")
	cases := []struct {
		name, peer string
		xff        []string
		fwd        []string
		want       string
	}{
		{"direct, no header", "198.51.100.7:5000", nil, nil, "198.51.100.7"},
		{"untrusted peer's header ignored", "198.51.100.7:5000", []string{"203.0.113.1"}, nil, "198.51.100.7"},
		{"untrusted peer's Forwarded ignored", "198.51.100.7:5000", nil, []string{"for=203.0.113.1"}, "198.51.100.7"},
		{"trusted proxy, no header", "10.0.0.2:5000", nil, nil, "10.0.0.2"},
		{"one proxy", "10.0.0.2:5000", []string{"203.0.113.1"}, nil, "203.0.113.1"},
		{"client's forgery left of the truth", "10.0.0.2:5000", []string{"1.2.3.4, 203.0.113.1"}, nil, "203.0.113.1"},
		{"two proxies", "10.0.0.2:5000", []string{"203.0.113.1, 10.9.9.9"}, nil, "203.0.113.1"},
		{"two header lines", "10.0.0.2:5000", []string{"1.2.3.4", "203.0.113.1, 10.9.9.9"}, nil, "203.0.113.1"},
		{"all hops trusted", "10.0.0.2:5000", []string{"10.1.1.1, 10.9.9.9"}, nil, "10.1.1.1"},
		{"hop with port", "10.0.0.2:5000", []string{"203.0.113.1:4711"}, nil, "203.0.113.1"},
		{"IPv6 hop", "[2001:db8::1]:443", []string{"2001:db8:ffff::9, [2001:db8::5]"}, nil, "2001:db8:ffff::9"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.2]:5000", []string{"203.0.113.1"}, nil, "203.0.113.1"},
		{"garbage hop stops at the proxy", "10.0.0.2:5000", []string{"203.0.113.1, unknown"}, nil, "10.0.0.2"},
		{"empty hop stops at the proxy", "10.0.0.2:5000", []string{""}, nil, "10.0.0.2"},
		{"Forwarded", "10.0.0.2:5000", nil, []string{`for=1.2.3.4, for="[2001:db8:cafe::17]:4711";proto=https, For=203.0.113.1;by=10.0.0.2`}, "203.0.113.1"},
		{"Forwarded quoted comma", "10.0.0.2:5000", nil, []string{`for="a,b";proto=http, for=203.0.113.1`}, "203.0.113.1"},
		{"Forwarded obfuscated", "10.0.0.2:5000", nil, []string{`for=_hidden`}, "10.0.0.2"},
		{"Forwarded without for", "10.0.0.2:5000", nil, []string{`proto=https`}, "10.0.0.2"},
		{"both agree", "10.0.0.2:5000", []string{"203.0.113.1"}, []string{"for=203.0.113.1"}, "203.0.113.1"},
		{"both disagree: one is the client's", "10.0.0.2:5000", []string{"203.0.113.1"}, []string{"for=198.51.100.1"}, "10.0.0.2"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		for _, v := range tc.fwd {
			r.Header.Add("Forwarded", v)
		}
		if got := proxies(ps).client(r).String(); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
		// Without trusted proxies only the peer counts.
		if got, peer := proxies(nil).client(r), peerAddr(r); got != peer {
			t.Errorf("%s without trusted proxies: %s, want the peer %s", tc.name, got, peer)
		}
		a := &API{proxies: ps}
		if got, want := clientOf(a.withClient(r)).Addr, netip.MustParseAddr(tc.want).String(); got != want {
			t.Errorf("%s: clientOf %s, want %s", tc.name, got, want)
		}
	}
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "localhost:8080": true, "LOCALHOST.": true, "app.localhost:1": true,
		"127.0.0.1": true, "127.0.0.1:8080": true, "127.8.9.1": true, "[::1]:8080": true, "[::1]": true, "::1": true,
		"evil.example": false, "evil.example:8080": false, "localhost.evil.example": false, "127.0.0.1.nip.io": false,
		"10.0.0.1": false, "[::ffff:127.0.0.1]:80": true, "": false, "[fe80::1%25lo]": false, "0.0.0.0": false,
	} {
		if got := loopbackHost(host); got != want {
			t.Errorf("loopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestOriginOf(t *testing.T) {
	for raw, want := range map[string]string{
		"https://Akte.Example.org/": "https://akte.example.org", "https://akte.example.org:443/x": "https://akte.example.org",
		"http://127.0.0.1:8080": "http://127.0.0.1:8080", "http://[::1]:80": "http://[::1]", "": "", "akte.example.org": "",
	} {
		if got := originOf(raw); got != want {
			t.Errorf("originOf(%q) = %q, want %q", raw, got, want)
		}
	}
}

// dialFrom connects to ln from the loopback address 127.0.0.n.
func dialFrom(t *testing.T, n int, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(n))}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// open reports whether the server keeps c open: it echoes a line.
func open(c net.Conn) bool {
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return false
	}
	l, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && l == "ping\n"
}

// TestLimitConns: an address gets max connections, the next is closed at
// once, a closed one frees its place, other addresses and the exempt
// proxies are not affected.
func TestLimitConns(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := LimitConns(raw, 3, []netip.Prefix{netip.MustParsePrefix("127.0.0.9/32")})
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	addr := raw.Addr().String()
	var held []net.Conn
	for i := range 3 {
		c := dialFrom(t, 2, addr)
		if !open(c) {
			t.Fatalf("connection %d of 3 refused", i+1)
		}
		held = append(held, c)
	}
	if open(dialFrom(t, 2, addr)) {
		t.Fatal("a 4th connection from one address was kept open")
	}
	if !open(dialFrom(t, 3, addr)) {
		t.Fatal("another address was refused")
	}
	for i := range 10 {
		if !open(dialFrom(t, 9, addr)) {
			t.Fatalf("exempt proxy refused at connection %d", i+1)
		}
	}
	held[0].Close()
	for deadline := time.Now().Add(5 * time.Second); ; {
		c := dialFrom(t, 2, addr)
		if open(c) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a closed connection did not free its place")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// IPv6 addresses of one /64 share their place.
	if raw6, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		l6 := LimitConns(raw6, 1, nil).(*connLimiter)
		l6.open[netip.MustParseAddr("::")] = 1 // ::1's /64 is full
		go func() {
			if c, err := l6.Accept(); err == nil {
				c.Close()
			}
		}()
		c, err := net.Dial("tcp6", raw6.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("a connection from a full /64 was kept open: %v", err)
		}
		c.Close()
		raw6.Close()
	}
	if LimitConns(raw, 0, nil) != raw {
		t.Error("max 0 wraps the listener")
	}
}

// TestBodyMinRate: a body slower than the rate fails within a window and
// is marked as the client's fault; a fast body, a body that waits for a
// slow server and a client that hangs up pass or fail as they should.
func TestBodyMinRate(t *testing.T) {
	rate := MinRate{PerSecond: 1000, Window: 200 * time.Millisecond}
	type result struct {
		n     int
		err   error
		fault clientFault
	}
	results := make(chan result, 1)
	var serverPause time.Duration
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(serverPause)
		b := newBodyReader(w, r, rate)
		data, err := io.ReadAll(b)
		results <- result{len(data), err, b.fault}
		// The deadline is gone after the body: a slow handler is not cut.
		time.Sleep(2 * rate.Window)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	send := func(size int, chunk int, every time.Duration, hangUp bool) (result, error) {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for sent := 0; sent < size; sent += chunk {
				if hangUp && sent >= size/2 {
					c.Close()
					return
				}
				if _, err := c.Write(make([]byte, min(chunk, size-sent))); err != nil {
					return
				}
				select {
				case <-stop:
					return
				case <-time.After(every):
				}
			}
		}()
		res := <-results
		if hangUp || res.err != nil {
			return res, nil
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return res, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return res, errors.New(resp.Status)
		}
		return res, nil
	}

	// One byte every 100 ms: 10 B/s against 1000.
	start := time.Now()
	res, _ := send(100, 1, 100*time.Millisecond, false)
	if res.err == nil || res.fault != faultSlow {
		t.Fatalf("slow body: %d bytes, err %v, fault %v", res.n, res.err, res.fault)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("slow body cut after %v, window %v", d, rate.Window)
	}
	// 20 KB/s for 1 s, five windows: passes, and the handler outlives the
	// last window. (20x the rate: on a loaded machine the sender's timer
	// fires late, and at 4x a late tick once failed a window.)
	if res, err := send(20000, 1000, 50*time.Millisecond, false); res.err != nil || res.n != 20000 || err != nil {
		t.Fatalf("body at 20x the rate: %d bytes, %v, answer %v", res.n, res.err, err)
	}
	// The server waits longer than a window before it reads: the client
	// is not blamed for that.
	serverPause = 3 * rate.Window
	if res, err := send(4000, 4000, 0, false); res.err != nil || err != nil {
		t.Fatalf("body read late: %v, answer %v", res.err, err)
	}
	serverPause = 0
	// A hang-up is the client's fault too.
	if res, _ := send(10000, 1000, 10*time.Millisecond, true); res.err == nil || res.fault != faultGone {
		t.Fatalf("hang-up: err %v, fault %v", res.err, res.fault)
	}
}

func TestMinRateNeed(t *testing.T) {
	for _, tc := range []struct {
		r    MinRate
		want int64
	}{{MinRate{1024, 30 * time.Second}, 30720}, {MinRate{1000, 500 * time.Millisecond}, 500}, {MinRate{1, time.Millisecond}, 1}} {
		if got := tc.r.need(); got != tc.want {
			t.Errorf("%+v: %d, want %d", tc.r, got, tc.want)
		}
	}
}

// TestDevMailboxHost: the development mailbox answers only requests whose
// Host is a loopback name or address (DNS rebinding sends the attacker's
// name).
func TestDevMailboxHost(t *testing.T) {
	ob, err := mail.NewOutbox(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ob.Send(t.Context(), mail.Message{To: "a@example.org", Subject: "Code", Text: "Code: 12345678"}); err != nil {
		t.Fatal(err)
	}
	h := New(Options{Mailbox: ob})
	for host, want := range map[string]int{"127.0.0.1:8080": 200, "localhost:8080": 200, "[::1]:8080": 200,
		"evil.example": 404, "evil.example:8080": 404, "127.0.0.1.evil.example:8080": 404} {
		r := httptest.NewRequest("GET", "/api/v1/dev/mailbox", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Host %s: %d %s, want %d", host, w.Code, w.Body, want)
		}
		if want == 404 && strings.Contains(w.Body.String(), "a@example.org") {
			t.Errorf("Host %s: the mail shows", host)
		}
	}
}
