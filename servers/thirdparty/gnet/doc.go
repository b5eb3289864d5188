// Package gnet adapts github.com/panjf2000/gnet/v2 to echospec.
//
// gnet is a multi-reactor event loop: one main reactor owns the listening
// socket and accepts, and one sub-reactor per core (WithMulticore) owns its
// connections on epoll (level-triggered) or kqueue, reading into a shared
// per-loop buffer and calling OnTraffic on the loop's goroutine. Writes go
// straight to the socket; what the kernel refuses is kept in the
// connection's outbound ring buffer, which gnet does not bound.
//
// The adapter is the echo server of gnet's examples (gnet-examples
// echo_tcp): OnTraffic takes every buffered byte with Next(-1), uppercases
// it and Writes it back. It stops with Engine.Stop. It deliberately does not
// work around gnet: no backpressure of its own, no half-close handling (gnet
// closes the connection when read returns EOF, flushing only what the socket
// takes at once), and no retry when gnet's acceptor fails.
//
// The adapter builds where gnet runs its own event loop (Linux, the BSDs,
// macOS); gnet's Windows build is a net-package emulation that its README
// says is for development only, so it is not registered there.
package gnet
