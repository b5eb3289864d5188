//go:build darwin || freebsd || linux

// Command nbio is nbio's TCP echo server written as nbio's README teaches
// it, for echospec's plain-echo runs (make realworld; see ../README.md).
//
// Its shape is the "Quick Start" of github.com/lesismal/nbio's README
// (v1.6.8; the same server as nbio-examples echo/server/server.go, plus
// its OnOpen and OnClose logging): nbio.NewEngine with Network "tcp" and
// MaxWriteBufferSize 6 MiB, OnData writing a copy of the data back
// (append([]byte{}, data...): the poller's read buffer is reused),
// engine.Start, then block forever. The one change: Addrs is $ECHO_ADDR
// instead of ":8888". Nothing else is set; compare servers/thirdparty/nbio,
// the suite's upper-echo adapter.
//
// nbio runs its own epoll/kqueue pollers on Linux, macOS and FreeBSD; its
// Windows build is a net-package emulation for debugging, so this command
// is built on those three only.
package main

import (
	"log"
	"os"

	"github.com/lesismal/nbio"
)

func main() {
	engine := nbio.NewEngine(nbio.Config{
		Network:            "tcp", //"udp", "unix"
		Addrs:              []string{os.Getenv("ECHO_ADDR")},
		MaxWriteBufferSize: 6 * 1024 * 1024,
	})

	// handle new connection
	engine.OnOpen(func(c *nbio.Conn) {
		log.Println("OnOpen:", c.RemoteAddr().String())
	})
	// handle connection closed
	engine.OnClose(func(c *nbio.Conn, err error) {
		log.Println("OnClose:", c.RemoteAddr().String(), err)
	})
	// handle data
	engine.OnData(func(c *nbio.Conn, data []byte) {
		c.Write(append([]byte{}, data...))
	})

	err := engine.Start()
	if err != nil {
		log.Fatalf("nbio.Start failed: %v\n", err)
		return
	}
	defer engine.Stop()

	<-make(chan int)
}
