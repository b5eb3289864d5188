package conformance

// The wire timeline of a spec (package wire): every connection a spec
// opens records what the client did and saw, the faults the spec applies
// are noted on the connection or the spec, and a failed spec's report
// holds the timelines (spec.TimelineEntry): the failing connection first,
// the failure's moment, what the kernel said of it, the bytes around a
// wrong one.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/fixtures/wire"
	"github.com/echospec/echospec/spec"
)

// timelineConns is how many connections a failed spec's timeline shows.
const timelineConns = 8

// recordWire starts the running spec's wire log. Its cleanup, the spec's
// last, adds the timeline to the report of a spec that failed.
func recordWire() {
	l := wire.NewLog()
	current.Lock()
	current.log = l
	current.Unlock()
	DeferCleanup(func() {
		current.Lock()
		if current.log == l {
			current.log = nil
		}
		current.Unlock()
		if CurrentSpecReport().Failed() {
			AddReportEntry(spec.TimelineEntry, l.Timeline(timelineConns))
		}
	})
}

// currentLog is the running spec's wire log, or nil outside a spec (a
// BeforeAll's connections are not recorded).
func currentLog() *wire.Log {
	current.Lock()
	defer current.Unlock()
	return current.log
}

// tracked records c, a connection that took took to connect, on the
// running spec's wire log, and returns the connection to use: the
// recording one, or c itself outside a spec.
func tracked(c net.Conn, took time.Duration) net.Conn {
	if l := currentLog(); l != nil {
		return l.Wrap(c, took)
	}
	return c
}

// adopted is tracked for a connection opened before the spec began (by a
// setup it shares), which has written and read moved bytes: on the
// spec's timeline from now, with why.
func adopted(c net.Conn, moved int64, why string) net.Conn {
	if l := currentLog(); l != nil {
		return l.Adopt(c, moved, moved, why)
	}
	return c
}

// trackedFault is tracked for a connection dialled with a fault set
// before its connect (tiny buffers, a small MSS), noted on its timeline.
func trackedFault(c net.Conn, format string, args ...any) net.Conn {
	c = tracked(c, 0)
	wire.Note(c, format, args...)
	return c
}

// specFault notes a fault the spec applies that is no one connection's:
// a toxic, an fd limit, a reset storm.
func specFault(format string, args ...any) {
	if l := currentLog(); l != nil {
		l.Event(format, args...)
	}
}

// neverReads is sock.Hog (send, never read, until the server takes no more
// for still, or limit bytes are out), noted on c's timeline: the spec's
// client that does not read, often the cause of what the others saw.
func neverReads(ctx context.Context, c net.Conn, limit int64, still time.Duration) (int64, error) {
	wire.Note(c, "sends and never reads, until the server takes nothing for %v", still)
	return sock.Hog(ctx, c, limit, still)
}

// rst is sock.Reset (SO_LINGER 0, then close: an RST), noted on c's
// timeline.
func rst(c net.Conn) error {
	wire.Note(c, "SO_LINGER 0, then close: an RST")
	return sock.Reset(c)
}

// wireFailing marks, from a failure's error, the connection that failed
// (the one its verify.Error ran on) and keeps the bytes around a wrong
// one.
func wireFailing(err error) {
	l := currentLog()
	var e *verify.Error
	if l == nil || !errors.As(err, &e) {
		return
	}
	if e.Conn != nil {
		l.Failing(e.Conn, fmt.Sprintf("%s: %d of %d echo bytes right, %d sent", e.Kind, e.Received, e.Expected, e.Written))
	}
	if e.Kind == spec.WrongByte && e.NearGot != nil {
		l.SetWindow(wire.Window{Offset: e.Offset, Start: e.NearAt, Want: e.NearWant, Got: e.NearGot})
	}
}

// wireFailed marks the failure's moment, with its message, and records
// what the kernel says about the failing connection then (TCP_INFO;
// Linux only).
func wireFailed(msg string) {
	l := currentLog()
	if l == nil {
		return
	}
	l.Fail(msg)
	if c := l.FailingConn(); c != nil && sock.IsTCP(c) {
		if info, err := sock.TCPInfo(c); err == nil {
			l.Kernel(c, info.String())
		}
	}
}
