package api_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/service"
)

// fillRecord adds n complete items to the record of the account with the
// e-mail, straight through the store (pairs share a creation time), and
// returns the path of the record (/api/v1/records/{rid}).
func fillRecord(t testing.TB, s *stack, email string, n int) string {
	t.Helper()
	return fillRecordFrom(t, s, email, "item", n)
}

// fillRecordFrom is fillRecord with items named prefix + a number.
func fillRecordFrom(t testing.TB, s *stack, email, prefix string, n int) string {
	t.Helper()
	a, err := s.store.AccountByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.store.Record(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		at := t0.Add(time.Duration(i/2) * time.Second)
		it := &akte.Item{ID: akte.ItemID(fmt.Sprintf("%s%0*d", prefix, 16-len(prefix), i)), AccountID: a.ID, Category: "findings", KeyVersion: 1,
			Kind: akte.KindDocument, Size: 4096, ChunkSize: 8 << 20, CreatedAt: at, UpdatedAt: at, CreatedBy: string(a.ID),
			MetaSealed: make([]byte, 300), KeySlot: make([]byte, 100)}
		if err := s.store.CreateUpload(t.Context(), it, -1); err != nil {
			t.Fatal(err)
		}
		if err := s.store.CompleteUpload(t.Context(), it.ID, at); err != nil {
			t.Fatal(err)
		}
	}
	return client.RecordPath(string(rec.ID))
}

// TestItemsPaging walks a record of 250 items in pages of 100 through
// the Link header and checks the limits.
func TestItemsPaging(t *testing.T) {
	s := newStack(t, service.DefaultConfig())
	c := client.NewAPI(s.srv.URL)
	c.Token = s.session(t, "pages@example.org", "A123456780")
	rp := fillRecord(t, s, "pages@example.org", 250)
	c.RecordID = strings.TrimPrefix(rp, "/api/v1/records/")
	var all []string
	after, pages := "", 0
	for {
		its, next, err := c.ItemsPage(t.Context(), "", after, 100)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, it := range its {
			all = append(all, it.ID)
		}
		if next == "" {
			break
		}
		after = next
	}
	if pages != 3 || len(all) != 250 || all[0] != "item000000000000" || all[249] != "item000000000249" {
		t.Fatalf("walk: %d pages, %d items (%v ... )", pages, len(all), all[:1])
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "after=bad", "after=12.AB"} {
		err := c.Do(t.Context(), "GET", rp+"/items?"+q, nil, nil)
		if !akte.Is(err, akte.KindInvalid) {
			t.Errorf("%s: err = %v, want invalid", q, err)
		}
	}
	// Without limit or after: the whole listing, as before.
	var whole []any
	if err := c.Do(t.Context(), "GET", rp+"/items", nil, &whole); err != nil || len(whole) != 250 {
		t.Fatalf("whole listing: %d items, %v", len(whole), err)
	}
}

// listPageBench sets up a 500-item record and returns the URL of its
// second page of 100 and the session token.
func listPageBench(b *testing.B) (url, token string) {
	s := newStack(b, service.DefaultConfig())
	token = s.session(b, "bench@example.org", "A123456780")
	rp := fillRecord(b, s, "bench@example.org", 500)
	c := client.NewAPI(s.srv.URL)
	c.Token, c.RecordID = token, strings.TrimPrefix(rp, "/api/v1/records/")
	_, next, err := c.ItemsPage(b.Context(), "", "", 100)
	if err != nil {
		b.Fatal(err)
	}
	return s.srv.URL + rp + "/items?limit=100&after=" + next, token
}

// getPage requests the page and drops the answer.
func getPage(hc *http.Client, url, token string) error {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return errors.New(resp.Status)
	}
	return nil
}

// BenchmarkItemListPage is the server's cost of one page of 100 items
// of a 500-item record (SQLite, in-process, response read and dropped):
// the part of bench's list figure that is not the client's.
func BenchmarkItemListPage(b *testing.B) {
	url, token := listPageBench(b)
	b.ResetTimer()
	for b.Loop() {
		if err := getPage(http.DefaultClient, url, token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkItemListPageParallel is BenchmarkItemListPage with 32 requests in
// flight, as the load harness's 32 closed-loop clients (on two CPUs).
func BenchmarkItemListPageParallel(b *testing.B) {
	url, token := listPageBench(b)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := getPage(hc, url, token); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
