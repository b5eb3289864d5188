//go:build darwin || freebsd || linux

// Command evio is evio's TCP echo server written as evio's README teaches
// it, for echospec's plain-echo runs (make realworld; see ../README.md).
//
// Its shape is the "Example echo server" of github.com/tidwall/evio's
// README (v1.0.8): one Data event that returns its input as the output,
// served by evio.Serve. The one change: it listens on tcp://$ECHO_ADDR
// instead of tcp://localhost:5000. Nothing is tuned (NumLoops is left at
// its zero value, one loop, as in the README); compare
// servers/thirdparty/evio, the suite's upper-echo adapter.
//
// evio runs its own epoll/kqueue loop on Linux, macOS and FreeBSD; its
// kqueue code does not compile on the other BSDs and its Windows build is
// a net-package emulation, so this command is built on those three only.
package main

import (
	"os"

	"github.com/tidwall/evio"
)

func main() {
	var events evio.Events
	events.Data = func(c evio.Conn, in []byte) (out []byte, action evio.Action) {
		out = in
		return
	}
	if err := evio.Serve(events, "tcp://"+os.Getenv("ECHO_ADDR")); err != nil {
		panic(err.Error())
	}
}
