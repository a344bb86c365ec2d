package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/akte/akte"
)

// crossSite refuses a state-changing request authenticated by the session
// cookie unless the browser says it comes from the app itself:
// Sec-Fetch-Site same-origin (a page of this origin) or none (typed by the
// person), or an Origin equal to the base URL's (browsers that do not send
// Sec-Fetch-Site yet send Origin on every POST, PUT, PATCH and DELETE). SameSite=Strict keeps the cookie off most
// cross-site requests already; this holds where it does not (a sibling
// subdomain counts as same-site, old browsers ignore SameSite). Bearer
// tokens are never sent by a browser on its own and pass.
func (a *API) crossSite(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s == "same-origin" || s == "none" {
		return nil
	}
	if o := r.Header.Get("Origin"); o != "" && a.origin != "" && strings.EqualFold(o, a.origin) {
		return nil
	}
	return akte.R("api.cross_site", akte.KindForbidden, "cross_site", nil, "")
}

// originOf is the origin (scheme://host[:port]) of a URL as browsers send it
// in Origin: without the default port. Empty if the URL does not parse.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	host := u.Host
	if p := u.Port(); (u.Scheme == "https" && p == "443") || (u.Scheme == "http" && p == "80") {
		host = u.Hostname()
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	return strings.ToLower(u.Scheme + "://" + host)
}
