package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/akte/akte/client"
)

// The list walk is the workload's hottest operation, and the harness runs on
// the same cores as the server: decoding every page into []wire.Item through
// client.API cost the harness about as much CPU per page as the server spent
// answering it (≈ 1.6 ms). The walk therefore takes a lean path: one
// request per page through the shared transport (no http.Client timer, the
// context bounds it), the body read into the worker's reused buffer, the
// items counted by their `{"id":` opening, and the next page taken as the
// target of the Link header rel="next" as is, the way a client follows a
// link, without parsing the cursor. The server does the same work as for
// client.API's ItemsPage; TestListPageLean checks that the two agree.

// lister walks one record's listing.
type lister struct {
	rt   http.RoundTripper
	base string
	hdr  http.Header // Accept and Authorization; read-only once built
	body []byte
}

func newLister(c *client.API, rt http.RoundTripper) *lister {
	return &lister{rt: rt, base: c.Base, body: make([]byte, 0, 128<<10),
		hdr: http.Header{"Accept": {"application/json"}, "Authorization": {"Bearer " + c.Token}}}
}

var itemOpening = []byte(`{"id":`)

// firstPage is the path of a walk's first page.
func firstPage(limit int) string { return "/api/v1/items?limit=" + strconv.Itoa(limit) }

// page fetches path (a first page or a Link target) and returns the number
// of items in it and the path of the next page, "" after the last.
func (l *lister) page(ctx context.Context, path string) (n int, next string, err error) {
	req, err := http.NewRequestWithContext(ctx, "GET", l.base+path, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header = l.hdr
	resp, err := l.rt.RoundTrip(req)
	if err != nil {
		return 0, "", err
	}
	l.body, err = readAll(l.body[:0], resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, "", fmt.Errorf("GET %s: HTTP %d: %.200s", path, resp.StatusCode, l.body)
	}
	if len(l.body) < 2 || l.body[0] != '[' {
		return 0, "", fmt.Errorf("GET %s: not a JSON array: %.200s", path, l.body)
	}
	n = bytes.Count(l.body, itemOpening)
	for _, v := range resp.Header["Link"] {
		// </api/v1/items?after=...&limit=100>; rel="next"
		target, params, _ := strings.Cut(v, ";")
		if !strings.Contains(params, `rel="next"`) {
			continue
		}
		target = strings.TrimSpace(target)
		if len(target) < 2 || target[0] != '<' || target[len(target)-1] != '>' {
			return 0, "", fmt.Errorf("GET %s: unreadable Link %q", path, v)
		}
		next = target[1 : len(target)-1]
	}
	return n, next, nil
}

// readAll is io.ReadAll into b, which grows only when a body outgrows it.
func readAll(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// walk lists every page, recording each in st if measure.
func (l *lister) walk(ctx context.Context, limit int, st *stats, measure bool) (total int, err error) {
	path := firstPage(limit)
	for range 10_000 {
		t := time.Now()
		n, next, err := l.page(ctx, path)
		if measure {
			st.add(opListPage, time.Since(t), err)
		}
		if err != nil {
			return total, err
		}
		total += n
		if next == "" {
			return total, nil
		}
		path = next
	}
	return total, fmt.Errorf("more than 10,000 pages")
}
