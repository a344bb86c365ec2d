package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte/client"
	"github.com/akte/akte/wire"
)

// pagesServer answers GET /api/v1/records/rec0000001/items with n items in pages of limit, as
// the API does (JSON array, Link rel="next" with the cursor), from bodies
// encoded once.
func pagesServer(t testing.TB, n int) *httptest.Server {
	var items []wire.Item
	for i := range n {
		items = append(items, wire.Item{ID: fmt.Sprintf("it%030d", i), Category: "findings", KeyVersion: 1, Kind: "document",
			Size: blobSize, CreatedAt: time.Unix(1_700_000_000+int64(i), 0).UTC(), CreatedBy: "dev",
			MetaSealed: make([]byte, metaSize), KeySlot: make([]byte, slotSize)})
	}
	var mu sync.Mutex
	bodies := map[[2]int][]byte{}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.URL.Path != "/api/v1/records/rec0000001/items" {
			http.Error(w, `{"error":{"code":"unauthenticated","message":"no"}}`, http.StatusUnauthorized)
			return
		}
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		from := 0
		if a := q.Get("after"); a != "" {
			from, _ = strconv.Atoi(a[2:])
			from++
		}
		to := min(from+limit, n)
		if to < n {
			nq := url.Values{"limit": {strconv.Itoa(limit)}, "after": {items[to-1].ID}}
			w.Header().Set("Link", "</api/v1/records/rec0000001/items?"+nq.Encode()+`>; rel="next"`)
		}
		mu.Lock()
		b, ok := bodies[[2]int{from, to}]
		if !ok {
			b, _ = json.Marshal(items[from:to])
			b = append(b, '\n')
			bodies[[2]int{from, to}] = b
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	}))
}

// TestListPageLean: the lean walk sees the pages client.API sees.
func TestListPageLean(t *testing.T) {
	srv := pagesServer(t, 250)
	defer srv.Close()
	c := client.NewAPI(srv.URL)
	c.Token, c.RecordID = "tok", "rec0000001"
	l := newLister(c, http.DefaultTransport)
	path, after := l.firstPage(100), ""
	for page := 0; ; page++ {
		its, next, err := c.ItemsPage(t.Context(), "", after, 100)
		if err != nil {
			t.Fatal(err)
		}
		n, nextPath, err := l.page(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(its) {
			t.Fatalf("page %d: lean counted %d items, client.API decoded %d", page, n, len(its))
		}
		if (next == "") != (nextPath == "") {
			t.Fatalf("page %d: next %q, lean next %q", page, next, nextPath)
		}
		if next == "" {
			if page != 2 {
				t.Fatalf("ended after page %d, want 2", page)
			}
			break
		}
		if u, _ := url.Parse(nextPath); u.Query().Get("after") != next {
			t.Fatalf("page %d: lean next %q, client.API's cursor %q", page, nextPath, next)
		}
		path, after = nextPath, next
	}
	st := newStats()
	if total, err := l.walk(t.Context(), 100, st, true); err != nil || total != 250 {
		t.Fatalf("walk: %d items, %v", total, err)
	}
	if got := len(st.lat[opListPage]); got != 3 {
		t.Fatalf("walk measured %d pages, want 3", got)
	}
	bad := newLister(&client.API{Base: srv.URL, Token: "wrong"}, http.DefaultTransport)
	if _, _, err := bad.page(t.Context(), bad.firstPage(100)); err == nil {
		t.Fatal("an error answer was taken as a page")
	}
}

// BenchmarkListPageClient and BenchmarkListPageLean: the harness's CPU per
// page of 100 items (with the canned server's, the same in both).
func BenchmarkListPageClient(b *testing.B) {
	srv := pagesServer(b, 100)
	defer srv.Close()
	c := client.NewAPI(srv.URL)
	c.Token, c.RecordID = "tok", "rec0000001"
	b.ReportAllocs()
	for b.Loop() {
		if its, _, err := c.ItemsPage(b.Context(), "", "", 100); err != nil || len(its) != 100 {
			b.Fatal(len(its), err)
		}
	}
}

func BenchmarkListPageLean(b *testing.B) {
	srv := pagesServer(b, 100)
	defer srv.Close()
	c := client.NewAPI(srv.URL)
	c.Token, c.RecordID = "tok", "rec0000001"
	l := newLister(c, http.DefaultTransport)
	b.ReportAllocs()
	for b.Loop() {
		if n, _, err := l.page(b.Context(), l.firstPage(100)); err != nil || n != 100 {
			b.Fatal(n, err)
		}
	}
}
