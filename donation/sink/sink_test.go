package sink

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestDir: each extract is one file with exactly its bytes, and no
// temporary file stays.
func TestDir(t *testing.T) {
	dir := t.TempDir()
	s, err := New(filepath.Join(dir, "sink"), nil, nil)
	if err != nil || s.Kind() != "dir" {
		t.Fatalf("new: %v", err)
	}
	for i := range 5 {
		if err := s.Relay(t.Context(), []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	es, _ := os.ReadDir(filepath.Join(dir, "sink"))
	if len(es) != 5 {
		t.Fatalf("%d files", len(es))
	}
	for _, e := range es {
		b, _ := os.ReadFile(filepath.Join(dir, "sink", e.Name()))
		if len(b) != 1 || filepath.Ext(e.Name()) != ".age" {
			t.Errorf("%s: %v", e.Name(), b)
		}
	}
	if _, err := New("http://example.org/x", nil, nil); err == nil {
		t.Error("plain http to a remote host accepted")
	}
}

// TestHTTPSRetries: a failing sink is tried again until it takes the
// extract; one that keeps failing is given up after Tries.
func TestHTTPSRetries(t *testing.T) {
	var calls atomic.Int32
	got := make(chan []byte, 2)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		var b bytes.Buffer
		b.ReadFrom(r.Body)
		got <- b.Bytes()
	}))
	defer srv.Close()
	h := NewHTTPS(srv.URL, srv.Client(), nil)
	h.Backoff = 10 * time.Millisecond
	if err := h.Relay(t.Context(), []byte("age-encryption.org/v1\nX")); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-got:
		if string(b) != "age-encryption.org/v1\nX" || calls.Load() != 3 {
			t.Errorf("got %q after %d calls", b, calls.Load())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("never delivered")
	}
}
