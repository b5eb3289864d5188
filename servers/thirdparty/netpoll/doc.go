// Package netpoll adapts github.com/cloudwego/netpoll to echospec.
//
// netpoll is a reactor with a worker pool: a few process-wide pollers
// (epoll/kqueue, GOMAXPROCS/20+1 of them) accept and read into each
// connection's linked buffer, and hand the connection to OnRequest on a
// pooled goroutine (bytedance gopool). Writes are buffered in the
// connection's output buffer; Flush writes it and, if the kernel refuses
// some, blocks the handler's goroutine until the poller has written the
// rest.
//
// The adapter is netpoll's echo example (netpoll-examples echo/server.go,
// nocopy API as in the guide): OnRequest takes everything readable with
// Reader().Next, copies it into Writer().Malloc, uppercases the copy and
// Flushes. It stops with EventLoop.Shutdown. It deliberately does not work
// around netpoll: no half-close handling (netpoll treats the peer's FIN as
// a close, and Flush fails once it has seen it), no write timeout. Input
// netpoll still hands it after closing the connection is dropped, not
// echoed: its echo could not be sent (see echo).
//
// The adapter builds on Linux, macOS and FreeBSD, where netpoll compiles
// (its kqueue code does not on the other BSDs; it has no Windows
// implementation).
package netpoll
