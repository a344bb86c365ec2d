package mail

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

// umlauts is a German message as the service sends them: umlauts and ß in
// subject and body, a code, and a line longer than quoted-printable allows.
var umlauts = Message{
	To:      "Jörg Müller <joerg@example.org>",
	Subject: "Ihr Bestätigungscode für Akte",
	Text: "Grüße, Jörg!\n\nIhr Code lautet 493817. Er gilt für zehn Minuten.\n" +
		strings.Repeat("Straße ", 30) + "\nÄÖÜäöüß\n",
}

func newTestOutbox(t *testing.T) (*Outbox, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	o, err := NewOutbox(t.TempDir(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return o, &logs
}

// parse reads a message back as a mail client would and returns the
// decoded subject and body.
func parse(t *testing.T, eml []byte) (*mail.Message, string, string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(eml))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, eml)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode Subject %q: %v", msg.Header.Get("Subject"), err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("Content-Type = %q, want text/plain; charset=utf-8", msg.Header.Get("Content-Type"))
	}
	var body io.Reader = msg.Body
	switch cte := msg.Header.Get("Content-Transfer-Encoding"); strings.ToLower(cte) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "8bit", "7bit":
	default:
		t.Errorf("Content-Transfer-Encoding = %q", cte)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return msg, subject, strings.ReplaceAll(string(b), "\r\n", "\n")
}

// checkMessage checks that eml is want, sent from "Akte <akte@localhost>".
func checkMessage(t *testing.T, eml []byte, want Message, wantDate time.Time) {
	t.Helper()
	msg, subject, body := parse(t, eml)
	if subject != want.Subject {
		t.Errorf("Subject = %q, want %q", subject, want.Subject)
	}
	if body != want.Text {
		t.Errorf("body = %q, want %q", body, want.Text)
	}
	wantTo, _ := mail.ParseAddress(want.To)
	if to, err := msg.Header.AddressList("To"); err != nil || len(to) != 1 || *to[0] != *wantTo {
		t.Errorf("To = %v (%v), want %v", to, err, wantTo)
	}
	if from, err := msg.Header.AddressList("From"); err != nil || len(from) != 1 ||
		from[0].Name != "Akte" || from[0].Address != "akte@localhost" {
		t.Errorf("From = %v (%v), want Akte <akte@localhost>", from, err)
	}
	if date, err := msg.Header.Date(); err != nil || !date.Equal(wantDate.Truncate(time.Second)) {
		t.Errorf("Date = %v (%v), want %v", date, err, wantDate)
	}
	if id := msg.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@localhost>") {
		t.Errorf("Message-ID = %q, want <...@localhost>", id)
	}
	if v := msg.Header.Get("MIME-Version"); v != "1.0" {
		t.Errorf("MIME-Version = %q", v)
	}
	for i, c := range eml {
		if c >= 0x80 {
			// Quoted-printable and RFC 2047 keep the message 7-bit,
			// except for a non-ASCII recipient address.
			if !bytes.Contains(eml[max(0, i-40):i], []byte("To:")) {
				t.Errorf("byte %#x at %d outside the To header", c, i)
			}
			break
		}
	}
}

func TestOutboxSend(t *testing.T) {
	o, logs := newTestOutbox(t)
	now := time.Date(2026, 11, 23, 10, 15, 0, 123456789, time.UTC)
	o.Now = func() time.Time { return now }
	if err := o.Send(context.Background(), umlauts); err != nil {
		t.Fatal(err)
	}
	entries, err := o.List()
	if err != nil || len(entries) != 1 {
		t.Fatalf("List = %v, %v; want one entry", entries, err)
	}
	e := entries[0]
	if !strings.HasPrefix(e.Name, "20261123T101500.123456789Z-") || !strings.HasSuffix(e.Name, ".eml") {
		t.Errorf("Name = %q", e.Name)
	}
	if e.To != "joerg@example.org" || e.Subject != umlauts.Subject || !e.Time.Equal(now) {
		t.Errorf("entry = %+v", e)
	}
	eml, err := o.Read(e.Name)
	if err != nil {
		t.Fatal(err)
	}
	checkMessage(t, eml, umlauts, now)

	// Only recipient and subject reach the log, never the body's code.
	log := logs.String()
	if !strings.Contains(log, "level=INFO") || !strings.Contains(log, "joerg@example.org") || !strings.Contains(log, "Bestätigungscode") {
		t.Errorf("log lacks recipient or subject: %s", log)
	}
	if strings.Contains(log, "493817") || strings.Contains(log, "Grüße") {
		t.Errorf("log contains the body: %s", log)
	}
}

func TestOutboxASCII(t *testing.T) {
	o, _ := newTestOutbox(t)
	m := Message{To: "a@example.org", Subject: "Plain subject", Text: "Code: 123456\n"}
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	entries, _ := o.List()
	eml, err := o.Read(entries[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	// An ASCII subject goes unencoded.
	if !bytes.Contains(eml, []byte("\nSubject: Plain subject\r\n")) {
		t.Errorf("message lacks a plain Subject header:\n%s", eml)
	}
	_, _, body := parse(t, eml)
	if body != m.Text {
		t.Errorf("body = %q, want %q", body, m.Text)
	}
}

func TestOutboxFrom(t *testing.T) {
	o, _ := newTestOutbox(t)
	o.From = "Praxis Dr. Weiß <praxis@example.de>"
	if err := o.Send(context.Background(), umlauts); err != nil {
		t.Fatal(err)
	}
	entries, _ := o.List()
	eml, _ := o.Read(entries[0].Name)
	msg, _, _ := parse(t, eml)
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Praxis Dr. Weiß" || from[0].Address != "praxis@example.de" {
		t.Errorf("From = %v, %v", from, err)
	}
	if id := msg.Header.Get("Message-ID"); !strings.HasSuffix(id, "@example.de>") {
		t.Errorf("Message-ID = %q, want one in the sender's domain", id)
	}

	o.From = "not an address"
	if err := o.Send(context.Background(), umlauts); !akte.Is(err, akte.KindInvalid) {
		t.Errorf("Send with bad From = %v, want KindInvalid", err)
	}
}

func TestOutboxListOrder(t *testing.T) {
	o, _ := newTestOutbox(t)
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var mu sync.Mutex
	var tick int
	o.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		tick++
		return base.Add(time.Duration(tick) * time.Millisecond)
	}
	for _, s := range []string{"first", "second", "third"} {
		if err := o.Send(context.Background(), Message{To: "a@example.org", Subject: s, Text: s}); err != nil {
			t.Fatal(err)
		}
	}
	// Files that are not messages are not listed.
	os.WriteFile(filepath.Join(o.dir, tmpPrefix+"123"), []byte("partial"), 0o600)
	os.WriteFile(filepath.Join(o.dir, "notes.txt"), []byte("x"), 0o600)

	entries, err := o.List()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Subject)
	}
	if strings.Join(got, ",") != "third,second,first" {
		t.Errorf("List subjects = %v, want newest first", got)
	}
	if !entries[0].Time.Equal(base.Add(3 * time.Millisecond)) {
		t.Errorf("Time = %v", entries[0].Time)
	}

	// A new outbox on the directory clears what a crash left.
	if _, err := NewOutbox(o.dir, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(o.dir, tmpPrefix+"123")); !os.IsNotExist(err) {
		t.Errorf("temporary file survived NewOutbox: %v", err)
	}
}

func TestOutboxRead(t *testing.T) {
	o, _ := newTestOutbox(t)
	secret := filepath.Join(filepath.Dir(o.dir), "secret.eml")
	os.WriteFile(secret, []byte("secret"), 0o600)
	for _, name := range []string{
		"",
		".",
		"..",
		"../secret.eml",
		"/etc/passwd",
		secret,
		"20261123T101500.123456789Z-0123456789abcdef.eml/../../secret.eml",
		`..\secret.eml`,
		"notes.txt",
		".tmp-123",
		"20261123T101500.123456789Z-0123456789ABCDEF.eml",
	} {
		if b, err := o.Read(name); !akte.Is(err, akte.KindInvalid) {
			t.Errorf("Read(%q) = %q, %v; want KindInvalid", name, b, err)
		}
	}
	if _, err := o.Read("20261123T101500.123456789Z-0123456789abcdef.eml"); !akte.Is(err, akte.KindNotFound) {
		t.Errorf("Read of a missing message: %v, want KindNotFound", err)
	}
}

func TestComposeRejects(t *testing.T) {
	o, _ := newTestOutbox(t)
	for _, m := range []Message{
		{To: "", Subject: "s", Text: "t"},
		{To: "not an address", Subject: "s", Text: "t"},
		{To: "a@example.org, b@example.org", Subject: "s", Text: "t"},
		{To: "a@example.org\r\nBcc: evil@example.org", Subject: "s", Text: "t"},
		{To: "a@example.org", Subject: "s\r\nBcc: evil@example.org", Text: "t"},
		{To: "a@example.org", Subject: "s\nX: y", Text: "t"},
		{To: "a@example.org", Subject: "s", Text: "\xff"},
		{To: "a@example.org", Subject: strings.Repeat("s", 501), Text: "t"},
	} {
		if err := o.Send(context.Background(), m); !akte.Is(err, akte.KindInvalid) {
			t.Errorf("Send(%+q) = %v, want KindInvalid", m, err)
		}
	}
	if entries, _ := o.List(); len(entries) != 0 {
		t.Errorf("rejected messages were written: %v", entries)
	}
}
