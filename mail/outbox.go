package mail

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/akte/akte"
)

// Outbox is the development sender: it writes each message as an .eml file
// into a directory, where a developer (or an end-to-end test) reads it
// instead of a mailbox. It is safe for concurrent use.
type Outbox struct {
	// From is the sender address, DefaultFrom unless set before the
	// first Send.
	From string
	// Now returns the current time; tests replace it.
	Now func() time.Time

	dir string
	log *slog.Logger
}

// Entry describes one message in the outbox.
type Entry struct {
	Name    string    // file name, for Read
	To      string    // recipient's address, without a name
	Subject string    // decoded
	Time    time.Time // when it was sent, from the file name
}

// nameLayout formats the time part of a file name: fixed width and UTC, so
// that names sort by time.
const nameLayout = "20060102T150405.000000000Z"

// validName matches the names Send gives files; nothing else is read, which
// also rules out path traversal.
var validName = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}\.[0-9]{9}Z-[0-9a-f]{16}\.eml$`)

// tmpPrefix starts the names of files being written; validName excludes it.
const tmpPrefix = ".tmp-"

// NewOutbox returns an Outbox writing into dir, which it creates if needed.
// It logs a line for every message to log, which may be nil.
func NewOutbox(dir string, log *slog.Logger) (*Outbox, error) {
	const op = "mail.outbox"
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, akte.E(op, akte.KindInternal, "", err)
	}
	// Remove what a crash during Send left behind.
	leftovers, _ := filepath.Glob(filepath.Join(dir, tmpPrefix+"*"))
	for _, name := range leftovers {
		os.Remove(name)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Outbox{From: DefaultFrom, Now: time.Now, dir: dir, log: log}, nil
}

// Send writes m into the outbox. The file appears complete or not at all.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	const op = "mail.outbox.send"
	if err := ctx.Err(); err != nil {
		return akte.E(op, akte.KindOther, "", err)
	}
	from, err := parseFrom(op, o.From)
	if err != nil {
		return err
	}
	now := o.Now().UTC()
	msg, err := compose(op, from, m, now)
	if err != nil {
		return err
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	name := now.Format(nameLayout) + "-" + hex.EncodeToString(rnd[:]) + ".eml"

	f, err := os.CreateTemp(o.dir, tmpPrefix+"*")
	if err != nil {
		return akte.E(op, akte.KindInternal, "", err)
	}
	tmp := f.Name()
	_, err = msg.WriteTo(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(o.dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return akte.E(op, akte.KindInternal, "", err)
	}
	// The body may hold a code or a link that grants access: log only
	// who got what.
	o.log.InfoContext(ctx, "mail written to outbox", "to", m.To, "subject", m.Subject)
	return nil
}

// List returns the messages in the outbox, newest first. A file that does
// not parse is listed with an empty To and Subject.
func (o *Outbox) List() ([]Entry, error) {
	const op = "mail.outbox.list"
	des, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, akte.E(op, akte.KindInternal, "", err)
	}
	var entries []Entry
	for _, de := range des {
		name := de.Name()
		if !validName.MatchString(name) || !de.Type().IsRegular() {
			continue
		}
		e := Entry{Name: name}
		e.Time, _ = time.Parse(nameLayout, name[:len(nameLayout)])
		e.To, e.Subject, err = o.headers(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(b.Name, a.Name) })
	return entries, nil
}

func (o *Outbox) headers(name string) (to, subject string, err error) {
	f, err := os.Open(filepath.Join(o.dir, name))
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	msg, err := mail.ReadMessage(bufio.NewReader(f))
	if err != nil {
		return "", "", err
	}
	if addr, err := mail.ParseAddress(msg.Header.Get("To")); err == nil {
		to = addr.Address
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	return to, subject, nil
}

// Read returns the raw message (RFC 5322) of the file that List named.
func (o *Outbox) Read(name string) ([]byte, error) {
	const op = "mail.outbox.read"
	if !validName.MatchString(name) {
		return nil, akte.E(op, akte.KindInvalid, "invalid outbox file name", nil)
	}
	b, err := os.ReadFile(filepath.Join(o.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, akte.E(op, akte.KindNotFound, "", err)
	}
	if err != nil {
		return nil, akte.E(op, akte.KindInternal, "", err)
	}
	return b, nil
}
