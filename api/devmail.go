package api

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/netip"
	"strings"

	"github.com/akte/akte"
	amail "github.com/akte/akte/mail"
	"github.com/akte/akte/wire"
)

// Mailbox is the development outbox as the dev mailbox routes read it
// (mail.Outbox). The routes exist only when Options.Mailbox is set, which
// cmd/akte does only without SMTP and on a loopback address: the outbox
// holds confirmation codes and links of every account.
type Mailbox interface {
	List() ([]amail.Entry, error)
	Read(name string) ([]byte, error)
}

// local passes only requests whose Host is a loopback name or address;
// others get 404. The server listens on loopback when it has a mailbox,
// but a page of another site can still reach it through DNS rebinding (a
// name of the attacker's that resolves to 127.0.0.1): its requests carry
// the attacker's name as Host.
func (a *API) local(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			a.handleNotFound(w, r)
			return
		}
		h(w, r)
	}
}

// loopbackHost reports whether a Host header names this machine's
// loopback: localhost, a name under .localhost (RFC 6761), or a loopback
// address, with or without a port.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Zone() == "" && a.Unmap().IsLoopback()
}

func (a *API) handleDevMailboxList(w http.ResponseWriter, r *http.Request) {
	es, err := a.opts.Mailbox.List()
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.Mail, 0, len(es))
	for _, e := range es {
		out = append(out, wire.Mail{Name: e.Name, To: e.To, Subject: e.Subject, Time: e.Time})
	}
	writeJSON(w, http.StatusOK, out)
}

// handleDevMailboxRead returns one message with its text body decoded.
func (a *API) handleDevMailboxRead(w http.ResponseWriter, r *http.Request) {
	const op = "api.dev_mailbox"
	raw, err := a.opts.Mailbox.Read(r.PathValue("name"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		a.writeError(w, r, akte.E(op, akte.KindInternal, "", err))
		return
	}
	var body io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(m.Body)
	}
	text, err := io.ReadAll(io.LimitReader(body, 1<<20))
	if err != nil {
		a.writeError(w, r, akte.E(op, akte.KindInternal, "", err))
		return
	}
	out := wire.Mail{Name: r.PathValue("name"), Text: strings.ReplaceAll(string(text), "\r\n", "\n")}
	out.Subject, _ = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if addr, err := mail.ParseAddress(m.Header.Get("To")); err == nil {
		out.To = addr.Address
	}
	out.Time, _ = m.Header.Date()
	writeJSON(w, http.StatusOK, out)
}
