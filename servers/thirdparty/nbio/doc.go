// Package nbio adapts github.com/lesismal/nbio to echospec.
//
// nbio accepts with the Go net package on its own goroutine, takes the
// socket out of the runtime's netpoller and hands it to one of its pollers:
// event loops on epoll (level-triggered by default) or kqueue, NumCPU/4 of
// them by default. A poller reads into its shared buffer and calls OnData
// on its own goroutine. Conn.Write writes at once and keeps what the kernel
// refuses in the connection's write list, up to MaxWriteBufferSize, past
// which nbio closes the connection.
//
// The adapter is nbio's echo example (README Quick Start, nbio-examples
// echo/server): MaxWriteBufferSize 6 MiB, OnData copies the data (the
// poller's buffer is reused), uppercases the copy and Writes it. It stops
// with Engine.Stop. It deliberately does not work around nbio: no
// backpressure of its own, no half-close handling (nbio closes the
// connection on EPOLLRDHUP, dropping unwritten echo), no accept-error
// handling. One exception, in starting, which no spec judges: Start
// returns only once nbio's acceptor and pollers run (warmup), since a
// Stop that comes before they begin is lost and leaves the acceptor
// spinning on its closed listener.
//
// The adapter builds on Linux, macOS and FreeBSD, where nbio compiles
// (its kqueue code does not on the other BSDs, and its Windows build is a
// net-package emulation for debugging).
package nbio
