// Package web serves the browser app: the UI bundle and the client core as
// WebAssembly, built by web/build.mjs into web/dist and embedded into the
// binary. It holds no business logic; the app talks to /api/v1 like the CLI.
package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/akte/akte"
)

//go:embed all:dist
var dist embed.FS

// pages lists the paths of the app's pages (src/pages.json; a segment
// ":name" stands for any one segment). The app's router (src/app.js) shows
// them; a page added there is listed here too.
//
//go:embed src/pages.json
var pagesJSON []byte

var pages = func() (ps [][]string) {
	var list []string
	if err := json.Unmarshal(pagesJSON, &list); err != nil {
		panic("web/src/pages.json: " + err.Error())
	}
	for _, p := range list {
		ps = append(ps, strings.Split(p, "/"))
	}
	return ps
}()

// Built reports whether the app was built (web/dist holds index.html).
func Built() bool {
	_, err := fs.Stat(dist, "dist/index.html")
	return err == nil
}

// Site is what the operator configures about the pages around the app:
// the addresses of the imprint and the privacy notice, linked on every
// page (empty: not shown), and the national health portal's pages that
// explain the record's categories (Portal; nil: none).
type Site struct {
	Imprint string `json:"imprint,omitempty"`
	Privacy string `json:"privacy,omitempty"`
	Portal  Portal `json:"portal,omitempty"`
}

// Portal maps a category id to the page of the national health portal
// (gesund.bund.de) that explains it, in German and, where the portal has
// one, in English (decision 0032). The app shows the link with the
// category's documents, behind the notice on leaving Akte.
type Portal map[akte.CategoryID]PortalLink

// PortalLink is one category's page: DE always, EN where there is one
// (the English app links DE otherwise).
type PortalLink struct {
	DE string `json:"de"`
	EN string `json:"en,omitempty"`
}

// shippedPortal is the mapping the app ships with (src/portal.json); an
// operator replaces it with `akte serve --portal-links FILE`.
//
//go:embed src/portal.json
var shippedPortal []byte

// DefaultPortal returns the shipped mapping.
func DefaultPortal() Portal {
	p, err := ParsePortal(shippedPortal)
	if err != nil {
		panic("web/src/portal.json: " + err.Error())
	}
	return p
}

// ParsePortal reads a mapping like src/portal.json: an object of known
// category ids, each with an https address "de" and optionally "en", no
// other fields.
func ParsePortal(b []byte) (Portal, error) {
	var p Portal
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		return nil, err
	}
	for c, l := range p {
		if _, ok := akte.CategoryByID(c); !ok {
			return nil, fmt.Errorf("%q is no category", c)
		}
		for _, u := range []string{l.DE, l.EN} {
			if (u != "" || l.DE == "") && !(LinkURL(u) && strings.HasPrefix(u, "https://")) {
				return nil, fmt.Errorf("%s: %q is no https address", c, u)
			}
		}
	}
	return p, nil
}

// LinkURL reports whether s is an address Site may link to: absolute,
// http or https, with a host.
func LinkURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

// Handler serves the app. Register it on "/" (no method, so that it does
// not clash with the API's catch-all "/api/"):
//
//   - "/" is index.html, with the site's links in its meta tag
//     "akte-site", and so is every other path of the app's pages
//     (src/pages.json: /akte, /dokument/ID, /geraet, …); "/selftest" is
//     the page that runs the seal test vectors in the browser; all are
//     revalidated on every load (no-cache), so a new build is picked up
//     at once; "/sw.js" is the service worker (no-cache too);
//   - "/assets/NAME" are the content-hashed assets, cached for a year as
//     immutable, sent as brotli or gzip when the browser accepts it;
//   - any other path is 404: one without a dot (not a file) with the app,
//     which says that the page does not exist, in the patient's language
//     and with the app's navigation; a file (a dot) with a line of text.
//
// The Content-Security-Policy and the other security headers come from the
// API's ServeHTTP, which wraps every route.
func Handler(site Site) http.Handler {
	index := []byte(notBuilt)
	if b, err := dist.ReadFile("dist/index.html"); err == nil {
		meta, _ := json.Marshal(site)
		index = bytes.Replace(b, []byte("{{SITE}}"), []byte(html.EscapeString(string(meta))), 1)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serve(w, r, index) })
}

func serve(w http.ResponseWriter, r *http.Request, index []byte) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch p := r.URL.Path; {
	case p == "/selftest":
		file(w, r, "dist/selftest.html", "no-cache")
	case p == "/sw.js":
		// The service worker of the push reminders (decision 0051): at
		// the root for the scope /, revalidated like the pages.
		file(w, r, "dist/sw.js", "no-cache")
	case strings.HasPrefix(p, "/assets/"):
		if name := p[len("/assets/"):]; name != "" && !strings.Contains(name, "/") {
			file(w, r, "dist"+p, "public, max-age=31536000, immutable")
		} else {
			notFound(w)
		}
	case p == "/index.html" || appPage(p):
		app(w, r, index, http.StatusOK)
	case !strings.Contains(p, "."):
		app(w, r, index, http.StatusNotFound)
	default:
		notFound(w)
	}
}

// app writes the app's page with the status code.
func app(w http.ResponseWriter, r *http.Request, index []byte, code int) {
	if !Built() {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(notBuilt))
		return
	}
	sendStatus(w, r, index, "text/html; charset=utf-8", "no-cache", code)
}

// appPage reports whether p is the path of one of the app's pages. The
// app's router keeps secrets out of paths: a link that carries one has it
// in the fragment, which never reaches the server.
func appPage(p string) bool {
	segs := strings.Split(p, "/")
	for _, pattern := range pages {
		if len(pattern) == len(segs) && matches(pattern, segs) {
			return true
		}
	}
	return false
}

func matches(pattern, segs []string) bool {
	for i, s := range pattern {
		param := strings.HasPrefix(s, ":")
		if param && segs[i] == "" || !param && s != segs[i] {
			return false
		}
	}
	return true
}

func notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte("Nicht gefunden. / Not found.\n"))
}

// file writes an embedded file, precompressed if the client accepts it.
func file(w http.ResponseWriter, r *http.Request, name, cacheControl string) {
	h := w.Header()
	ctype := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".wasm":
		ctype = "application/wasm"
	case ".webmanifest":
		ctype = "application/manifest+json"
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Vary", "Accept-Encoding")
	accept := r.Header.Get("Accept-Encoding")
	for _, enc := range []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
		if !accepts(accept, enc.token) {
			continue
		}
		if b, err := dist.ReadFile(name + enc.ext); err == nil {
			h.Set("Content-Encoding", enc.token)
			send(w, r, b, ctype, cacheControl)
			return
		}
	}
	b, err := dist.ReadFile(name)
	if err != nil {
		notFound(w)
		return
	}
	send(w, r, b, ctype, cacheControl)
}

func send(w http.ResponseWriter, r *http.Request, b []byte, ctype, cacheControl string) {
	sendStatus(w, r, b, ctype, cacheControl, http.StatusOK)
}

func sendStatus(w http.ResponseWriter, r *http.Request, b []byte, ctype, cacheControl string, code int) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}

// accepts reports whether an Accept-Encoding header allows the coding (a
// q=0 refuses it).
func accepts(header, coding string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		params = strings.ReplaceAll(params, " ", "")
		return params != "q=0" && params != "q=0.0" && params != "q=0.00" && params != "q=0.000"
	}
	return false
}

const notBuilt = `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Akte</title></head>
<body><main><h1>Akte</h1><p>Die Web-Oberfläche wurde nicht gebaut. Starten Sie den Server mit <code>make run</code>
(baut sie mit Node und Go) oder bauen Sie sie mit <code>make web</code>.</p>
<p lang="en">The web app was not built. Start the server with <code>make run</code>, or build it with <code>make web</code>.</p>
<p>Die API unter <code>/api/v1</code> läuft. / The API under <code>/api/v1</code> is running.</p></main></body></html>
`
