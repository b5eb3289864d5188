package sock

import (
	"context"
	"net"
	"syscall"

	"github.com/echospec/echospec/spec/netaddr"
)

// DialBuffers connects to addr with SO_RCVBUF and SO_SNDBUF set before the
// connect, so the window the server sees is small from the first byte
// (the kernel doubles and clamps the values; 0 leaves one as it is). A tiny
// receive buffer on a slow reader makes the server's writes come back
// short or with EAGAIN.
//
// addr may be a Unix socket's (netaddr.Network), whose stream the kernel
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

// DialNarrow is DialBuffers with a receive buffer of rcvbuf bytes that
// also asks, on TCP, for segments of at most mss bytes (TCP_MAXSEG, set
// before the connect, so that the SYN advertises it): the server then
// sends in small segments, and the kernel sizes the server's send buffer
// from them — a few hundred KiB, where loopback's 64 KiB segments give it
// megabytes. A client that does not read for a while then has the
// server's writes blocked after a few hundred KiB of echo, cheaply. On a
// Unix socket mss is ignored.
func DialNarrow(ctx context.Context, addr string, rcvbuf, mss int) (net.Conn, error) {
	network, _ := netaddr.Network(addr)
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = setsockoptInt(fd, syscall.SO_RCVBUF, rcvbuf)
			if serr == nil && network == "tcp" {
				serr = setMaxSeg(fd, mss)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return dial(ctx, d, addr)
}
