package toxi

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/echospec/echospec/fixtures/payload"
)

// newLink dials px and returns the connection and the proxy's link to the
// server, or skips the test where the host cannot tell.
func newLink(t *testing.T, px *Proxy) (*net.TCPConn, Link) {
	t.Helper()
	before, err := px.Links()
	if errors.Is(err, ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatalf("Links: %v", err)
	}
	c := dial(t, px.Addr())
	if _, err := c.Write([]byte("a")); err != nil {
		t.Fatalf("write: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	l, err := px.NewLink(ctx, before)
	if errors.Is(err, ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatalf("NewLink: %v", err)
	}
	if l.Server.String() != px.Upstream() {
		t.Errorf("link %s: server end, want %s", l, px.Upstream())
	}
	return c, l
}

// await polls l until ok, and fails the test after opTimeout.
func await(t *testing.T, l Link, what string, ok func(LinkState) bool) LinkState {
	t.Helper()
	deadline := time.Now().Add(opTimeout)
	for {
		st, err := l.State()
		if err != nil {
			t.Fatalf("State: %v", err)
		}
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v (%+v)", what, opTimeout, st)
		}
		time.Sleep(time.Millisecond)
	}
}

// ramp sends the bytes after the first ("a", sent by newLink) one at a
// time until the proxy has read HoldReads of them.
func ramp(t *testing.T, c net.Conn, l Link) {
	t.Helper()
	for k := 1; k <= HoldReads; k++ {
		if k > 1 {
			if _, err := c.Write([]byte("a")); err != nil {
				t.Fatalf("write: %v", err)
			}
		}
		await(t, l, "the proxy reads the echo of byte "+string(rune('0'+k)), func(st LinkState) bool {
			return st.Proxy.Received >= uint64(k) && st.Proxy.Unread == 0
		})
	}
}

func TestHoldStopsTheProxyReading(t *testing.T) {
	s := embedded(t)
	hold := Hold(Downstream, 10*time.Second)
	px, err := s.Proxy(upstream(t), hold)
	if err != nil {
		t.Fatalf("Proxy: %v", err)
	}
	t.Cleanup(func() { px.Close() })
	c, l := newLink(t, px)
	ramp(t, c, l)
	rest := payload.Random(10<<10, 3)
	if _, err := c.Write(rest); err != nil {
		t.Fatalf("write: %v", err)
	}
	st := await(t, l, "the echo reaches the proxy", func(st LinkState) bool { return st.Proxy.Received == uint64(HoldReads+len(rest)) })
	time.Sleep(100 * time.Millisecond)
	if st, err = l.State(); err != nil || st.Proxy.Unread != uint32(len(rest)) || !st.Proxy.Established() || !st.Server.Established() {
		t.Fatalf("after the hold, the proxy's end should keep all %d bytes of echo unread: %+v, %v", len(rest), st, err)
	}
	if e := st.Server; e.SendBuffer == 0 || e.RecvBuffer == 0 || e.SendUsed >= e.SendBuffer || e.SendFull() || e.Received != uint64(HoldReads+len(rest)) {
		t.Errorf("the server's end: %+v: want its buffers' sizes, room in its send buffer, and all %d bytes received", e, HoldReads+len(rest))
	}
	// Only the first byte's echo got through.
	one := make([]byte, 2)
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := io.ReadAtLeast(c, one, 1); n != 1 || one[0] != 'A' {
		t.Fatalf("before the hold ends, the client should have the first byte's echo alone: %q, %v", one[:n], err)
	}
	if err := px.Remove(hold); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	want := append([]byte("AA"), payload.Expect(rest)...)
	got := make([]byte, len(want))
	c.SetReadDeadline(time.Now().Add(opTimeout))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != string(want) {
		t.Fatalf("after the hold ends, the rest of the echo should come: %v", err)
	}
	if err := px.Remove(hold); err == nil {
		t.Errorf("removing a toxic twice should fail")
	}
}

func TestLinkStateTellsResetFromFIN(t *testing.T) {
	s := embedded(t)
	t.Run("reset", func(t *testing.T) {
		// The proxy holds echo unread when limit_data cuts: its close
		// is a reset, and neither end is left.
		px, err := s.Proxy(upstream(t), LimitData(Upstream, HoldReads+2), Hold(Downstream, 10*time.Second))
		if err != nil {
			t.Fatalf("Proxy: %v", err)
		}
		t.Cleanup(func() { px.Close() })
		c, l := newLink(t, px)
		ramp(t, c, l)
		c.Write([]byte("b"))
		await(t, l, "echo held unread", func(st LinkState) bool { return st.Proxy.Unread > 0 })
		c.Write([]byte("c"))
		st := await(t, l, "the cut", func(st LinkState) bool { return !st.Proxy.Established() && !st.Server.Established() })
		if st.Proxy.Open || st.Server.Open || st.Proxy.StateName() != "gone" {
			t.Errorf("after a reset neither end should be left: proxy %s, server %s", st.Proxy.StateName(), st.Server.StateName())
		}
	})
	t.Run("FIN", func(t *testing.T) {
		// Nothing unread when limit_data cuts: a FIN, and both ends
		// stay (the server here never closes).
		px, err := s.Proxy(sink(t), LimitData(Upstream, 2))
		if err != nil {
			t.Fatalf("Proxy: %v", err)
		}
		t.Cleanup(func() { px.Close() })
		c, l := newLink(t, px)
		c.Write([]byte("b"))
		st := await(t, l, "the cut", func(st LinkState) bool { return !st.Proxy.Established() && !st.Server.Established() })
		if p, s := st.Proxy.StateName(), st.Server.StateName(); (p != "FIN_WAIT1" && p != "FIN_WAIT2") || s != "CLOSE_WAIT" {
			t.Errorf("after a FIN the proxy's end should be in FIN_WAIT and the server's in CLOSE_WAIT: proxy %s, server %s", p, s)
		}
	})
}

// sink is a server that reads everything and never writes or closes.
func sink(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				io.Copy(io.Discard, c)
				<-done
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() { close(done); ln.Close() })
	return ln.Addr().String()
}

func TestHoldConstructor(t *testing.T) {
	h := Hold(Downstream, 2*time.Second)
	if h.Type != "slicer" || h.Stream != Downstream || h.Attributes["delay"] != 2_000_000 || h.Attributes["size_variation"] != 0 ||
		h.Attributes["average_size"].(int) <= 32<<10 {
		t.Errorf("Hold = %+v: want a slicer whose slices outsize any chunk, with a 2 s delay", h)
	}
	if h.name() != "hold_downstream" || Slicer(Upstream, 1, 0, 0).name() != "slicer_upstream" {
		t.Errorf("names: %q, %q", h.name(), Slicer(Upstream, 1, 0, 0).name())
	}
	if (End{}).StateName() != "gone" || (End{Open: true, State: 1}).StateName() != "ESTABLISHED" || !(End{Open: true, State: 1}).Established() {
		t.Errorf("End state names")
	}
}

// A socket in CLOSE is a reset's, on its way to destruction: it does not
// linger as a FIN's ends do.
func TestLingers(t *testing.T) {
	for _, c := range []struct {
		e    End
		want bool
	}{{End{}, false}, {End{Open: true, State: 7}, false}, {End{Open: true, State: 4}, true}, {End{Open: true, State: 8}, true}} {
		if got := c.e.Lingers(); got != c.want {
			t.Errorf("%s: Lingers() = %v, want %v", c.e.StateName(), got, c.want)
		}
	}
}
