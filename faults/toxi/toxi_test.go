package toxi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/verify"
)

// opTimeout bounds every network operation of these tests.
const opTimeout = 5 * time.Second

// upstream starts a small upper-echo server on loopback for the test.
func upstream(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]struct{}{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = struct{}{}
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(2 * opTimeout))
				buf := make([]byte, 32<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						b := payload.Expect(buf[:n])
						if _, err := c.Write(b); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// embedded starts an embedded toxiproxy closed when the test ends.
func embedded(t *testing.T) *Server {
	t.Helper()
	s, err := Embedded()
	if err != nil {
		t.Fatalf("Embedded: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, opTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(opTimeout))
	return c.(*net.TCPConn)
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// proxyNames lists the proxies the API server at url holds.
func proxyNames(t *testing.T, url string) []string {
	t.Helper()
	ps, err := toxiclient.NewClient(url).Proxies()
	if err != nil {
		t.Fatalf("list proxies at %s: %v", url, err)
	}
	var names []string
	for n := range ps {
		names = append(names, n)
	}
	return names
}

func TestEmbeddedServesTheAPI(t *testing.T) {
	s := embedded(t)
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL = %q, want http://127.0.0.1:PORT", s.URL())
	}
	v, err := toxiclient.NewClient(s.URL()).Version()
	if err != nil {
		t.Fatalf("Version through the real client: %v", err)
	}
	if len(bytes.TrimSpace(v)) == 0 {
		t.Error("empty version")
	}
	// Remote works against it, as against any toxiproxy.
	r, err := Remote(s.URL())
	if err != nil {
		t.Fatalf("Remote(%s): %v", s.URL(), err)
	}
	if r.URL() != s.URL() {
		t.Errorf("Remote URL = %q, want %q", r.URL(), s.URL())
	}
}

func TestOpen(t *testing.T) {
	s, err := Open("")
	if err != nil {
		t.Fatalf(`Open(""): %v`, err)
	}
	t.Cleanup(func() { s.Close() })
	r, err := Open(s.URL())
	if err != nil {
		t.Fatalf("Open(%s): %v", s.URL(), err)
	}
	if r.URL() != s.URL() {
		t.Errorf("Open(url) URL = %q, want %q", r.URL(), s.URL())
	}
	if _, err := Open("http://" + closedAddr(t)); err == nil {
		t.Error("Open of a URL where nothing answers succeeded")
	}
}

func TestProxyPassesEcho(t *testing.T) {
	s := embedded(t)
	up := upstream(t)
	px, err := s.Proxy(up)
	if err != nil {
		t.Fatalf("Proxy: %v", err)
	}
	t.Cleanup(func() { px.Close() })
	if px.Addr() == up || !strings.HasPrefix(px.Addr(), "127.0.0.1:") {
		t.Errorf("proxy Addr = %q, want a loopback port of its own", px.Addr())
	}
	if !strings.HasPrefix(px.Name(), "echospec-") {
		t.Errorf("proxy Name = %q", px.Name())
	}
	// toxiproxy closes both legs on a FIN, so no half-close through it.
	p := payload.Random(1<<20, 1)
	c := dial(t, px.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if _, err := verify.Exchange(ctx, c, p, verify.Options{Stall: 3 * time.Second, ExtraWait: 50 * time.Millisecond}); err != nil {
		t.Fatalf("echo through the proxy: %v", err)
	}
}

func TestProxyNamesAreUnique(t *testing.T) {
	s := embedded(t)
	up := upstream(t)
	seen := map[string]bool{}
	for range 5 {
		px, err := s.Proxy(up)
		if err != nil {
			t.Fatalf("Proxy: %v", err)
		}
		t.Cleanup(func() { px.Close() })
		if seen[px.Name()] || seen[px.Addr()] {
			t.Errorf("proxy name %q or address %q used twice", px.Name(), px.Addr())
		}
		seen[px.Name()], seen[px.Addr()] = true, true
	}
}

// roundTrip sends msg and times until its echo is back.
func roundTrip(t *testing.T, addr, msg string) time.Duration {
	t.Helper()
	c := dial(t, addr)
	start := time.Now()
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read: %v", err)
	}
	d := time.Since(start)
	if want := strings.ToUpper(msg); string(got) != want {
		t.Fatalf("echo %q, want %q", got, want)
	}
	return d
}

func TestLatencyToxic(t *testing.T) {
	s := embedded(t)
	up := upstream(t)
	const latency = 200 * time.Millisecond
	tests := []struct {
		name string
		tx   Toxic
	}{
		{"downstream", Latency(Downstream, latency, 0)},
		{"upstream", Latency(Upstream, latency, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			px, err := s.Proxy(up, tt.tx)
			if err != nil {
				t.Fatalf("Proxy with latency: %v", err)
			}
			t.Cleanup(func() { px.Close() })
			if d := roundTrip(t, px.Addr(), "ping"); d < latency {
				t.Errorf("round trip through a %v latency toxic took %v", latency, d)
			}
		})
	}
}

func TestToxicConstructors(t *testing.T) {
	tests := []struct {
		tx    Toxic
		typ   string
		attrs map[string]int
	}{
		{Latency(Downstream, 10*time.Millisecond, 2*time.Millisecond), "latency", map[string]int{"latency": 10, "jitter": 2}},
		{Bandwidth(Upstream, 64), "bandwidth", map[string]int{"rate": 64}},
		{Slicer(Downstream, 100, 10, 50*time.Microsecond), "slicer", map[string]int{"average_size": 100, "size_variation": 10, "delay": 50}},
		{ResetPeer(Upstream, 5*time.Millisecond), "reset_peer", map[string]int{"timeout": 5}},
		{Timeout(Downstream, 0), "timeout", map[string]int{"timeout": 0}},
		{SlowClose(Upstream, 7*time.Millisecond), "slow_close", map[string]int{"delay": 7}},
		{LimitData(Downstream, 99), "limit_data", map[string]int{"bytes": 99}},
	}
	s := embedded(t)
	up := upstream(t)
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			if tt.tx.Type != tt.typ {
				t.Errorf("Type = %q, want %q", tt.tx.Type, tt.typ)
			}
			for k, v := range tt.attrs {
				if tt.tx.Attributes[k] != v {
					t.Errorf("attribute %s = %v, want %d", k, tt.tx.Attributes[k], v)
				}
			}
			// The real API server accepts it as built.
			px, err := s.Proxy(up, tt.tx)
			if err != nil {
				t.Fatalf("Proxy with %s: %v", tt.typ, err)
			}
			defer px.Close()
			ts, err := px.p.Toxics()
			if err != nil {
				t.Fatalf("list toxics: %v", err)
			}
			if len(ts) != 1 || ts[0].Type != tt.typ || ts[0].Stream != string(tt.tx.Stream) || ts[0].Toxicity != 1.0 ||
				ts[0].Name != tt.typ+"_"+string(tt.tx.Stream) {
				t.Errorf("toxics on the server = %+v, want one %s on %s with toxicity 1, named %s_%s", ts, tt.typ, tt.tx.Stream, tt.typ, tt.tx.Stream)
			}
		})
	}
}

func TestProxyBadToxic(t *testing.T) {
	s := embedded(t)
	_, err := s.Proxy(upstream(t), Toxic{Type: "no_such_toxic", Stream: Downstream})
	if err == nil {
		t.Fatal("Proxy with an unknown toxic succeeded")
	}
	if !strings.Contains(err.Error(), "no_such_toxic") {
		t.Errorf("error %q does not name the toxic", err)
	}
	// The half-made proxy is deleted.
	if names := proxyNames(t, s.URL()); len(names) != 0 {
		t.Errorf("proxies left after a failed Proxy: %v", names)
	}
}

func TestRemoteOnClosedPort(t *testing.T) {
	url := "http://" + closedAddr(t)
	start := time.Now()
	_, err := Remote(url)
	if err == nil {
		t.Fatal("Remote succeeded with nothing listening")
	}
	if !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("error %q, want it to name %s and say it does not answer", err, url)
	}
	if took := time.Since(start); took > opTimeout {
		t.Errorf("Remote took %v to fail", took)
	}
}

func TestProxyCloseDeletes(t *testing.T) {
	s := embedded(t)
	up := upstream(t)
	px, err := s.Proxy(up)
	if err != nil {
		t.Fatal(err)
	}
	keep, err := s.Proxy(up)
	if err != nil {
		t.Fatal(err)
	}
	defer keep.Close()
	if err := px.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	names := proxyNames(t, s.URL())
	if len(names) != 1 || names[0] != keep.Name() {
		t.Errorf("proxies after closing %s: %v, want only %s", px.Name(), names, keep.Name())
	}
	if c, err := net.DialTimeout("tcp", px.Addr(), opTimeout); err == nil {
		c.Close()
		t.Errorf("the closed proxy's address %s still accepts", px.Addr())
	}
	if err := px.Close(); err != nil {
		t.Errorf("closing a proxy twice: %v, want the first result (nil)", err)
	}
	roundTrip(t, keep.Addr(), "the other proxy still works")
}

func TestEmbeddedCloseDeletesEveryProxy(t *testing.T) {
	s, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	up := upstream(t)
	var addrs []string
	for range 3 {
		px, err := s.Proxy(up)
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, px.Addr())
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, a := range addrs {
		if c, err := net.DialTimeout("tcp", a, opTimeout); err == nil {
			c.Close()
			t.Errorf("proxy %s still accepts after the embedded server closed", a)
		}
	}
	if _, err := toxiclient.NewClient(s.URL()).Version(); err == nil {
		t.Error("the API still answers after Close")
	}
}

func TestRemoteCloseDeletesItsProxies(t *testing.T) {
	host := embedded(t)
	r, err := Remote(host.URL())
	if err != nil {
		t.Fatal(err)
	}
	up := upstream(t)
	other, err := host.Proxy(up) // not made through r: must survive
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Proxy(up); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	names := proxyNames(t, host.URL())
	if len(names) != 1 || names[0] != other.Name() {
		t.Errorf("proxies after the remote Server closed: %v, want only %s", names, other.Name())
	}
}

func TestProxyToClosedUpstream(t *testing.T) {
	// The proxy is made (toxiproxy dials upstream per connection); a client
	// through it sees its connection closed, not an echo.
	s := embedded(t)
	px, err := s.Proxy(closedAddr(t))
	if err != nil {
		t.Fatalf("Proxy: %v", err)
	}
	t.Cleanup(func() { px.Close() })
	c := dial(t, px.Addr())
	c.Write([]byte("x"))
	_, err = c.Read(make([]byte, 1))
	if err == nil {
		t.Fatal("read through a proxy to a closed upstream succeeded")
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("read through a proxy to a closed upstream timed out instead of ending: %v", err)
	}
}
