// Package sock makes the client-side socket faults toxiproxy cannot: a
// reset (RST) through SO_LINGER 0, tiny socket buffers set before connect,
// a client that sends and never reads, a byte-at-a-time sender, and a
// storm of connect-then-reset cycles. One file per fault; each is a plain
// function on a connection or an address, with a deadline on every
// operation.
package sock

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/echospec/echospec/spec/netaddr"
)

// DialTimeout bounds every connect in this package.
const DialTimeout = 5 * time.Second

// dial connects to addr: a loopback HOST:PORT, or a Unix socket's
// "unix:PATH" (netaddr.Network).
func dial(ctx context.Context, d net.Dialer, addr string) (net.Conn, error) {
	if d.Timeout == 0 {
		d.Timeout = DialTimeout
	}
	network, address := netaddr.Network(addr)
	c, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	return c, nil
}

// tcpOf is c as a TCP connection, for the faults only TCP has (an RST,
// TCP_INFO): c itself, or the connection a wrapper of it holds (one with
// a NetConn method, as a recording wire.Conn or a tls.Conn has); on
// another connection (a Unix socket's) it is an error.
func tcpOf(c net.Conn) (*net.TCPConn, error) {
	for under := c; under != nil; {
		if tc, ok := under.(*net.TCPConn); ok {
			return tc, nil
		}
		w, ok := under.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		under = w.NetConn()
	}
	return nil, fmt.Errorf("%v is not a TCP connection (%T): the fault needs TCP", c.RemoteAddr(), c)
}

// IsTCP reports whether c is a TCP connection, or wraps one.
func IsTCP(c net.Conn) bool {
	_, err := tcpOf(c)
	return err == nil
}
