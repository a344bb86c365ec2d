package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/akte/akte"
	gomail "github.com/wneessen/go-mail"
)

// SMTP sends messages through a mail server. It is safe for concurrent use:
// every Send opens its own connection, which suits the few mails an
// instance sends (codes, confirmations, notices).
type SMTP struct {
	// Now returns the current time, for the Date header; tests replace it.
	Now func() time.Time

	host        string
	port        int
	implicitTLS bool
	user, pass  string
	from        *mail.Address
	tlsConfig   *tls.Config
	timeout     time.Duration
}

// defaultTimeout bounds a whole Send unless ctx's deadline is sooner.
const defaultTimeout = 30 * time.Second

// authMechs are tried in this order. PLAIN and LOGIN send the password
// itself; go-mail sends them only over TLS or to localhost.
var authMechs = []gomail.SMTPAuthType{
	gomail.SMTPAuthSCRAMSHA256PLUS, gomail.SMTPAuthSCRAMSHA256,
	gomail.SMTPAuthSCRAMSHA1PLUS, gomail.SMTPAuthSCRAMSHA1,
	gomail.SMTPAuthPlain, gomail.SMTPAuthLogin,
}

// NewSMTP returns a sender for the server that rawURL names:
//
//	smtp://[user:password@]host[:port]   port 587, STARTTLS when offered
//	smtps://[user:password@]host[:port]  port 465, TLS from the start
//
// It authenticates only when the URL has a user; the password may be
// percent-encoded. from is the sender address, DefaultFrom if empty. No
// error of NewSMTP or Send contains the password.
//
// STARTTLS is opportunistic: an attacker on the path can strip it and
// read the mail (never the password, see authMechs). Use smtps:// where
// the server offers it.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	const op = "mail.smtp"
	invalid := func(format string, args ...any) error {
		return akte.E(op, akte.KindInvalid, "invalid SMTP URL: "+fmt.Sprintf(format, args...), nil)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the URL, password and all; keep only the
		// reason, and take the password out of that too.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, invalid("%s", redact(err.Error(), guessPassword(rawURL)))
	}
	s := &SMTP{Now: time.Now, timeout: defaultTimeout}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port = 465
		s.implicitTLS = true
	case "":
		return nil, invalid("no scheme, want smtp:// or smtps://")
	default:
		return nil, invalid("scheme %q, want smtp:// or smtps://", u.Scheme)
	}
	if u.Opaque != "" {
		return nil, invalid("want %s://host", u.Scheme)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, invalid("no host")
	}
	if p := u.Port(); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return nil, invalid("port %q", p)
		}
		s.port = port
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return nil, invalid("unexpected path, query or fragment")
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		if s.user == "" {
			return nil, invalid("password without user")
		}
	}
	if s.from, err = parseFrom(op, from); err != nil {
		return nil, err
	}
	s.tlsConfig = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	return s, nil
}

// Send delivers m to the server. Errors are KindInvalid when m is malformed
// or the server refuses the recipient, KindUnavailable when the server
// cannot be reached or fails temporarily, and KindInternal for what needs an
// operator (wrong password, untrusted certificate, a refused sender).
func (s *SMTP) Send(ctx context.Context, m Message) error {
	const op = "mail.smtp.send"
	msg, err := compose(op, s.from, m, s.Now())
	if err != nil {
		return err
	}
	// go-mail watches ctx only while dialing and applies its timeout to
	// each step, so derive the timeout from ctx's deadline as well.
	timeout := s.timeout
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	if err := ctx.Err(); err != nil || timeout <= 0 {
		if err == nil {
			err = context.DeadlineExceeded
		}
		return akte.E(op, akte.KindUnavailable, "", err)
	}
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(s.tlsConfig),
	}
	if s.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.user != "" {
		opts = append(opts,
			gomail.WithUsername(s.user),
			gomail.WithPassword(s.pass),
			gomail.WithOpportunisticSMTPAuth(authMechs...))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return akte.E(op, akte.KindInternal, "", s.redactErr(err))
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		kind, text := classify(err)
		return akte.E(op, kind, text, s.redactErr(err))
	}
	return nil
}

// classify maps an error of go-mail to a Kind and a note for the
// operator's log (the service never shows a mail's failure to anybody).
func classify(err error) (akte.Kind, string) {
	const (
		down     = "mail server unreachable"
		rejected = "mail server refused the recipient"
		setup    = "mail sending misconfigured"
	)
	var se *gomail.SendError
	if errors.As(err, &se) {
		switch {
		case se.IsTemp():
			return akte.KindUnavailable, down
		case se.Reason == gomail.ErrSMTPRcptTo:
			return akte.KindInvalid, rejected
		case se.Reason == gomail.ErrConnCheck:
			return akte.KindUnavailable, down
		}
		return akte.KindInternal, setup
	}
	var pe *textproto.Error
	if errors.As(err, &pe) {
		if pe.Code >= 400 && pe.Code < 500 {
			return akte.KindUnavailable, down
		}
		return akte.KindInternal, setup // e.g. 535 authentication failed
	}
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	// go-mail reports a refused or impossible AUTH (no common mechanism,
	// PLAIN without TLS) partly as text only.
	if errors.As(err, &cve) || errors.As(err, &uae) || errors.As(err, &hne) ||
		strings.Contains(err.Error(), "AUTH") {
		return akte.KindInternal, setup
	}
	// Refused or timed-out connections, resets, a server that hangs up.
	return akte.KindUnavailable, down
}

func (s *SMTP) redactErr(err error) error {
	if s.pass == "" || !strings.Contains(err.Error(), s.pass) {
		return err
	}
	return errors.New(redact(err.Error(), s.pass))
}

func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	for _, v := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		s = strings.ReplaceAll(s, v, "[redacted]")
	}
	return s
}

// guessPassword finds the password in a URL that url.Parse rejected, so
// that it can be cut from the error: what lies between the first ':' after
// "//" and the last '@'.
func guessPassword(rawURL string) string {
	rest := rawURL
	if i := strings.Index(rest, "//"); i >= 0 {
		rest = rest[i+2:]
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return ""
	}
	userinfo := rest[:at]
	if i := strings.IndexByte(userinfo, ':'); i >= 0 {
		return userinfo[i+1:]
	}
	return ""
}
