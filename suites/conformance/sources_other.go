//go:build !linux

package conformance

import "syscall"

// extraLoopback: elsewhere (macOS) only 127.0.0.1 is configured on the
// loopback interface, so the client keeps the default source address.
const extraLoopback = false

// bindNoPort does nothing outside Linux (no IP_BIND_ADDRESS_NO_PORT).
func bindNoPort(string, string, syscall.RawConn) error { return nil }
