// Package client is the Go client of Akte's HTTP API: one method per route
// of api/routes.go (routes.go in this package lists them in the same
// order), taking and returning the wire types, and the resumable upload
// and download built on them. The secrets are made and opened by package
// core, which the browser shares; this package only moves what core
// sealed.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
)

// API is a client of the HTTP interface. Errors come back as *akte.Error
// with the server's kind, reason, parameters and message.
type API struct {
	Base  string // e.g. http://localhost:8080
	Token string // bearer token of the session, if any
	// RecordID is the record the record-scoped methods address
	// (/api/v1/records/{rid}/...): one's own is wire.Account.RecordID.
	RecordID string
	// HTTP sends the requests of the JSON routes (with its timeout);
	// transfers use its Transport without a timeout, bounded by their
	// context.
	HTTP *http.Client
	// Retry is the rule for failed requests of uploads and downloads.
	Retry core.RetryRule
	// Now is the client's clock (nil: time.Now), which signs the time of
	// a session key request; the end-to-end tests of deadlines shift it
	// with the server's.
	Now func() time.Time
}

func (c *API) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// NewAPI returns a client for the server at base.
func NewAPI(base string) *API {
	return &API{Base: strings.TrimRight(base, "/"), HTTP: &http.Client{Timeout: 2 * time.Minute}, Retry: core.DefaultRetry()}
}

// prefix is where the API lives on the server.
const prefix = "/api/v1"

// rec is the path of the record the client addresses.
func (c *API) rec() string { return RecordPath(c.RecordID) }

// RecordPath is the path of a record: the prefix of its routes.
func RecordPath(rid string) string { return prefix + "/records/" + esc(rid) }

// Do sends a JSON request to path (e.g. "/api/v1/account"; in may be nil)
// and decodes a JSON answer into out (which may be nil). The route
// methods are the client; Do is for tests that send what no client would.
func (c *API) Do(ctx context.Context, method, path string, in, out any) error {
	_, err := c.do(ctx, method, path, in, out, nil)
	return err
}

// errorOf turns an error answer into *akte.Error with the server's kind,
// reason and message.
func errorOf(op string, resp *http.Response) error {
	var e struct {
		Error struct {
			Code    string         `json:"code"`
			Reason  string         `json:"reason"`
			Params  map[string]any `json:"params"`
			Message string         `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e); err != nil || e.Error.Code == "" {
		return &akte.Error{Op: op, Kind: akte.KindUnavailable, Reason: "server_answer_unexpected", Params: map[string]any{"status": resp.StatusCode},
			Message: fmt.Sprintf("Unerwartete Antwort des Servers (HTTP %d).", resp.StatusCode), Err: err}
	}
	kind := akte.KindFromCode(e.Error.Code)
	if kind == akte.KindOther {
		kind = akte.KindInternal
	}
	return &akte.Error{Op: op, Kind: kind, Reason: e.Error.Reason, Params: e.Error.Params, Message: e.Error.Message}
}

func (c *API) unreachable(op string, err error) error {
	return &akte.Error{Op: op, Kind: akte.KindUnavailable, Reason: "server_unreachable", Params: map[string]any{"server": c.Base},
		Message: fmt.Sprintf("Der Server %s ist nicht erreichbar.", c.Base), Err: err}
}

func badURL(op string, err error) error {
	return &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "server_url_invalid", Message: "Ungültige Server-Adresse (AKTE_SERVER).", Err: err}
}

func unreadable(op string, err error) error {
	return &akte.Error{Op: op, Kind: akte.KindUnavailable, Reason: "server_answer_unreadable", Message: "Die Antwort des Servers ist unlesbar.", Err: err}
}

// do sends a JSON request and decodes the JSON answer; it returns the
// answer's status for the retry rule (0 if none came, -1 if the request
// could not be made), and the answer's header if respHeader is set.
func (c *API) do(ctx context.Context, method, path string, in, out any, respHeader *http.Header) (int, error) {
	op := method + " " + path
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return -1, akte.E(op, akte.KindInternal, "", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return -1, badURL(op, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, c.unreachable(op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return resp.StatusCode, errorOf(op, resp)
	}
	if respHeader != nil {
		*respHeader = resp.Header
	}
	if out == nil {
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return resp.StatusCode, unreadable(op, err)
	}
	return resp.StatusCode, nil
}

// stream sends a request without the client's overall timeout (bodies
// may be large) and maps error answers to *akte.Error. On success the
// caller reads and closes the answer's body.
func (c *API) stream(req *http.Request) (*http.Response, int, error) {
	op := req.Method + " " + req.URL.Path
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := &http.Client{Transport: c.HTTP.Transport}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, 0, c.unreachable(op, err)
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		return nil, resp.StatusCode, errorOf(op, resp)
	}
	return resp, resp.StatusCode, nil
}

// retry runs f, which returns the status of its answer (0: none), until
// it succeeds or the retry rule says to give up.
func (c *API) retry(ctx context.Context, f func() (int, error)) error {
	for attempt := 0; ; attempt++ {
		status, err := f()
		if err == nil {
			return nil
		}
		d, again := c.Retry.Delay(attempt, status)
		if !again || ctx.Err() != nil {
			return err
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return err
		}
	}
}
