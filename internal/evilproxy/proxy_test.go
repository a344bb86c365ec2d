package evilproxy

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestProxy: answers pass unchanged until a rule says otherwise; merge
// patches, answers to other paths and dropped headers; every request is
// recorded with its body; the server sees its own origin.
func TestProxy(t *testing.T) {
	var origins []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origins = append(origins, r.Header.Get("Origin"))
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		w.Header().Set("Content-Type", "application/json")
		b, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "kdf": map[string]any{"memory": 65536, "time": 3}, "got": string(b)})
	}))
	defer backend.Close()
	p, err := New(backend.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	call := func(method, path, body string) (map[string]any, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(method, p.URL+path, strings.NewReader(body))
		req.Header.Set("Origin", p.URL)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v, resp.Header
	}
	if v, h := call("POST", "/api/v1/prelogin", `{"email":"a@b.de"}`); v["path"] != "/api/v1/prelogin" || v["got"] != `{"email":"a@b.de"}` || h.Get("Content-Security-Policy") == "" {
		t.Fatalf("unchanged: %v %v", v, h)
	}
	for _, r := range []Rule{
		{Method: "POST", Path: "/api/v1/prelogin", Merge: json.RawMessage(`{"kdf":{"memory":8,"time":null}}`)},
		{Path: "/api/v1/items/[a-z]+", From: "/api/v1/items/b"},
		{Path: "/", DropHeaders: []string{"Content-Security-Policy"}},
		{Path: "/edited", Edit: func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("edited"), []byte("changed")) }},
	} {
		if err := p.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := call("POST", "/api/v1/prelogin", `{}`); v["kdf"].(map[string]any)["memory"] != 8.0 || v["kdf"].(map[string]any)["time"] != nil {
		t.Errorf("merge: %v", v)
	}
	if v, _ := call("GET", "/api/v1/prelogin", ``); v["kdf"].(map[string]any)["memory"] != 65536.0 {
		t.Errorf("merge on another method: %v", v)
	}
	if v, _ := call("GET", "/api/v1/items/a", ``); v["path"] != "/api/v1/items/b" {
		t.Errorf("from: %v", v)
	}
	if v, _ := call("GET", "/api/v1/items/a/content", ``); v["path"] != "/api/v1/items/a/content" {
		t.Errorf("the path must match whole: %v", v)
	}
	if _, h := call("GET", "/", ``); h.Get("Content-Security-Policy") != "" {
		t.Errorf("header kept: %v", h)
	}
	if v, _ := call("GET", "/edited", ``); v["path"] != "/changed" {
		t.Errorf("edit: %v", v)
	}
	reqs := p.Requests()
	if len(reqs) != 7 || reqs[0].Method != "POST" || string(reqs[0].Body) != `{"email":"a@b.de"}` || reqs[0].Status != 200 || reqs[3].Path != "/api/v1/items/a" {
		t.Errorf("recorded: %+v", reqs)
	}
	for _, o := range origins {
		if o != backend.URL {
			t.Errorf("the server saw origin %q, want its own %q", o, backend.URL)
		}
	}
	p.Reset()
	p.ClearRequests()
	if v, _ := call("POST", "/api/v1/prelogin", `{}`); v["kdf"].(map[string]any)["memory"] != 65536.0 || len(p.Requests()) != 1 {
		t.Errorf("after reset: %v %v", v, p.Requests())
	}
}
