package webpush

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// MaxEndpoint bounds the length of an endpoint URL.
const MaxEndpoint = 1024

// Errors of the sender.
var (
	// ErrEndpoint: the endpoint is no https URL of a public host.
	ErrEndpoint = errors.New("webpush: endpoint refused")
	// ErrGone: the push service answered 404 or 410, the subscription
	// is no more (RFC 8030 §7.3); the caller deletes it.
	ErrGone = errors.New("webpush: subscription gone")
)

// CheckEndpoint checks an endpoint before it is stored: an https URL
// without user info of a host that is not an IP address inside a
// private, loopback, link-local or otherwise special network. allow
// lists host:port pairs (the operator's, for tests) that may be anything,
// http too. A name is checked again when it is dialled (Client).
func CheckEndpoint(endpoint string, allow []string) error {
	if len(endpoint) > MaxEndpoint {
		return ErrEndpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return ErrEndpoint
	}
	if slices.Contains(allow, hostPort(u)) && (u.Scheme == "https" || u.Scheme == "http") {
		return nil
	}
	if u.Scheme != "https" {
		return ErrEndpoint
	}
	h := u.Hostname()
	if a, err := netip.ParseAddr(h); err == nil {
		if !Public(a) {
			return ErrEndpoint
		}
	} else if h == "localhost" || !validName(h) {
		return ErrEndpoint
	}
	return nil
}

func validName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, c := range h {
		if !(c == '.' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func hostPort(u *url.URL) string {
	p := u.Port()
	if p == "" {
		p = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), p)
}

// Public reports whether a is a global unicast address outside the
// private, shared (CGNAT), loopback, link-local, multicast and
// documentation ranges: an address a push service may have.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range special {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // shared address space
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 reaches IPv4 inside too
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"), // 6to4 embeds IPv4
}

// Client is an HTTP client for push services: it dials only public
// addresses (checked after name resolution, so a name that resolves
// inside, or rebinds, is refused) except the allowed host:port pairs,
// follows no redirect, uses no proxy from the environment, and gives up
// after timeout.
func Client(allow []string, timeout time.Duration) *http.Client {
	guarded := &net.Dialer{Timeout: timeout, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !Public(ap.Addr()) {
			return ErrEndpoint
		}
		return nil
	}}
	plain := &net.Dialer{Timeout: timeout}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if slices.Contains(allow, addr) {
				return plain.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       time.Minute,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Sender sends push messages with one VAPID identity.
type Sender struct {
	VAPID  *VAPID
	Client *http.Client
	Allow  []string // host:port pairs exempt from the endpoint rule (CheckEndpoint)
	Now    func() time.Time
}

// Message is one push message.
type Message struct {
	Endpoint string
	Keys     Keys
	Payload  []byte
	// TTL is how long the push service keeps the message for a browser
	// that is offline (RFC 8030 §5.2).
	TTL time.Duration
	// Urgency is very-low, low, normal or high (RFC 8030 §5.3); empty
	// is normal.
	Urgency string
}

// Send encrypts and posts m. It returns ErrGone if the push service says
// the subscription is no more, ErrEndpoint if the endpoint is refused,
// and another error for any other failure.
func (s *Sender) Send(ctx context.Context, m Message) error {
	if err := CheckEndpoint(m.Endpoint, s.Allow); err != nil {
		return err
	}
	body, err := Encrypt(m.Payload, m.Keys)
	if err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	auth, err := s.VAPID.Authorization(m.Endpoint, now().Add(12*time.Hour))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Endpoint, bytes.NewReader(body))
	if err != nil {
		return ErrEndpoint
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Encoding", "aes128gcm")
	req.Header.Set("TTL", strconv.Itoa(int(m.TTL/time.Second)))
	if m.Urgency != "" {
		req.Header.Set("Urgency", m.Urgency)
	}
	req.Header.Set("Authorization", auth)
	resp, err := s.Client.Do(req)
	if err != nil {
		if errors.Is(err, ErrEndpoint) {
			return ErrEndpoint
		}
		var ue *url.Error // its text holds the endpoint, which is a capability
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("webpush: post: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return ErrGone
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	}
	return fmt.Errorf("webpush: push service answered %d", resp.StatusCode)
}
