package conformance

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// extraLoopback: every address of 127.0.0.0/8 is the loopback interface's
// on Linux, so a client may bind 127.0.0.2 … as its source.
const extraLoopback = true

// bindNoPort is a net.Dialer Control that sets IP_BIND_ADDRESS_NO_PORT on
// an IPv4 socket about to be bound to a source address: the kernel then
// chooses the source port at connect, by the whole 4-tuple, instead of at
// bind, by the address and port alone — so a port in TIME_WAIT toward the
// server can be reused (tcp_tw_reuse), and a source address gives the
// whole ephemeral range to each destination.
func bindNoPort(network, _ string, c syscall.RawConn) error {
	if network != "tcp4" {
		return nil
	}
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
