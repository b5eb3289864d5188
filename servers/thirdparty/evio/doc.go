// Package evio adapts github.com/tidwall/evio to echospec.
//
// evio is a set of event loops on epoll or kqueue, one per core here
// (NumLoops -1); every loop polls the listening socket and accepts, then
// serves its connections on one goroutine. Data is called with a private
// copy of what one read returned, and the reply is queued as the
// connection's output; while output is pending the loop writes instead of
// reading, so a client that does not read stops being read.
//
// The adapter is the README's echo server: Data returns its input,
// uppercased in place (evio hands Data a copy). evio has no Stop: a server
// ends only when an event handler returns Shutdown, so the adapter's Tick
// handler returns Shutdown once Close asks for it. It deliberately does not
// work around evio: no half-close handling (evio closes on read EOF), no
// retry when accept fails, and no cure for the ticker goroutine evio leaves
// behind after a Shutdown from Tick (see Server.Close). Its one work-around
// is in stopping, which no spec judges: evio's shutdown can lose its
// wake-up, so Close connects until the last loops end (Server.Close).
//
// The adapter builds on Linux, macOS and FreeBSD: there evio runs its own
// epoll/kqueue loop. evio's kqueue code does not compile on the other BSDs,
// and its Windows build is a net-package emulation, which is not registered.
package evio
