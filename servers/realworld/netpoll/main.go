//go:build darwin || freebsd || linux

// Command netpoll is netpoll's TCP echo server written as netpoll teaches
// it, for echospec's plain-echo runs (make realworld; see ../README.md).
//
// Its shape is netpoll's echo example, echo/server.go of
// github.com/cloudwego/netpoll-examples (netpoll's README sends readers to
// those examples; its guide walks through the same server): a listener
// from netpoll.CreateListener, an EventLoop from netpoll.NewEventLoop with
// OnPrepare, OnConnect (logging, and a close callback that logs) and
// WithReadTimeout(time.Second); the OnRequest handler reads everything
// readable with reader.ReadString(reader.Len()), WriteStrings it back and
// Flushes, releasing the reader. Two changes: it listens on $ECHO_ADDR
// instead of ":8080" (and exits saying why if it cannot), and it does not
// print every message it receives (the example's fmt.Printf("[recv msg]")
// would write each echoed byte, a gigabyte in C4, to the suite's pipe).
// Nothing is tuned; compare servers/thirdparty/netpoll, the suite's
// upper-echo adapter.
//
// netpoll compiles on Linux, macOS and FreeBSD (its kqueue code does not
// on the other BSDs; it has no Windows implementation).
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/cloudwego/netpoll"
)

func main() {
	network, address := "tcp", os.Getenv("ECHO_ADDR")
	listener, err := netpoll.CreateListener(network, address)
	if err != nil {
		log.Fatalf("netpoll: listen on %q: %v", address, err)
	}

	eventLoop, _ := netpoll.NewEventLoop(
		handle,
		netpoll.WithOnPrepare(prepare),
		netpoll.WithOnConnect(connect),
		netpoll.WithReadTimeout(time.Second),
	)

	// start listen loop ...
	eventLoop.Serve(listener)
}

var _ netpoll.OnPrepare = prepare
var _ netpoll.OnConnect = connect
var _ netpoll.OnRequest = handle
var _ netpoll.CloseCallback = close

func prepare(connection netpoll.Connection) context.Context {
	return context.Background()
}

func close(connection netpoll.Connection) error {
	fmt.Printf("[%v] connection closed\n", connection.RemoteAddr())
	return nil
}

func connect(ctx context.Context, connection netpoll.Connection) context.Context {
	fmt.Printf("[%v] connection established\n", connection.RemoteAddr())
	connection.AddCloseCallback(close)
	return ctx
}

func handle(ctx context.Context, connection netpoll.Connection) error {
	reader, writer := connection.Reader(), connection.Writer()
	defer reader.Release()

	msg, _ := reader.ReadString(reader.Len())

	writer.WriteString(msg)
	writer.Flush()

	return nil
}
