// Package mail sends the service's e-mails: over SMTP in production, into a
// directory of .eml files (the outbox) during development.
//
// Both build the same RFC 5322 message from a Message, so what a developer
// reads in the outbox is what a mail server would get.
package mail

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/akte/akte"
	gomail "github.com/wneessen/go-mail"
)

// DefaultFrom is the sender when none is configured.
const DefaultFrom = "Akte <akte@localhost>"

// Message is an e-mail to one person. Its body is plain UTF-8 text; it may
// carry confirmation codes, so it is never logged.
type Message struct {
	To      string // one address, optionally with a name: "Jörg <j@example.org>"
	Subject string
	Text    string
}

// Limits that keep a message well-formed: RFC 5322 allows 998 characters in
// a header line, and no message of the service comes near 1 MiB.
const (
	maxSubjectLen = 500
	maxTextLen    = 1 << 20
)

// parseFrom parses a configured sender address; empty means DefaultFrom.
func parseFrom(op, from string) (*mail.Address, error) {
	if from == "" {
		from = DefaultFrom
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, akte.E(op, akte.KindInvalid, "invalid sender address", err)
	}
	return addr, nil
}

// compose checks m and builds the message. Header values are checked
// rather than escaped away: a line break in a subject or address would
// otherwise let the caller add headers.
func compose(op string, from *mail.Address, m Message, now time.Time) (*gomail.Msg, error) {
	if strings.ContainsAny(m.To, "\r\n") {
		return nil, akte.E(op, akte.KindInvalid, "invalid recipient address", nil)
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, akte.E(op, akte.KindInvalid, "invalid recipient address", err)
	}
	switch {
	case strings.ContainsAny(m.Subject, "\r\n"):
		return nil, akte.E(op, akte.KindInvalid, "line break in the subject", nil)
	case len(m.Subject) > maxSubjectLen:
		return nil, akte.E(op, akte.KindInvalid, "subject too long", nil)
	case !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text):
		return nil, akte.E(op, akte.KindInvalid, "subject or text not valid UTF-8", nil)
	case len(m.Text) > maxTextLen:
		return nil, akte.E(op, akte.KindInvalid, "text too long", nil)
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetDateWithValue(now)
	msg.SetMessageIDWithValue(messageID(from))
	// go-mail encodes the body quoted-printable, so lines stay short and
	// the message is 7-bit clean whatever the text.
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	return msg, nil
}

// messageID returns a Message-ID in the sender's domain, which keeps the
// host name of the machine out of the mail.
func messageID(from *mail.Address) string {
	var b [16]byte
	rand.Read(b[:])
	domain := "localhost"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 && i < len(from.Address)-1 {
		domain = from.Address[i+1:]
	}
	return fmt.Sprintf("%s@%s", hex.EncodeToString(b[:]), domain)
}
