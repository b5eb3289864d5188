//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

// Command gnet is gnet v2's TCP echo server written as gnet teaches it,
// for echospec's plain-echo runs (make realworld; see ../README.md).
//
// Its shape is gnet's own echo example, echo_tcp/echo.go of
// github.com/gnet-io/gnet-examples (gnet's README sends readers to its
// examples): a handler that embeds gnet.BuiltinEventEngine, logs in
// OnBoot, and in OnTraffic takes every buffered byte with c.Next(-1) and
// c.Write(buf)s it back; gnet.Run with WithMulticore(multicore), multicore
// false unless -multicore is given, as in the example. The one change:
// it listens on tcp://$ECHO_ADDR instead of tcp://:PORT from a -port flag.
// Nothing is tuned; compare servers/thirdparty/gnet, the suite's upper-echo
// adapter of the same engine.
//
// gnet runs its own event loop on Linux, the BSDs and macOS; its Windows
// build is a net-package emulation, so this command is not built there.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/panjf2000/gnet/v2"
)

type echoServer struct {
	gnet.BuiltinEventEngine

	eng       gnet.Engine
	addr      string
	multicore bool
}

func (es *echoServer) OnBoot(eng gnet.Engine) gnet.Action {
	es.eng = eng
	log.Printf("echo server with multi-core=%t is listening on %s\n", es.multicore, es.addr)
	return gnet.None
}

func (es *echoServer) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	c.Write(buf)
	return gnet.None
}

func main() {
	var multicore bool

	flag.BoolVar(&multicore, "multicore", false, "--multicore true")
	flag.Parse()
	echo := &echoServer{addr: fmt.Sprintf("tcp://%s", os.Getenv("ECHO_ADDR")), multicore: multicore}
	log.Fatal(gnet.Run(echo, echo.addr, gnet.WithMulticore(multicore)))
}
