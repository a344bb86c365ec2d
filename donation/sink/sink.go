// Package sink holds the research donation's sinks (decision 0048): where
// the server relays the encrypted extracts a patient's client made. A
// directory gets each as a file written atomically; an HTTPS endpoint gets
// each POSTed from a queue with timeouts and retries. Both only ever see
// ciphertext (age files).
package sink

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Sink relays an encrypted extract (service.DonationSink).
type Sink interface {
	Relay(context.Context, []byte) error
	Kind() string
}

// New returns the sink for target: an https:// URL (client nil: one that
// checks the certificate against the system roots), or a directory
// (created if missing). http:// is refused except to a loopback address.
func New(target string, client *http.Client, log *slog.Logger) (Sink, error) {
	if strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "http://") {
		u, err := url.Parse(target)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("donation sink %q is no URL", target)
		}
		if u.Scheme == "http" && u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1" {
			return nil, fmt.Errorf("donation sink %q: only https (http only to a loopback address)", target)
		}
		return NewHTTPS(target, client, log), nil
	}
	if err := os.MkdirAll(target, 0o700); err != nil {
		return nil, fmt.Errorf("donation sink: %w", err)
	}
	return Dir{Path: target}, nil
}

// Dir writes each extract into Path as NAME.age, NAME random: first a
// temporary file in the same directory, synced, then renamed, so that a
// reader of the directory never sees half a file.
type Dir struct{ Path string }

// Kind is "dir".
func (Dir) Kind() string { return "dir" }

// Relay writes the ciphertext atomically.
func (d Dir) Relay(_ context.Context, b []byte) error {
	name := time.Now().UTC().Format("20060102T150405Z") + "-" + randomHex(8) + ".age"
	f, err := os.CreateTemp(d.Path, ".incoming-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(d.Path, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write extract: %w", err)
	}
	return nil
}

// HTTPS POSTs each extract (application/octet-stream) to URL from a queue
// of at most QueueSize: a try times out after Timeout, a failure (no
// answer, or a status other than 2xx) is tried again after 1 s, 2 s, 4 s …
// up to Tries times, then dropped and logged (by size, never content).
// The queue is in memory: what waits in it at a restart is lost, and the
// patient sends again (the pseudonym lets the sink join duplicates).
type HTTPS struct {
	URL     string
	Client  *http.Client
	Tries   int
	Timeout time.Duration
	log     *slog.Logger
	queue   chan []byte
	// Backoff is the first wait before a retry (doubled each time).
	Backoff time.Duration
}

// QueueSize bounds the extracts waiting for delivery.
const QueueSize = 256

// NewHTTPS returns an HTTPS sink and starts its delivery loop, which runs
// for the life of the process. client nil: a client that verifies the
// sink's certificate against the system roots.
func NewHTTPS(u string, client *http.Client, log *slog.Logger) *HTTPS {
	if client == nil {
		client = &http.Client{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &HTTPS{URL: u, Client: client, Tries: 6, Timeout: 20 * time.Second, Backoff: time.Second, log: log, queue: make(chan []byte, QueueSize)}
	go h.run()
	return h
}

// Kind is "https".
func (*HTTPS) Kind() string { return "https" }

// Relay queues the ciphertext; a full queue is an error (the patient is
// told to try later).
func (h *HTTPS) Relay(_ context.Context, b []byte) error {
	select {
	case h.queue <- bytes.Clone(b):
		return nil
	default:
		return fmt.Errorf("donation queue full")
	}
}

func (h *HTTPS) run() {
	for b := range h.queue {
		wait := h.Backoff
		for try := 1; ; try++ {
			err := h.post(b)
			if err == nil {
				h.log.Info("donation delivered", "bytes", len(b), "tries", try)
				break
			}
			if try >= h.Tries {
				h.log.Error("donation dropped", "bytes", len(b), "tries", try, "err", err)
				break
			}
			time.Sleep(wait)
			wait *= 2
		}
	}
}

func (h *HTTPS) post(b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), h.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := h.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sink answered %s", resp.Status)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
