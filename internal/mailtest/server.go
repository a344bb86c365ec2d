package mailtest

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Server is a real SMTP server on 127.0.0.1 (go-smtp) that requires AUTH
// PLAIN with the given user and writes every message it accepts as an .eml
// file into Dir, so Read and Last work on it like on the outbox.
type Server struct {
	Addr           string
	Dir            string
	User, Password string
	n              atomic.Int64
}

// StartServer starts a Server for the test.
func StartServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{Dir: t.TempDir(), User: "akte", Password: "smtp-test-secret"}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // loopback only
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// URL is the --smtp value for the server.
func (s *Server) URL() string { return fmt.Sprintf("smtp://%s:%s@%s", s.User, s.Password, s.Addr) }

type session struct {
	s    *Server
	auth bool
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != x.s.User || pass != x.s.Password {
			return smtp.ErrAuthFailed
		}
		x.auth = true
		return nil
	}), nil
}

func (x *session) Mail(string, *smtp.MailOptions) error {
	if !x.auth {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (x *session) Rcpt(string, *smtp.RcptOptions) error { return nil }

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%08d.eml", x.s.n.Add(1))
	return os.WriteFile(filepath.Join(x.s.Dir, name), b, 0o600)
}

func (x *session) Reset()        {}
func (x *session) Logout() error { return nil }
