package conformance

// How a spec reaches the server: directly, or through toxiproxy with toxics
// (path, run.addr, run.proxy).

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/faults/toxi"
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
