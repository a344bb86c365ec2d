package api

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/akte/akte/service"
)

// ParsePrefixes reads a comma-separated list of CIDR ranges (a bare
// address stands for itself), as --trusted-proxies takes it.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is neither an address nor a CIDR range such as 10.0.0.0/8", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR range such as 10.0.0.0/8", f)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// proxies is the set of trusted proxy ranges.
type proxies []netip.Prefix

func (ps proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr is the address of the TCP peer of a request.
func peerAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// client returns the address of the client a request comes from. Only a
// peer in the trusted ranges is believed about the hops before it: walking
// its forwarding header from the right, every hop a trusted proxy added is
// skipped, and the first address that is not a trusted proxy is the client
// (what lies to its left, the client wrote itself). A hop that does not
// parse ends the walk at the proxy that reported it. When a request
// carries both X-Forwarded-For and Forwarded and they name different
// clients, one of them came from the client unchecked by the proxy, and
// neither is believed: the peer counts.
func (ps proxies) client(r *http.Request) netip.Addr {
	peer := peerAddr(r)
	if !peer.IsValid() || !ps.trusted(peer) {
		return peer
	}
	xff, xok := r.Header["X-Forwarded-For"]
	fwd, fok := r.Header["Forwarded"]
	switch {
	case xok && fok:
		a, b := ps.walk(peer, xffHops(xff)), ps.walk(peer, forwardedHops(fwd))
		if a != b {
			return peer
		}
		return a
	case xok:
		return ps.walk(peer, xffHops(xff))
	case fok:
		return ps.walk(peer, forwardedHops(fwd))
	}
	return peer
}

// walk goes through hops (client first) from the right, starting at the
// trusted peer.
func (ps proxies) walk(peer netip.Addr, hops []string) netip.Addr {
	cur := peer
	for i := len(hops) - 1; i >= 0 && ps.trusted(cur); i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			return cur
		}
		cur = a
	}
	return cur
}

// xffHops splits X-Forwarded-For header lines into hops.
func xffHops(lines []string) []string {
	var hops []string
	for _, l := range lines {
		for h := range strings.SplitSeq(l, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	return hops
}

// forwardedHops returns the for= values of Forwarded header lines
// (RFC 7239), one per element; an element without for= is a hop whose
// address is not known.
func forwardedHops(lines []string) []string {
	var hops []string
	for _, l := range lines {
		for _, elem := range splitQuoted(l, ',') {
			hop := ""
			for _, pair := range splitQuoted(elem, ';') {
				k, v, _ := strings.Cut(pair, "=")
				if strings.EqualFold(strings.TrimSpace(k), "for") {
					hop = strings.Trim(strings.TrimSpace(v), `"`)
				}
			}
			hops = append(hops, hop)
		}
	}
	return hops
}

// splitQuoted splits s at sep outside double quotes.
func splitQuoted(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case '\\':
			if quoted {
				i++
			}
		case sep:
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// parseHop reads one hop: an IPv4 or IPv6 address, optionally with a port
// ("192.0.2.1:4711", "[2001:db8::1]:4711") or in brackets.
func parseHop(h string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

type clientAddrKey struct{}

// withClient records the client address of a request that came through a
// trusted proxy; a direct request needs nothing recorded.
func (a *API) withClient(r *http.Request) *http.Request {
	if len(a.proxies) == 0 {
		return r
	}
	c := a.proxies.client(r)
	if c == peerAddr(r) {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), clientAddrKey{}, c.String()))
}

// clientOf describes where a request comes from: the client address (see
// proxies.client) and the user agent. Every limit per address and every
// address recorded in events and sessions takes it from here.
func clientOf(r *http.Request) service.Client {
	addr, ok := r.Context().Value(clientAddrKey{}).(string)
	if !ok {
		var err error
		if addr, _, err = net.SplitHostPort(r.RemoteAddr); err != nil {
			addr = r.RemoteAddr
		}
	}
	return service.Client{Addr: addr, UserAgent: r.UserAgent()}
}
