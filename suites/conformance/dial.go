package conformance

// Connecting to the server: every dial with a deadline, Unix sockets' full
// backlog waited out as TCP's is, and the RST close.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/spec"
)

// dial connects to addr (a loopback HOST:PORT, or a Unix socket's
// "unix:PATH") with a deadline; the connection is closed when the spec
// ends.
func dial(ctx context.Context, addr string) net.Conn {
	GinkgoHelper()
	c, err := dialErr(ctx, addr)
	noErr(err, "")
	DeferCleanup(func() { c.Close() }) // the spec may have closed it already
	return c
}

// dialAll opens n connections to addr, all closed by one cleanup when the
// spec ends (one cleanup node, not n, keeps the report small).
func dialAll(ctx context.Context, addr string, n int) []net.Conn {
	GinkgoHelper()
	conns := make([]net.Conn, 0, n)
	DeferCleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := range n {
		c, err := dialErr(ctx, addr)
		noErr(err, "connection %d of %d", i+1, n)
		conns = append(conns, c)
	}
	return conns
}

// dialErr connects to addr; a failure is of kind refused. The
// connection records its wire timeline (tracked).
func dialErr(ctx context.Context, addr string) (net.Conn, error) { return dialFrom(ctx, addr, nil) }

// dialFrom is dialErr from source address src (nil: the default), its
// port chosen at connect (bindNoPort).
func dialFrom(ctx context.Context, addr string, src net.Addr) (net.Conn, error) {
	d := net.Dialer{Timeout: DialTimeout}
	if src != nil {
		d.LocalAddr, d.Control = src, bindNoPort
	}
	network, address := engine.Network(addr)
	t0 := time.Now()
	c, err := d.DialContext(ctx, network, address)
	// A Unix-domain listener whose backlog is full fails a connect at once
	// with EAGAIN, where TCP would wait for room (the kernel retries the
	// SYN): wait as a TCP connect would, up to DialTimeout. (C5's 1,536
	// connects met it beside two CPU hogs, the server a moment behind.)
	for until := time.Now().Add(DialTimeout); err != nil && network == "unix" && errors.Is(err, syscall.EAGAIN) && time.Now().Before(until); {
		select {
		case <-ctx.Done():
		case <-time.After(unixBacklogPause):
			c, err = d.DialContext(ctx, network, address)
			continue
		}
		break
	}
	if err != nil {
		return nil, connectFailed(ctx, fmt.Errorf("connect to %s: %w", addr, err))
	}
	return tracked(c, time.Since(t0)), nil
}

// unixBacklogPause is how long a connect to a Unix-domain listener with a
// full backlog waits before it tries again.
const unixBacklogPause = 5 * time.Millisecond

// connectFailed gives a failed connect its kind: refused, or a stall
// when the spec's budget ran out meanwhile. The connect shares the
// budget's deadline, and its own timer may fire before the context is
// marked done, so the deadline itself is what tells.
func connectFailed(ctx context.Context, err error) error {
	if dl, ok := ctx.Deadline(); ctx.Err() != nil || (ok && !time.Now().Before(dl)) {
		<-ctx.Done() // at most a moment: the deadline has passed
		return kinded(spec.Stall, fmt.Errorf("%w: %w", err, context.Cause(ctx)))
	}
	return kinded(spec.Refused, err)
}

// abort ends c with a reset (RST) where it is a TCP connection, and
// closes it where it is not (a Unix socket has no reset).
func abort(c net.Conn) {
	if sock.IsTCP(c) {
		rst(c)
		return
	}
	c.Close()
}
