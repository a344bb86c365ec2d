// Package evilproxy plays a lying server in tests (docs/crypto.md,
// "Malicious server"): a reverse proxy on loopback, put between a client
// and a real `akte serve`, that rewrites the answers of chosen routes and
// records every request it passes on; and the server's database and blob
// store opened directly, to edit behind its back (Stores). The program in
// cmd/evilproxy runs the proxy with a control API for the browser tests.
package evilproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"sync"
)

// Proxy is a rewriting reverse proxy in front of one server.
type Proxy struct {
	// URL is what clients use instead of the server's URL
	// (http://127.0.0.1:PORT).
	URL    string
	target *url.URL
	srv    *http.Server

	mu    sync.Mutex
	rules []*Rule
	log   []*Request
}

// Request is one request the proxy passed on.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"` // path and query, as the client sent them
	Body   []byte `json:"body,omitempty"`
	Status int    `json:"status"`
}

// Rule changes the answers to the requests whose method (empty: any) and
// path match. Rules apply in the order they were added; each does what its
// set fields say.
type Rule struct {
	Method string `json:"method,omitempty"`
	// Path is a regular expression matched against the whole path
	// (without the query).
	Path string `json:"path"`
	// From answers with the server's answer to this path (and query)
	// instead: the authentic answer to another question.
	From string `json:"from,omitempty"`
	// Merge is a JSON merge patch (RFC 7396) applied to a JSON answer.
	Merge json.RawMessage `json:"merge,omitempty"`
	// DropHeaders are removed from the answer, e.g.
	// Content-Security-Policy to relax it for a test.
	DropHeaders []string `json:"drop_headers,omitempty"`
	// Edit, for Go callers, rewrites the answer's body.
	Edit func(body []byte) []byte `json:"-"`
	// Hangup passes the request on and drops the server's answer: the
	// client's connection is closed instead (an answer lost in the
	// network, after the server did the work).
	Hangup bool `json:"hangup,omitempty"`
	// CutAfter, if positive, closes the connection after this many bytes
	// of the answer's body (a download cut in the middle).
	CutAfter int64 `json:"cut_after,omitempty"`
	// Times, if positive, is how many requests the rule applies to; then
	// it passes everything on.
	Times int `json:"times,omitempty"`

	re   *regexp.Regexp
	used int // requests the rule applied to; guarded by Proxy.mu
}

func (r *Rule) matches(method, path string) bool {
	return (r.Method == "" || r.Method == method) && r.re.MatchString(path)
}

type rulesKey struct{}

// New starts a proxy in front of the server at target.
func New(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("evilproxy: target: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("evilproxy: %w", err)
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), target: u}
	rp := &httputil.ReverseProxy{Rewrite: p.rewrite, ModifyResponse: p.modify, ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		if errors.Is(err, errHangup) {
			panic(http.ErrAbortHandler) // the server closes the connection
		}
		w.WriteHeader(http.StatusBadGateway)
	}, ErrorLog: log.New(io.Discard, "", 0)}
	p.srv = &http.Server{Handler: p.record(rp)}
	go p.srv.Serve(ln)
	return p, nil
}

// Close stops the proxy.
func (p *Proxy) Close() error { return p.srv.Close() }

// Add adds a rule.
func (p *Proxy) Add(r Rule) error {
	re, err := regexp.Compile("^(?:" + r.Path + ")$")
	if err != nil {
		return fmt.Errorf("evilproxy: rule path: %w", err)
	}
	if len(r.Merge) > 0 && !json.Valid(r.Merge) {
		return fmt.Errorf("evilproxy: rule merge is not JSON")
	}
	r.re = re
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, &r)
	return nil
}

// Reset removes every rule: the proxy passes everything on unchanged.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = nil
}

// Requests returns the requests passed on so far, oldest first.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Request, len(p.log))
	for i, r := range p.log {
		out[i] = *r
	}
	return out
}

// ClearRequests forgets the requests recorded so far.
func (p *Proxy) ClearRequests() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = nil
}

// maxRecorded bounds the body kept of one request; larger bodies (upload
// chunks) are passed on whole but recorded only this far.
const maxRecorded = 1 << 20

// record keeps every request's body and the answer's status.
func (p *Proxy) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "evilproxy: read body", http.StatusBadGateway)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		// Recorded before it is passed on, so that a client that has its
		// answer finds the request in the log; the status follows.
		rec := &Request{Method: r.Method, Path: r.URL.RequestURI(), Body: body[:min(len(body), maxRecorded)]}
		p.mu.Lock()
		p.log = append(p.log, rec)
		p.mu.Unlock()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		p.mu.Lock()
		defer p.mu.Unlock()
		rec.Status = sw.status
	})
}

func (p *Proxy) rewrite(r *httputil.ProxyRequest) {
	p.mu.Lock()
	var matched []*Rule
	for _, rule := range p.rules {
		if rule.matches(r.In.Method, r.In.URL.Path) && (rule.Times <= 0 || rule.used < rule.Times) {
			rule.used++
			matched = append(matched, rule)
		}
	}
	p.mu.Unlock()
	r.SetURL(p.target)
	for _, rule := range matched {
		if rule.From != "" {
			from, err := url.Parse(rule.From)
			if err == nil {
				r.Out.URL.Path, r.Out.URL.RawPath, r.Out.URL.RawQuery = from.Path, "", from.RawQuery
			}
		}
	}
	// Transparent to the server: its own origin, and answers it does not
	// compress, so that they can be rewritten.
	if o := r.In.Header.Get("Origin"); o == p.URL {
		r.Out.Header.Set("Origin", p.target.Scheme+"://"+p.target.Host)
	}
	r.Out.Header.Del("Accept-Encoding")
	r.Out = r.Out.WithContext(context.WithValue(r.Out.Context(), rulesKey{}, matched))
}

func (p *Proxy) modify(resp *http.Response) error {
	matched, _ := resp.Request.Context().Value(rulesKey{}).([]*Rule)
	var edits []*Rule
	for _, rule := range matched {
		if rule.Hangup {
			resp.Body.Close()
			return errHangup
		}
		if rule.CutAfter > 0 {
			resp.Body = &cutBody{ReadCloser: resp.Body, left: rule.CutAfter}
		}
		for _, h := range rule.DropHeaders {
			resp.Header.Del(h)
		}
		if len(rule.Merge) > 0 || rule.Edit != nil {
			edits = append(edits, rule)
		}
	}
	if len(edits) == 0 {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	for _, rule := range edits {
		if len(rule.Merge) > 0 {
			if body, err = mergeJSON(body, rule.Merge); err != nil {
				return fmt.Errorf("evilproxy: merge into %s: %w", resp.Request.URL.Path, err)
			}
		}
		if rule.Edit != nil {
			body = rule.Edit(body)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	resp.Header.Del("ETag")
	return nil
}

// errHangup makes the proxy drop an answer.
var errHangup = errors.New("evilproxy: hang up")

// cutBody fails after left bytes, which makes the reverse proxy abort the
// connection in the middle of the body.
type cutBody struct {
	io.ReadCloser
	left int64
}

func (c *cutBody) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errors.New("evilproxy: cut")
	}
	n, err := c.ReadCloser.Read(p[:min(int64(len(p)), c.left)])
	c.left -= int64(n)
	return n, err
}

// mergeJSON applies a JSON merge patch (RFC 7396) to a JSON document.
func mergeJSON(doc, patch []byte) ([]byte, error) {
	var d, pt any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		return nil, err
	}
	dec = json.NewDecoder(bytes.NewReader(patch))
	dec.UseNumber()
	if err := dec.Decode(&pt); err != nil {
		return nil, err
	}
	return json.Marshal(merge(d, pt))
}

func merge(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = merge(t[k], v)
		}
	}
	return t
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Control is the proxy's control API, for tests in another process (the
// browser tests): POST /rules adds a Rule given as JSON, DELETE /rules
// removes them all, GET /requests lists the requests passed on (bodies in
// base64), DELETE /requests forgets them.
func (p *Proxy) Control() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /rules", func(w http.ResponseWriter, r *http.Request) {
		var rule Rule
		if err := json.NewDecoder(r.Body).Decode(&rule); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := p.Add(rule); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /rules", func(w http.ResponseWriter, r *http.Request) {
		p.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /requests", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(p.Requests())
	})
	mux.HandleFunc("DELETE /requests", func(w http.ResponseWriter, r *http.Request) {
		p.ClearRequests()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}
