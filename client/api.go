package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
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
	return c.do(ctx, method, path, in, out, nil)
}

// errorOf turns an error answer into *akte.Error with the server's kind
// and message.
func errorOf(op string, resp *http.Response) error {
	var e wire.Error
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e); err != nil || e.Error.Code == "" {
		return akte.E(op, akte.KindUnavailable, fmt.Sprintf("Unerwartete Antwort des Servers (HTTP %d).", resp.StatusCode), err)
	}
	kind := akte.KindFromCode(e.Error.Code)
	if kind == akte.KindOther {
		kind = akte.KindInternal
	}
	return &akte.Error{Op: op, Kind: kind, Reason: e.Error.Reason, Params: e.Error.Params, Message: e.Error.Message}
}

// ItemsPage lists one page of at most limit items of the record, of one
// category or all (category ""), after the cursor after ("" for the
// first page). next is the cursor of the following page, "" after the
// last.
func (c *API) ItemsPage(ctx context.Context, category, after string, limit int) (its []wire.Item, next string, err error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if after != "" {
		q.Set("after", after)
	}
	if category != "" {
		q.Set("category", category)
	}
	var h http.Header
	if err := c.do(ctx, "GET", "/api/v1/items?"+q.Encode(), nil, &its, &h); err != nil {
		return nil, "", err
	}
	// Link: </api/v1/items?after=...&limit=100>; rel="next"
	for _, l := range h.Values("Link") {
		target, params, _ := strings.Cut(l, ";")
		if !strings.Contains(params, `rel="next"`) {
			continue
		}
		u, err := url.Parse(strings.Trim(strings.TrimSpace(target), "<>"))
		if err != nil {
			return nil, "", akte.E("GET /api/v1/items", akte.KindUnavailable, "Die Antwort des Servers ist unlesbar.", err)
		}
		next = u.Query().Get("after")
	}
	return its, next, nil
}

func (c *API) do(ctx context.Context, method, path string, in, out any, respHeader *http.Header) error {
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
		return errorOf(op, resp)
	}
	if respHeader != nil {
		*respHeader = resp.Header
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
