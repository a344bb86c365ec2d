package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/akte/akte/client"
)

// The list walk is the workload's hottest operation, and the harness runs on
// the same cores as the server: decoding every page into []wire.Item through
// client.API cost the harness about as much CPU per page as the server spent
// answering it (≈ 1.6 ms). The walk therefore takes the client's lean path,
// client.API.ItemsPageRaw: one request per page through the shared transport
// (no http.Client timer, the context bounds it), the body read into the
// worker's reused buffer, the items counted by their `{"id":` opening, and
// the next page taken as the target of the Link header rel="next" as is, the
// way a client follows a link, without parsing the cursor. The server does
// the same work as for client.API's ItemsPage; TestListPageLean checks that
// the two agree.

// lister walks one record's listing.
type lister struct {
	c    *client.API
	hdr  http.Header // Accept and Authorization; read-only once built
	body []byte
}

func newLister(c *client.API, rt http.RoundTripper) *lister {
	lc := *c
	lc.HTTP = &http.Client{Transport: rt}
	return &lister{c: &lc, hdr: c.ItemsPageHeader(), body: make([]byte, 0, 128<<10)}
}

var itemOpening = []byte(`{"id":`)

// firstPage is the path of a walk's first page.
func (l *lister) firstPage(limit int) string {
	return client.ItemsPagePath(l.c.RecordID, "", "", limit)
}

// page fetches path (a first page or a Link target) and returns the number
// of items in it and the path of the next page, "" after the last.
func (l *lister) page(ctx context.Context, path string) (n int, next string, err error) {
	l.body, next, err = l.c.ItemsPageRaw(ctx, path, l.hdr, l.body)
	if err != nil {
		return 0, "", err
	}
	if len(l.body) < 2 || l.body[0] != '[' {
		return 0, "", fmt.Errorf("GET %s: not a JSON array: %.200s", path, l.body)
	}
	return bytes.Count(l.body, itemOpening), next, nil
}

// walk lists every page, recording each in st if measure.
func (l *lister) walk(ctx context.Context, limit int, st *stats, measure bool) (total int, err error) {
	path := l.firstPage(limit)
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
