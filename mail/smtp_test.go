package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message as the test server got it.
type received struct {
	From, To string
	Data     []byte
	User     string // authenticated user, if any
	TLS      bool
}

// testServer is a real SMTP server on 127.0.0.1, built with go-smtp.
type testServer struct {
	// Configuration, set before start.
	users     map[string]string // AUTH PLAIN accounts; nil: no AUTH
	tlsConfig *tls.Config       // offered by STARTTLS, or used throughout if implicit
	implicit  bool
	rejectTo  map[string]int // recipient -> SMTP code to refuse it with

	addr string
	port int
	mu   sync.Mutex
	msgs []received
}

func (ts *testServer) start(t *testing.T) {
	t.Helper()
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &testSession{ts: ts, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true // AUTH PLAIN over plain TCP, for the test only
	s.ReadTimeout = 5 * time.Second
	s.WriteTimeout = 5 * time.Second
	var l net.Listener
	var err error
	if ts.implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", ts.tlsConfig)
	} else {
		s.TLSConfig = ts.tlsConfig
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	ts.port = l.Addr().(*net.TCPAddr).Port
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
}

func (ts *testServer) messages() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.msgs...)
}

type testSession struct {
	ts       *testServer
	conn     *smtp.Conn
	user     string
	from, to string
}

func (s *testSession) AuthMechanisms() []string {
	if s.ts.users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if pw, ok := s.ts.users[username]; !ok || pw != password {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *testSession) Mail(from string, opts *smtp.MailOptions) error {
	if s.ts.users != nil && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *testSession) Rcpt(to string, opts *smtp.RcptOptions) error {
	if code := s.ts.rejectTo[to]; code != 0 {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "no such user"}
	}
	s.to = to
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	s.ts.msgs = append(s.ts.msgs, received{From: s.from, To: s.to, Data: b, User: s.user, TLS: isTLS})
	return nil
}

func (s *testSession) Reset()        { s.from, s.to = "", "" }
func (s *testSession) Logout() error { return nil }

// testCert returns a server configuration with a fresh self-signed
// certificate for 127.0.0.1 and a client configuration that trusts it.
func testCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "akte test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{ServerName: "127.0.0.1", RootCAs: pool, MinVersion: tls.VersionTLS12}
	return server, client
}

func mustSMTP(t *testing.T, rawURL string) *SMTP {
	t.Helper()
	s, err := NewSMTP(rawURL, "")
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	s.timeout = 5 * time.Second
	return s
}

// checkReceived checks that ts got exactly umlauts, from akte@localhost.
func checkReceived(t *testing.T, ts *testServer, now time.Time) received {
	t.Helper()
	msgs := ts.messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	r := msgs[0]
	if r.From != "akte@localhost" || r.To != "joerg@example.org" {
		t.Errorf("envelope from %q to %q, want akte@localhost to joerg@example.org", r.From, r.To)
	}
	checkMessage(t, r.Data, umlauts, now)
	return r
}

func TestSMTPPlain(t *testing.T) {
	ts := &testServer{}
	ts.start(t)
	s := mustSMTP(t, fmt.Sprintf("smtp://127.0.0.1:%d", ts.port))
	now := time.Date(2026, 11, 23, 10, 15, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if err := s.Send(context.Background(), umlauts); err != nil {
		t.Fatal(err)
	}
	if r := checkReceived(t, ts, now); r.User != "" || r.TLS {
		t.Errorf("user %q, TLS %v; want neither", r.User, r.TLS)
	}
}

func TestSMTPAuthPlain(t *testing.T) {
	const pass = "s3cr:et/pa ss%"
	ts := &testServer{users: map[string]string{"akte": pass}}
	ts.start(t)
	now := time.Now()

	// Without a user in the URL the server refuses the mail.
	err := mustSMTP(t, fmt.Sprintf("smtp://127.0.0.1:%d", ts.port)).Send(context.Background(), umlauts)
	if err == nil {
		t.Fatal("Send without AUTH to a server that requires it succeeded")
	}

	// A wrong password fails, and no error shows either password.
	bad := mustSMTP(t, fmt.Sprintf("smtp://akte:wrong-Passw0rd@127.0.0.1:%d", ts.port))
	err = bad.Send(context.Background(), umlauts)
	if !akte.Is(err, akte.KindInternal) {
		t.Errorf("Send with wrong password = %v, want KindInternal", err)
	}
	if err != nil && strings.Contains(err.Error(), "wrong-Passw0rd") {
		t.Errorf("error contains the password: %v", err)
	}

	s := mustSMTP(t, fmt.Sprintf("smtp://akte:%s@127.0.0.1:%d", strings.NewReplacer(":", "%3A", "/", "%2F", " ", "%20", "%", "%25").Replace(pass), ts.port))
	s.Now = func() time.Time { return now }
	if err := s.Send(context.Background(), umlauts); err != nil {
		t.Fatal(err)
	}
	if r := checkReceived(t, ts, now); r.User != "akte" {
		t.Errorf("authenticated as %q, want akte", r.User)
	}
}

func TestSMTPStartTLS(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	ts := &testServer{users: map[string]string{"akte": "pw"}, tlsConfig: serverTLS}
	ts.start(t)
	s := mustSMTP(t, fmt.Sprintf("smtp://akte:pw@127.0.0.1:%d", ts.port))
	s.tlsConfig = clientTLS
	now := time.Now()
	s.Now = func() time.Time { return now }
	if err := s.Send(context.Background(), umlauts); err != nil {
		t.Fatal(err)
	}
	if r := checkReceived(t, ts, now); !r.TLS || r.User != "akte" {
		t.Errorf("TLS %v, user %q; want STARTTLS and akte", r.TLS, r.User)
	}

	// A certificate the client does not trust stops the mail: STARTTLS
	// is opportunistic only where the server does not offer it.
	s.tlsConfig = &tls.Config{ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if err := s.Send(context.Background(), umlauts); !akte.Is(err, akte.KindInternal) {
		t.Errorf("Send to untrusted certificate = %v, want KindInternal", err)
	}
}

func TestSMTPS(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	ts := &testServer{users: map[string]string{"akte": "pw"}, tlsConfig: serverTLS, implicit: true}
	ts.start(t)
	s := mustSMTP(t, fmt.Sprintf("smtps://akte:pw@127.0.0.1:%d", ts.port))
	s.tlsConfig = clientTLS
	now := time.Now()
	s.Now = func() time.Time { return now }
	if err := s.Send(context.Background(), umlauts); err != nil {
		t.Fatal(err)
	}
	if r := checkReceived(t, ts, now); !r.TLS || r.User != "akte" {
		t.Errorf("TLS %v, user %q; want TLS and akte", r.TLS, r.User)
	}
}

func TestSMTPRejectedRecipient(t *testing.T) {
	ts := &testServer{rejectTo: map[string]int{"gone@example.org": 550, "busy@example.org": 451}}
	ts.start(t)
	s := mustSMTP(t, fmt.Sprintf("smtp://127.0.0.1:%d", ts.port))
	err := s.Send(context.Background(), Message{To: "gone@example.org", Subject: "s", Text: "t"})
	if !akte.Is(err, akte.KindInvalid) {
		t.Errorf("Send to refused recipient = %v, want KindInvalid", err)
	}
	err = s.Send(context.Background(), Message{To: "busy@example.org", Subject: "s", Text: "t"})
	if !akte.Is(err, akte.KindUnavailable) {
		t.Errorf("Send to temporarily refused recipient = %v, want KindUnavailable", err)
	}
}

func TestSMTPDown(t *testing.T) {
	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := mustSMTP(t, fmt.Sprintf("smtp://user:hunter2@127.0.0.1:%d", port))
	err = s.Send(context.Background(), umlauts)
	if !akte.Is(err, akte.KindUnavailable) {
		t.Errorf("Send to a server that is down = %v, want KindUnavailable", err)
	}
	if err != nil && strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error contains the password: %v", err)
	}

	// A server that accepts but never answers runs into ctx's deadline.
	l, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	s = mustSMTP(t, "smtp://"+l.Addr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, umlauts)
	if !akte.Is(err, akte.KindUnavailable) {
		t.Errorf("Send to a silent server = %v, want KindUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Send took %v despite a 200ms deadline", d)
	}
}

func TestNewSMTPBadURL(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"", "no scheme"},
		{"mail.example.org:587", "scheme"},
		{"http://mail.example.org", `scheme "http"`},
		{"smtp://", "no host"},
		{"smtp:///path", "no host"},
		{"smtp:mail.example.org", "want smtp://host"},
		{"smtp://mail.example.org:0", `port "0"`},
		{"smtp://mail.example.org:99999", `port "99999"`},
		{"smtp://mail.example.org:abc", "invalid SMTP URL"},
		{"smtp://mail.example.org/inbox", "unexpected path"},
		{"smtp://mail.example.org?tls=off", "unexpected path, query"},
		{"smtp://:topsecret@mail.example.org", "password without user"},
		{"smtp://user:top secret%zz@mail.example.org", "invalid SMTP URL"},
		{"smtp://user:topsecret@mail example.org", "invalid SMTP URL"},
		{"smtp://user:topsecret@mail.example.org:12x", "invalid SMTP URL"},
	} {
		_, err := NewSMTP(tt.url, "")
		if !akte.Is(err, akte.KindInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewSMTP(%q) = %v, want KindInvalid containing %q", tt.url, err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("NewSMTP(%q) error contains the password: %v", tt.url, err)
		}
	}
	if _, err := NewSMTP("smtp://mail.example.org", "not an address"); !akte.Is(err, akte.KindInvalid) {
		t.Errorf("NewSMTP with bad from = %v, want KindInvalid", err)
	}
	s, err := NewSMTP("smtps://u:p@mail.example.org", "Praxis <p@example.de>")
	if err != nil {
		t.Fatal(err)
	}
	if s.host != "mail.example.org" || s.port != 465 || !s.implicitTLS || s.user != "u" || s.pass != "p" || s.from.Address != "p@example.de" {
		t.Errorf("NewSMTP(smtps://...) = %+v", s)
	}
	if s, _ := NewSMTP("smtp://mail.example.org", ""); s.port != 587 || s.implicitTLS || s.user != "" || s.from.Address != "akte@localhost" {
		t.Errorf("NewSMTP(smtp://...) = %+v", s)
	}
}
