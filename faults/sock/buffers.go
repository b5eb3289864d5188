package sock

import (
	"context"
	"net"
	"syscall"
)

// DialBuffers connects to addr with SO_RCVBUF and SO_SNDBUF set before the
// connect, so the window the server sees is small from the first byte
// (the kernel doubles and clamps the values; 0 leaves one as it is). A tiny
// receive buffer on a slow reader makes the server's writes come back
// short or with EAGAIN.
//
// addr may be a Unix socket's (engine.Network), whose stream the kernel
// paces by the sender's buffer, not the receiver's: there a tiny receive
// buffer changes nothing, but a client that stops reading still stops the
// server's writes once their buffer is full.
func DialBuffers(ctx context.Context, addr string, rcvbuf, sndbuf int) (net.Conn, error) {
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			if rcvbuf > 0 {
				serr = setsockoptInt(fd, syscall.SO_RCVBUF, rcvbuf)
			}
			if serr == nil && sndbuf > 0 {
				serr = setsockoptInt(fd, syscall.SO_SNDBUF, sndbuf)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return dial(ctx, d, addr)
}
