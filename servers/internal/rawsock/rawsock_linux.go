//go:build linux

// Package rawsock is the small amount of socket plumbing the raw-syscall
// engines share: creating a loopback listening socket and accepting on it
// through golang.org/x/sys/unix, with no netpoller involved.
package rawsock

import (
	"fmt"
	"net"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
)

// Options tune Listen.
type Options struct {
	// NonBlock sets O_NONBLOCK on the listening socket.
	NonBlock bool
	// ReusePort sets SO_REUSEPORT, so several sockets (or processes) can
	// listen on one port and the kernel spreads connections among them.
	ReusePort bool
	// Backlog is listen(2)'s backlog; 0 means 1024.
	Backlog int
}

// Listen creates a TCP socket bound to the loopback address addr and
// listening. It returns the fd and the bound address with its real port.
func Listen(addr string, o Options) (fd int, bound string, err error) {
	fd, bound, err = Bind(addr, o)
	if err != nil {
		return -1, "", err
	}
	if err := StartListening(fd, o); err != nil {
		unix.Close(fd)
		return -1, "", fmt.Errorf("listen %s: %w", bound, err)
	}
	return fd, bound, nil
}

// StartListening calls listen(2) on a socket from Bind, with o's backlog.
func StartListening(fd int, o Options) error {
	backlog := o.Backlog
	if backlog == 0 {
		backlog = 1024
	}
	return unix.Listen(fd, backlog)
}

// Bind is Listen without the listen(2): the socket is bound (the port is
// taken) but connects are refused until StartListening. An engine that
// has setup to finish after binding can so start accepting only when it
// is ready.
func Bind(addr string, o Options) (fd int, bound string, err error) {
	if err := engine.CheckLoopback(addr); err != nil {
		return -1, "", err
	}
	tcpAddr, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return -1, "", fmt.Errorf("resolve %q: %w", addr, err)
	}
	family, sa := unix.AF_INET, unix.Sockaddr(nil)
	if ip4 := tcpAddr.IP.To4(); ip4 != nil {
		s := &unix.SockaddrInet4{Port: tcpAddr.Port}
		copy(s.Addr[:], ip4)
		sa = s
	} else {
		family = unix.AF_INET6
		s := &unix.SockaddrInet6{Port: tcpAddr.Port}
		copy(s.Addr[:], tcpAddr.IP.To16())
		sa = s
	}
	typ := unix.SOCK_STREAM | unix.SOCK_CLOEXEC
	if o.NonBlock {
		typ |= unix.SOCK_NONBLOCK
	}
	fd, err = unix.Socket(family, typ, unix.IPPROTO_TCP)
	if err != nil {
		return -1, "", fmt.Errorf("socket: %w", err)
	}
	fail := func(what string, err error) (int, string, error) {
		unix.Close(fd)
		return -1, "", fmt.Errorf("%s %s: %w", what, addr, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail("SO_REUSEADDR", err)
	}
	if o.ReusePort {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return fail("SO_REUSEPORT", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	return fd, SockaddrString(got), nil
}

// Accept accepts one connection with accept4, close-on-exec, and
// non-blocking when nonBlock is set. It retries EINTR.
func Accept(lfd int, nonBlock bool) (int, error) {
	flags := unix.SOCK_CLOEXEC
	if nonBlock {
		flags |= unix.SOCK_NONBLOCK
	}
	for {
		nfd, _, err := unix.Accept4(lfd, flags)
		if err == unix.EINTR {
			continue
		}
		return nfd, err
	}
}

// SockaddrString renders an IPv4 or IPv6 socket address as HOST:PORT.
func SockaddrString(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	}
	return fmt.Sprintf("%v", sa)
}
