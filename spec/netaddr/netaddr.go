// Package netaddr is the address a server under test is given, as every
// layer writes it: a loopback TCP HOST:PORT, or "unix:PATH" for a
// Unix-domain stream socket; the environment that tells a server where to
// listen (ECHO_ADDR, ECHO_NETWORK, ECHO_PATH); the loopback-only check;
// and Listen, for engines built on Go's net package. It imports only the
// standard library, so the fault injectors, fixtures, engines and suites
// share it (servers/engine keeps the same names for engine authors).
package netaddr

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
)

// UnixPrefix starts the address of a Unix-domain stream socket: the
// engines, targets and the suite write a server on a Unix socket as
// "unix:" followed by the socket's path ("unix:/tmp/echospec-1/echo.sock");
// every other address is a loopback TCP HOST:PORT.
const UnixPrefix = "unix:"

// The environment a server is started with says where to listen: the
// contract's ECHO_ADDR (with ECHO_HOST and ECHO_PORT) for TCP or, for a
// server to serve a Unix-domain stream socket, EnvNetwork=unix and the
// socket's path in EnvPath.
const (
	EnvAddr    = "ECHO_ADDR"
	EnvNetwork = "ECHO_NETWORK"
	EnvPath    = "ECHO_PATH"
)

// UnixAddr is the address of the Unix-domain socket at path.
func UnixAddr(path string) string { return UnixPrefix + path }

// Network splits addr into the network and address that net.Dial and
// net.Listen take: ("unix", PATH) for "unix:PATH", else ("tcp", addr).
func Network(addr string) (network, address string) {
	if path, ok := strings.CutPrefix(addr, UnixPrefix); ok {
		return "unix", path
	}
	return "tcp", addr
}

// IsUnix reports whether addr is a Unix-domain socket's address.
func IsUnix(addr string) bool { return strings.HasPrefix(addr, UnixPrefix) }

// CheckAddr returns an error unless addr is a loopback HOST:PORT
// (CheckLoopback) or a Unix socket's address with a path.
func CheckAddr(addr string) error {
	if path, ok := strings.CutPrefix(addr, UnixPrefix); ok {
		if path == "" {
			return fmt.Errorf("address %q: no socket path after %q", addr, UnixPrefix)
		}
		return nil
	}
	return CheckLoopback(addr)
}

// Listen listens on addr, a loopback HOST:PORT or "unix:PATH" (CheckAddr),
// for an engine built on Go's net package. A Unix socket's file is removed
// when the listener closes.
func Listen(addr string) (net.Listener, error) {
	if err := CheckAddr(addr); err != nil {
		return nil, err
	}
	network, address := Network(addr) // (net.Listen(Network(addr)) panics go vet's hostport check)
	return net.Listen(network, address)
}

// ListenerAddr is ln's address as Listen takes it back: HOST:PORT, or
// "unix:PATH" for a Unix socket.
func ListenerAddr(ln net.Listener) string {
	if a, ok := ln.Addr().(*net.UnixAddr); ok {
		return UnixAddr(a.Name)
	}
	return ln.Addr().String()
}

// AddrFromEnv is the address the environment tells a server to listen on:
// "unix:$ECHO_PATH" when ECHO_NETWORK is unix, else $ECHO_ADDR.
func AddrFromEnv() (string, error) {
	switch network := os.Getenv(EnvNetwork); network {
	case "", "tcp":
		if a := os.Getenv(EnvAddr); a != "" {
			return a, nil
		}
		return "", errors.New("no address: " + EnvAddr + " is not set")
	case "unix":
		if p := os.Getenv(EnvPath); p != "" {
			return UnixAddr(p), nil
		}
		return "", errors.New("no address: " + EnvNetwork + "=unix but " + EnvPath + " is not set")
	default:
		return "", fmt.Errorf("%s=%q: want tcp or unix", EnvNetwork, network)
	}
}

// CheckLoopback returns an error unless addr is HOST:PORT with a loopback
// host (127.0.0.0/8, ::1 or localhost). Every engine refuses other addresses.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %q: echospec serves on loopback only (127.0.0.1, ::1)", addr)
	}
	return nil
}
