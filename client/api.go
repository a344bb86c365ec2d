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
	"github.com/akte/akte/wire"
)

// API is a client of the /api/v1 HTTP interface. Errors come back as
// *akte.Error with the server's kind and message.
type API struct {
	Base  string // e.g. http://localhost:8080
	Token string // bearer token of the session, if any
	HTTP  *http.Client
}

// NewAPI returns a client for the server at base.
func NewAPI(base string) *API {
	return &API{Base: strings.TrimRight(base, "/"), HTTP: &http.Client{Timeout: 2 * time.Minute}}
}

// Do sends a JSON request (in may be nil) and decodes a JSON answer into out
// (which may be nil).
func (c *API) Do(ctx context.Context, method, path string, in, out any) error {
	op := method + " " + path
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return akte.E(op, akte.KindInternal, "", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return akte.E(op, akte.KindInvalid, "Ungültige Server-Adresse (AKTE_SERVER).", err)
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
		return akte.E(op, akte.KindUnavailable, fmt.Sprintf("Der Server %s ist nicht erreichbar.", c.Base), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		var e wire.Error
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e); err != nil || e.Error.Code == "" {
			return akte.E(op, akte.KindUnavailable, fmt.Sprintf("Unerwartete Antwort des Servers (HTTP %d).", resp.StatusCode), err)
		}
		kind := akte.KindFromCode(e.Error.Code)
		if kind == akte.KindOther {
			kind = akte.KindInternal
		}
		return akte.E(op, kind, e.Error.Message, nil)
	}
	if out == nil {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return akte.E(op, akte.KindUnavailable, "Die Antwort des Servers ist unlesbar.", err)
	}
	return nil
}
