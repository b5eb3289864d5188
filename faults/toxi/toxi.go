// Package toxi puts toxiproxy between the suite and a server. By default it
// runs toxiproxy's real API server embedded in this process, on an
// ephemeral loopback port, and drives it through toxiproxy's own Go client
// over HTTP; an outside toxiproxy server can be used instead by URL.
//
// Know the tool: toxiproxy is a full-close proxy (a FIN from either side
// closes both legs), so never end a stream through it with a half-close;
// reset_peer only resets connections opened after the toxic exists; a
// toxic needs toxicity 1.0 to fire. Create toxics before dialling, and use
// a fresh proxy per spec.
package toxi

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Server is a toxiproxy API endpoint.
type Server struct {
	url    string
	client *toxiclient.Client
	stop   func() error

	mu      sync.Mutex
	proxies []*Proxy // made through this Server and not yet closed
}

// Embedded starts toxiproxy's API server in this process on an ephemeral
// loopback port. Close stops it and every proxy it made.
func Embedded() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("embedded toxiproxy: listen: %w", err)
	}
	api := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	hs := &http.Server{Handler: api.Routes(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	url := "http://" + ln.Addr().String()
	s := &Server{url: url, client: toxiclient.NewClient(url)}
	s.stop = func() error {
		api.Collection.Clear()
		return hs.Close()
	}
	return s, nil
}

// Remote uses the toxiproxy API server at url, after checking that it
// answers. Close deletes only the proxies made through this Server.
func Remote(url string) (*Server, error) {
	c := toxiclient.NewClient(url)
	if _, err := c.Version(); err != nil {
		return nil, fmt.Errorf("toxiproxy at %s does not answer: %w", url, err)
	}
	return &Server{url: url, client: c, stop: func() error { return nil }}, nil
}

// Open returns Remote(url) when url is set, or else Embedded().
func Open(url string) (*Server, error) {
	if url != "" {
		return Remote(url)
	}
	return Embedded()
}

// URL is the API server's address.
func (s *Server) URL() string { return s.url }

// Close deletes every proxy made through this Server that is still there,
// and stops an embedded server.
func (s *Server) Close() error {
	s.mu.Lock()
	left := s.proxies
	s.proxies = nil
	s.mu.Unlock()
	var errs []error
	for _, p := range left {
		errs = append(errs, p.Close())
	}
	return errors.Join(append(errs, s.stop())...)
}

var proxySeq atomic.Int64

// Proxy creates a new proxy on a free loopback port in front of upstream,
// with the given toxics already in place, so that every connection made to
// it meets them from its first byte.
func (s *Server) Proxy(upstream string, toxics ...Toxic) (*Proxy, error) {
	name := fmt.Sprintf("echospec-%d-%d-%d", pid, proxySeq.Add(1), time.Now().UnixNano())
	p, err := s.client.CreateProxy(name, "127.0.0.1:0", upstream)
	if err != nil {
		return nil, fmt.Errorf("toxiproxy %s: create proxy to %s: %w", s.url, upstream, err)
	}
	px := &Proxy{p: p, server: s}
	s.mu.Lock()
	s.proxies = append(s.proxies, px)
	s.mu.Unlock()
	for _, t := range toxics {
		if err := px.Add(t); err != nil {
			return nil, errors.Join(err, px.Close())
		}
	}
	return px, nil
}

// Proxy is one toxiproxy proxy.
type Proxy struct {
	p      *toxiclient.Proxy
	server *Server
	once   sync.Once
	err    error
}

// Addr is where to connect to go through the proxy.
func (p *Proxy) Addr() string { return p.p.Listen }

// Name is the proxy's name on the API server.
func (p *Proxy) Name() string { return p.p.Name }

// Upstream is the address the proxy forwards to (the server).
func (p *Proxy) Upstream() string { return p.p.Upstream }

// Add adds a toxic. Prefer adding toxics before dialling.
func (p *Proxy) Add(t Toxic) error {
	if _, err := p.p.AddToxic(t.name(), t.Type, string(t.Stream), 1.0, t.Attributes); err != nil {
		return fmt.Errorf("toxiproxy: add %s toxic (%s) to %s: %w", t.Type, t.Stream, p.p.Name, err)
	}
	return nil
}

// Remove removes a toxic added before (the same Toxic, or one of the same
// name), from the proxy and from its open connections.
func (p *Proxy) Remove(t Toxic) error {
	if err := p.p.RemoveToxic(t.name()); err != nil {
		return fmt.Errorf("toxiproxy: remove %s toxic %s from %s: %w", t.Type, t.name(), p.p.Name, err)
	}
	return nil
}

// String is the toxic as a report shows it: "latency downstream
// (jitter=10, latency=100)".
func (t Toxic) String() string {
	keys := make([]string, 0, len(t.Attributes))
	for k := range t.Attributes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	attrs := make([]string, len(keys))
	for i, k := range keys {
		attrs[i] = fmt.Sprintf("%s=%v", k, t.Attributes[k])
	}
	return fmt.Sprintf("%s %s (%s)", t.Type, t.Stream, strings.Join(attrs, ", "))
}

// name is the toxic's name on the proxy: Name, or TYPE_STREAM.
func (t Toxic) name() string {
	if t.Name != "" {
		return t.Name
	}
	return t.Type + "_" + string(t.Stream)
}

// Close deletes the proxy, closing its connections. Closing twice is
// harmless.
func (p *Proxy) Close() error {
	p.once.Do(func() {
		s := p.server
		s.mu.Lock()
		s.proxies = slices.DeleteFunc(s.proxies, func(q *Proxy) bool { return q == p })
		s.mu.Unlock()
		if err := p.p.Delete(); err != nil {
			p.err = fmt.Errorf("toxiproxy: delete %s: %w", p.p.Name, err)
		}
	})
	return p.err
}
