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
)

// DialTimeout bounds every connect in this package.
const DialTimeout = 5 * time.Second

func dial(ctx context.Context, d net.Dialer, addr string) (*net.TCPConn, error) {
	if d.Timeout == 0 {
		d.Timeout = DialTimeout
	}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	return c.(*net.TCPConn), nil
}
