package api

import (
	"io"
	"net"
	"net/netip"
	"sync"
)

// LimitConns returns a listener that holds at most max connections open
// per peer address: a connection beyond that is closed as soon as it is
// accepted, so one address cannot take the server's file descriptors. An
// IPv6 peer counts by its /64, the block one line or household gets (one
// host may use any of its 2^64 addresses). Peers
// in exempt (the trusted proxies) are not limited: every connection through
// a proxy comes from its address, and the proxy bounds its clients itself
// (docs/operations.md). max <= 0 returns ln.
func LimitConns(ln net.Listener, max int, exempt []netip.Prefix) net.Listener {
	if max <= 0 {
		return ln
	}
	return &connLimiter{Listener: ln, max: max, exempt: proxies(exempt), open: map[netip.Addr]int{}}
}

type connLimiter struct {
	net.Listener
	max    int
	exempt proxies
	mu     sync.Mutex
	open   map[netip.Addr]int
}

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, perr := netip.ParseAddrPort(c.RemoteAddr().String())
		if perr != nil || l.exempt.trusted(ap.Addr()) {
			return c, nil
		}
		a := ap.Addr().Unmap()
		if a.Is6() {
			p, _ := a.Prefix(64)
			a = p.Addr()
		}
		l.mu.Lock()
		n := l.open[a]
		if n < l.max {
			l.open[a] = n + 1
		}
		l.mu.Unlock()
		if n >= l.max {
			c.Close()
			continue
		}
		return &limitedConn{Conn: c, l: l, addr: a}, nil
	}
}

func (l *connLimiter) release(a netip.Addr) {
	l.mu.Lock()
	if l.open[a] <= 1 {
		delete(l.open, a)
	} else {
		l.open[a]--
	}
	l.mu.Unlock()
}

type limitedConn struct {
	net.Conn
	l    *connLimiter
	addr netip.Addr
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.addr) })
	return err
}

// ReadFrom and CloseWrite pass on what net/http uses of a *net.TCPConn:
// sendfile for downloads, and a half close before the close so that the
// client reads the last answer.
func (c *limitedConn) ReadFrom(r io.Reader) (int64, error) { return io.Copy(c.Conn, r) }

func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
