package conformance

// How a spec reaches the server: directly, or through toxiproxy with toxics
// (path, run.addr, run.proxy).

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/netip"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/sockdiag"
	"github.com/echospec/echospec/spec"
)

// addr is where the current path reaches the server: the server itself, or
// a fresh toxiproxy proxy in front of it with the given toxics.
func (r *run) addr(p path, toxics ...toxi.Toxic) string {
	GinkgoHelper()
	if !p.proxied && len(toxics) == 0 {
		return r.inst.Addr()
	}
	return r.proxy(toxics...)
}

// proxy puts a new toxiproxy proxy with toxics in front of the server and
// returns its address.
func (r *run) proxy(toxics ...toxi.Toxic) string {
	GinkgoHelper()
	return r.toxiProxy(toxics...).Addr()
}

// toxiProxy is proxy keeping the proxy itself, for a spec that changes
// its toxics or asks after its connections.
func (r *run) toxiProxy(toxics ...toxi.Toxic) *toxi.Proxy {
	GinkgoHelper()
	if r.toxi == nil {
		srv, err := toxi.Open(r.s.opts.toxiproxyURL)
		noErr(kinded(spec.IOError, err), "")
		DeferCleanup(srv.Close)
		r.toxi = srv
	}
	px, err := r.toxi.Proxy(r.inst.Addr(), toxics...)
	noErr(kinded(spec.IOError, err), "")
	DeferCleanup(px.Close)
	proxyFault(px.Addr(), toxics)
	return px
}

// proxyFault notes a new toxiproxy proxy and its toxics on the spec's
// wire timeline.
func proxyFault(addr string, toxics []toxi.Toxic) {
	if len(toxics) == 0 {
		specFault("toxiproxy proxy %s, no toxic", addr)
	}
	for _, t := range toxics {
		specFault("toxiproxy proxy %s: toxic %s", addr, t)
	}
}

// path is how a spec reaches the server: directly, or through toxiproxy
// with no toxic (which proves the proxy path before faults use it).
type path struct {
	proxied bool
}

var (
	direct  = path{}
	proxied = path{proxied: true}
)

// id returns a spec ID for this path: proxied paths get a "p" suffix.
func (p path) id(base string) string {
	if p.proxied {
		return base + "p"
	}
	return base
}

func (p path) label() Labels {
	if p.proxied {
		return Label(spec.ProxyLabel)
	}
	return Label(spec.DirectLabel)
}

// dialWatched dials the server on path p, as dial does, and returns with
// the connection what counts the bytes the server has read from it: the
// kernel's count (sock_diag) at the server's end of this connection, or
// of the link the proxy opened to the server for it. The count fails
// where the host cannot tell (not Linux, a Unix socket, a link not found
// because another client connected to the server at the same moment).
func (r *run) dialWatched(ctx context.Context, p path) (net.Conn, func() (int, error)) {
	GinkgoHelper()
	if !p.proxied {
		c := dial(ctx, r.inst.Addr())
		server, err1 := sockdiag.AddrPort(c.RemoteAddr())
		client, err2 := sockdiag.AddrPort(c.LocalAddr())
		if err := cmp.Or(err1, err2); err != nil {
			return c, func() (int, error) { return 0, err }
		}
		return c, readBy(server, client)
	}
	px := r.toxiProxy()
	before, err := px.Links()
	c := dial(ctx, px.Addr())
	if err != nil {
		return c, func() (int, error) { return 0, err }
	}
	wctx, cancel := context.WithTimeout(ctx, faultStall)
	defer cancel()
	l, err := px.NewLink(wctx, before)
	if err != nil {
		return c, func() (int, error) { return 0, err }
	}
	return c, readBy(l.Server, l.Proxy)
}

// readBy counts the bytes the process holding the socket local ↔ remote
// has read from it: all it received, less what waits unread.
func readBy(local, remote netip.AddrPort) func() (int, error) {
	return func() (int, error) {
		s, err := sockdiag.Lookup(local, remote)
		switch {
		case err != nil:
			return 0, err
		case !s.Found || s.State != sockdiag.StateEstablished:
			return 0, fmt.Errorf("the server's end %v of the connection from %v is no longer established", local, remote)
		}
		return int(s.Received) - int(s.Unread), nil
	}
}
