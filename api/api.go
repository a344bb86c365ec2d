// Package api is Akte's HTTP JSON interface under /api/v1: one route table,
// thin handlers, one decoder, one error table.
package api

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

//go:embed openapi.json
var openAPI []byte

// Options configure the API.
type Options struct {
	Service *service.Service
	Log     *slog.Logger
	// Ready reports whether the backends answer (GET /readyz).
	Ready func(ctx context.Context) error
	// SecureCookies marks the session cookie Secure and uses the __Host-
	// name; set when the server or its proxy speaks TLS.
	SecureCookies bool
	// TLS adds Strict-Transport-Security.
	TLS bool
	// Mailbox, if set, adds the development mailbox routes
	// (GET /api/v1/dev/mailbox...). Set it only for a development server
	// that listens on loopback; the routes answer only requests whose Host
	// is a loopback name or address.
	Mailbox Mailbox
	// BaseURL is the server's public URL: a state-changing request with the
	// session cookie must come from its origin (crossSite).
	BaseURL string
	// TrustedProxies are the peers whose X-Forwarded-For and Forwarded
	// headers are believed (proxies.client).
	TrustedProxies []netip.Prefix
	// MinBodyRate is the slowest a request body may arrive; zero: no
	// bound.
	MinBodyRate MinRate
	// Extra registers more routes (the web app).
	Extra func(mux *http.ServeMux)
}

// API is the HTTP handler.
type API struct {
	svc      *service.Service
	log      *slog.Logger
	opts     Options
	proxies  proxies
	origin   string // of BaseURL
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	mux      *http.ServeMux
	patterns []string // every route registered by routes, in order
}

// registrar registers the API's routes on its mux and notes their
// patterns, so that a test can hold the audit mapping against what is
// really served.
type registrar struct{ a *API }

func (m registrar) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.a.patterns = append(m.a.patterns, pattern)
	m.a.mux.HandleFunc(pattern, h)
}

// New builds the handler with every route registered.
func New(o Options) *API {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	a := &API{svc: o.Service, log: o.Log, opts: o, proxies: proxies(o.TrustedProxies), origin: originOf(o.BaseURL),
		registry: prometheus.NewRegistry(), mux: http.NewServeMux()}
	a.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "akte_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"})
	a.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "akte_http_request_duration_seconds", Help: "HTTP request duration by route.", Buckets: prometheus.DefBuckets}, []string{"route"})
	a.registry.MustRegister(a.requests, a.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if o.Service != nil {
		a.registry.MustRegister(o.Service.Metrics()...)
	}
	a.routes()
	if o.Extra != nil {
		o.Extra(a.mux)
	}
	return a
}

// cookieName is the browser session cookie. The __Host- prefix (Secure, no
// Domain, Path=/) needs TLS; plain-HTTP development servers use a plain name.
func (a *API) cookieName() string {
	if a.opts.SecureCookies {
		return "__Host-akte_session"
	}
	return "akte_session"
}

type statusWriter struct {
	http.ResponseWriter
	status int
	// unaudited returns the failure to record the request's audit event,
	// if any (service.TrackAudit); refuse then answers instead of the
	// handler, and what the handler writes is dropped.
	unaudited func() error
	refuse    func(err error)
	refused   bool
}

// audited reports whether the handler's answer may go out: not when the
// request's event could not be recorded (decision 0013: no answer
// without its event).
func (w *statusWriter) audited() bool {
	if w.refused {
		return false
	}
	if w.status == 0 && w.unaudited != nil {
		if err := w.unaudited(); err != nil {
			w.refused = true
			w.status = http.StatusServiceUnavailable
			h := w.Header()
			h.Del("Content-Length")
			h.Del("Content-Disposition")
			w.refuse(err)
			return false
		}
	}
	return true
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.audited() {
		return
	}
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.audited() {
		return len(b), nil
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP adds the security headers, metrics, request logging and panic
// recovery around every route, finds the client's address behind trusted
// proxies, and bounds how slowly a request body may arrive.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	r = a.withClient(r)
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = newBodyReader(w, r, a.opts.MinBodyRate)
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; frame-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
	h.Set("Cache-Control", "no-store")
	if a.opts.TLS {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	ctx, unaudited := service.TrackAudit(r.Context(), clientOf(r).Addr)
	r = r.WithContext(ctx)
	sw := &statusWriter{ResponseWriter: w, unaudited: unaudited}
	sw.refuse = func(err error) { a.writeError(w, r, akte.E("audit", akte.KindUnavailable, "", err)) }
	defer func() {
		v := recover()
		if v != nil && v != http.ErrAbortHandler {
			a.log.Error("panic", "route", r.Pattern, "panic", fmt.Sprint(v))
			if sw.status == 0 {
				a.writeError(sw, r, akte.E("api", akte.KindInternal, "", fmt.Errorf("panic: %v", v)))
			}
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		a.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		a.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
		if a.log.Enabled(r.Context(), slog.LevelDebug) { // the attributes cost allocations
			a.log.Debug("request", logAttrs(r, sw.status, time.Since(start))...)
		}
		if v == http.ErrAbortHandler {
			panic(v) // net/http cuts the connection
		}
	}()
	a.mux.ServeHTTP(sw, r)
}

// authed wraps a handler that needs a session: a bearer token (CLI) or the
// session cookie (browser). Every authenticated route passes here.
func (a *API) authed(h func(w http.ResponseWriter, r *http.Request, p *service.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := ""
		if v := r.Header.Get("Authorization"); strings.HasPrefix(v, "Bearer ") {
			token = strings.TrimPrefix(v, "Bearer ")
		} else if c, err := r.Cookie(a.cookieName()); err == nil {
			if err := a.crossSite(r); err != nil {
				a.writeError(w, r, err)
				return
			}
			token = c.Value
		}
		p, err := a.svc.Authenticate(r.Context(), token)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		if p.Party != nil && !partyAllowed(r.Pattern) {
			a.writeError(w, r, akte.R("party", akte.KindForbidden, "action_not_permitted", nil, ""))
			return
		}
		h(w, r, p)
	}
}

func (a *API) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *API) handleReady(w http.ResponseWriter, r *http.Request) {
	if a.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.opts.Ready(ctx); err != nil {
			a.log.Warn("not ready", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: detail(akte.KindUnavailable, "storage_unavailable", nil)})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (a *API) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPI)
}

// Metrics is the Prometheus endpoint. It is not a route of the API:
// cmd/akte serves it on its own listener (--metrics-addr), which the
// public does not reach.
func (a *API) Metrics() http.Handler {
	return promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{})
}

func (a *API) handleNotFound(w http.ResponseWriter, r *http.Request) {
	a.writeError(w, r, akte.R("api", akte.KindNotFound, "route_not_found", nil, ""))
}
