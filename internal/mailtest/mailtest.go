// Package mailtest reads the development outbox the way a person would read
// their mailbox: it is shared by the tests that follow mailed codes and links.
package mailtest

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Message is one mail from the outbox with its body decoded.
type Message struct {
	Name, To, Subject, Body string
}

// Read returns the outbox's messages, oldest first.
func Read(dir string) ([]Message, error) {
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".eml") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var out []Message
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		m, err := mail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		var body io.Reader = m.Body
		if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(m.Body)
		}
		text, err := io.ReadAll(body)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", n, err)
		}
		subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		out = append(out, Message{Name: n, To: m.Header.Get("To"), Subject: subj, Body: string(text)})
	}
	return out, nil
}

// Last returns the newest message to addr whose subject contains subj.
func Last(dir, addr, subj string) (Message, error) {
	ms, err := Read(dir)
	if err != nil {
		return Message{}, err
	}
	for i := len(ms) - 1; i >= 0; i-- {
		if strings.Contains(ms[i].To, addr) && strings.Contains(ms[i].Subject, subj) {
			return ms[i], nil
		}
	}
	return Message{}, fmt.Errorf("no mail to %s with subject %q among %d", addr, subj, len(ms))
}

var codeRe = regexp.MustCompile(`(?m)^Code: (\d{8})\s*$`)
var linkRe = regexp.MustCompile(`https?://\S+`)

// Code returns the code on the message's `Code: ...` line.
func (m Message) Code() (string, error) {
	c := codeRe.FindStringSubmatch(m.Body)
	if c == nil {
		return "", fmt.Errorf("no Code: line in mail %q", m.Subject)
	}
	return c[1], nil
}

// Link returns the message's only link.
func (m Message) Link() (string, error) {
	links := linkRe.FindAllString(m.Body, -1)
	if len(links) != 1 {
		return "", fmt.Errorf("want one link in mail %q, got %v", m.Subject, links)
	}
	return links[0], nil
}
