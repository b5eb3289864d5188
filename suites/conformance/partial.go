package conformance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/spec"
)

// partialSpecs is the partial-write category: data that arrives in
// fragments, and a client whose window forces the server's writes short.
// Not one byte may be lost, duplicated or reordered.
func (s *suite) partialSpecs() {
	Describe("partial-write", Label(string(spec.CatPartialWrite)), func() {
		s.it("W1", func(ctx SpecContext) {
			r := s.start(ctx)
			c := dial(ctx, r.proxy(toxi.Slicer(toxi.Upstream, slicerAvg, slicerVariation, slicerDelay), toxi.Slicer(toxi.Downstream, slicerAvg, slicerVariation, slicerDelay)))
			_, err := s.exchange(ctx, c, seeds().Random(slicerSize, 21), verify.Options{ExtraWait: extraWait})
			noErr(err, "")
		})

		s.it("W2", func(ctx SpecContext) {
			r := s.start(ctx)
			wmem, err := sock.SendBufferMax()
			noErr(kinded(spec.IOError, err), "")
			n := tinyBufWmemFactor*wmem + tinyBufExtra
			c, err := sock.DialBuffers(ctx, r.inst.Addr(), w2Buf, w2Buf)
			noErr(kinded(spec.Refused, err), "")
			c = trackedFault(c, "SO_RCVBUF and SO_SNDBUF %d before the connect", w2Buf)
			DeferCleanup(func() { c.Close() })
			w := sock.WatchWindow(c, w2Full)
			_, err = s.exchange(ctx, c, seeds().Random(n, 22), verify.Options{
				Chunks: func(int) int { return w2Chunk }, ReadSize: tinyRead, ReadPause: tinyReadPause, ExtraWait: extraWait})
			closed, werr := w.Stop()
			if werr == nil {
				boundAtLeast("receive window closed", ms(closed), ms(tinyWindowClosed), "ms")
			}
			AddReportEntry("short writes forced", fmt.Sprintf("%s (%d × tcp_wmem max %s + %s); the client's receive window was closed for %v of the exchange",
				size(n), tinyBufWmemFactor, size(wmem), size(tinyBufExtra), closed.Round(time.Millisecond)))
			noErr(err, "")
			noErr(kinded(spec.NoFault, werr), "")
			if closed < tinyWindowClosed {
				fail(spec.NoFault, fmt.Sprintf("the client's receive window was closed for only %v (want at least %v): the server's writes were never forced short",
					closed.Round(time.Millisecond), tinyWindowClosed))
			}
		})

		s.it("W3", func(ctx SpecContext) {
			r := s.start(ctx)
			c := dial(ctx, r.proxy(toxi.Bandwidth(toxi.Upstream, bandwidthKBps), toxi.Bandwidth(toxi.Downstream, bandwidthKBps)))
			st, err := s.exchange(ctx, c, seeds().Random(bandwidthSize, 23), verify.Options{ExtraWait: extraWait})
			noErr(err, "")
			reportThroughput(st)
		})

		s.it("W4", func(ctx SpecContext) {
			r := s.start(ctx)
			r.cutMidStream(ctx, whileWriting)
			r.cutMidStream(ctx, whileReading)
			r.afterFault(ctx, "two connections cut mid-stream by a reset")
		})
	})
}

// cutWhile is what the server is doing on a connection when W4 cuts it.
type cutWhile int

const (
	// whileWriting: its send buffer full (the proxy reads no echo) and
	// input it has not read waiting: it is blocked in a write, or will
	// read that input and then write; the write meets the reset.
	whileWriting cutWhile = iota
	// whileReading: all it was sent read and echoed, its socket empty:
	// it waits to read; the read meets the reset.
	whileReading
)

func (w cutWhile) String() string {
	if w == whileWriting {
		return "while the server's writes are blocked"
	}
	return "while the server waits to read"
}

// cutMidStream is W4 for one state of the server. A connection goes
// through a proxy whose server-to-client path is held (toxi.Hold), so that
// the proxy stops reading the echo: the first bytes go one at a time, each
// echoed and read by the proxy (the reads it makes before the hold stops
// it), then more, until the server is in state w. Then limit_data is
// added with no byte left to pass, and one more byte sent: the proxy cuts
// without passing it, while it holds echo unread, so its close is a reset
// (RST) — never a FIN, on which the server could finish its echo, read a
// clean EOF and meet no error at all, as the timing fell. The reset is
// proven from the kernel's view of both ends (sock_diag). Then the
// client's connection must end, a direct connection's exchange across the
// cut must be unaffected, and the server must serve.
func (r *run) cutMidStream(ctx context.Context, w cutWhile) {
	GinkgoHelper()
	hold := toxi.Hold(toxi.Downstream, limitHold)
	px := r.toxiProxy(hold)
	before, err := px.Links()
	noErr(kinded(spec.NoFault, err), "the cut cannot be proven: look for the proxy's connection to the server")
	c := dial(ctx, px.Addr())
	pattern := seeds().Random(limitPattern, 25+uint64(w))
	echo := r.s.readEcho(ctx, c, pattern)
	pushed := 0
	send := func(n int, what string) {
		GinkgoHelper()
		b := make([]byte, n)
		for i := range b {
			b[i] = pattern[(pushed+i)%len(pattern)]
		}
		c.SetWriteDeadline(time.Now().Add(faultStall))
		k, err := c.Write(b)
		pushed += k
		noErr(err, "%s: send %s", w, what)
	}
	proven := func(st toxi.LinkState, what string) {
		GinkgoHelper()
		if linkEnded(st) {
			fail(spec.EarlyClose, fmt.Sprintf("%s: the server ended the connection before the cut, %s (%s)", w, what, linkState(st)))
		}
	}

	By(fmt.Sprintf("%s: %d bytes one at a time, each echoed and read by the proxy; then the hold stops its reads", w, toxi.HoldReads))
	t0 := time.Now()
	send(1, "byte 1")
	wctx, cancel := context.WithTimeout(ctx, faultStall)
	l, err := px.NewLink(wctx, before)
	cancel()
	if err != nil && echo.ended() {
		n, rerr := echo.wait()
		noErr(echoKinded(rerr), "%s: the connection through the proxy ended after %d echo bytes, before the cut", w, n)
	}
	noErr(kinded(spec.NoFault, err), "%s: the cut cannot be proven", w)
	for k := 1; k <= toxi.HoldReads; k++ {
		if k > 1 {
			send(1, fmt.Sprintf("byte %d", k))
		}
		st := awaitLink(ctx, l, func(st toxi.LinkState) bool {
			return st.Proxy.Received >= uint64(k) && st.Proxy.Unread == 0 || linkEnded(st)
		})
		proven(st, fmt.Sprintf("after %d of %d single bytes", k-1, toxi.HoldReads))
		switch {
		case st.Proxy.Received < uint64(k):
			fail(spec.Stall, fmt.Sprintf("%s: byte %d was not echoed within %v (%s)", w, k, faultStall, linkState(st)))
		case st.Proxy.Unread > 0:
			fail(spec.NoFault, fmt.Sprintf("%s: the proxy did not read the echo of byte %d (%d bytes unread): the hold did not work as the spec expects, so the cut cannot be proven", w, k, st.Proxy.Unread))
		}
	}

	var at toxi.LinkState // the state the cut comes in
	var state string      // that state, for the report
	if w == whileWriting {
		By(fmt.Sprintf("%s: more, until the server's send buffer is full and it leaves input unread, or reads input it cannot echo", w))
		took := false // the server read input sent once its send buffer was full
		for {
			st, err := l.State()
			noErr(kinded(spec.NoFault, err), "%s: the cut cannot be proven", w)
			if writeStuck(st) || pushed >= limitPushMax {
				at = st
				break
			}
			full := st.Server.SendFull()
			send(clamp(int(st.Server.RecvBuffer)/4, limitChunkMin, limitChunkMax), "input")
			// Sent on once the server has read it all, or it is stuck
			// (what it has not taken may wait in the proxy's socket, as
			// long as that is not full: the proxy is then not blocked
			// writing it, and limit_data can be added).
			st = awaitLink(ctx, l, func(st toxi.LinkState) bool {
				return linkEnded(st) || st.Server.Received >= uint64(pushed) && st.Server.Unread == 0 || writeStuck(st) && !st.Proxy.SendFull()
			})
			proven(st, fmt.Sprintf("after %s", size(pushed)))
			switch {
			case writeStuck(st) && !st.Proxy.SendFull():
			case st.Server.Received < uint64(pushed):
				fail(spec.Stall, fmt.Sprintf("%s: the server's socket did not take the input within %v (%s of %s; %s)", w, faultStall, size(int(st.Server.Received)), size(pushed), linkState(st)))
			case st.Server.Unread > 0:
				// It stopped reading, with room in its send buffer as the
				// kernel counts it: stuck all the same.
			case full:
				// It read input sent once its send buffer was full: its
				// echo of it waits to be written, in a blocked write or in
				// its memory. (One that keeps reading would buffer until
				// it gives up.)
				took = true
			default:
				continue
			}
			at = st
			break
		}
		waiting := fmt.Sprintf("%s of input waited unread in its socket", size(int(at.Server.Unread)))
		if took {
			waiting = "it had read the input sent after its send buffer was full"
		}
		state = fmt.Sprintf("after %s of input, the server's send buffer held %s of its %s (full: %v); %s; the proxy held %s of echo unread",
			size(pushed), size(int(at.Server.SendUsed)), size(int(at.Server.SendBuffer)), at.Server.SendFull(), waiting, size(int(at.Proxy.Unread)))
	} else {
		By(fmt.Sprintf("%s: %s more, until the server has read it all and its echo is all out of its socket", w, size(limitIdleEcho)))
		send(limitIdleEcho, "input")
		at = awaitLink(ctx, l, func(st toxi.LinkState) bool { return linkEnded(st) || readIdle(st, pushed) })
		proven(at, fmt.Sprintf("after %s", size(pushed)))
		if !readIdle(at, pushed) {
			fail(spec.Stall, fmt.Sprintf("%s: the server did not read and echo all of %s within %v (%s)", w, size(pushed), faultStall, linkState(at)))
		}
		state = fmt.Sprintf("the server had read and echoed all %s it was sent, its socket empty; the proxy held %s of echo unread", size(pushed), size(int(at.Proxy.Unread)))
	}

	other := r.background(ctx, fmt.Sprintf("a direct connection's exchange during the cut %s", w), seeds().Random(resetPeerOther, 24+uint64(w)),
		verify.Options{Chunks: func(int) int { return otherChunk }, Pause: func(int) time.Duration { return otherPause }})
	By(fmt.Sprintf("%s: limit_data, with no byte left to pass, cuts at the next byte", w))
	cutter := toxi.LimitData(toxi.Upstream, 0)
	noErr(kinded(spec.IOError, px.Add(cutter)), "")
	specFault("toxic added: %s", cutter)
	t1 := time.Now()
	send(1, "the byte that cuts")
	cut := awaitLink(ctx, l, func(st toxi.LinkState) bool { return !st.Proxy.Established() && !st.Server.Established() })
	seen := time.Since(t1)
	switch {
	case cut.Proxy.Established():
		fail(spec.NoFault, fmt.Sprintf("%s: the limit_data toxic did not cut the connection within %v: the fault was not injected (%s)", w, faultStall, linkState(cut)))
	case cut.Proxy.Lingers() || cut.Server.Lingers():
		// A reset closes both ends at once; a FIN leaves the proxy's end
		// in FIN_WAIT or TIME_WAIT, the server's in CLOSE_WAIT.
		fail(spec.NoFault, fmt.Sprintf("%s: the cut was not a reset (%s): the fault did not reach the server as the spec means it", w, linkState(cut)))
	case time.Since(t0) >= limitHold:
		fail(spec.NoFault, fmt.Sprintf("%s: the cut came after the hold had ended (%v): the proxy may have read the echo, the cut cannot be proven", w, limitHold))
	}
	AddReportEntry("the cut "+w.String(), fmt.Sprintf("%s; within %v of the byte that cut, both ends of the connection were gone, as a reset leaves them (a FIN leaves them in FIN_WAIT or TIME_WAIT, and CLOSE_WAIT)",
		state, seen.Round(time.Microsecond)))

	By(fmt.Sprintf("%s: the hold ends; the client's connection must end short of the echo", w))
	noErr(kinded(spec.IOError, px.Remove(hold)), "")
	specFault("toxic removed: %s", hold)
	c.SetReadDeadline(time.Now().Add(faultStall))
	n, err := echo.wait()
	switch {
	case errors.Is(err, errEchoWrong):
		noErr(echoKinded(err), "%s", w)
	case err == nil || isTimeout(err):
		fail(spec.NoFault, fmt.Sprintf("%s: the client's connection did not end after the cut (%d of %d echo bytes, %v)", w, n, pushed, err))
	}
	noErr(other(), "")
	r.serves(ctx, "after a connection was cut mid-stream "+w.String())
}

// writeStuck reports whether the server cannot write on the link and
// leaves input unread: its send buffer full, input waiting in its socket,
// and the proxy holding echo unread.
func writeStuck(st toxi.LinkState) bool {
	return st.Server.SendFull() && st.Server.Unread > 0 && st.Proxy.Unread > 0
}

// readIdle reports whether the server has read all of the pushed bytes sent
// on the link and its echo of them has all reached the proxy, which holds
// some unread: the server waits to read.
func readIdle(st toxi.LinkState, pushed int) bool {
	return st.Server.Received == uint64(pushed) && st.Server.Unread == 0 && st.Server.Queued == 0 &&
		st.Proxy.Received == uint64(pushed) && st.Proxy.Unread > 0
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// awaitLink asks the kernel about link l every limitPoll until ok, for
// at most faultStall, and returns the last answer.
func awaitLink(ctx context.Context, l toxi.Link, ok func(toxi.LinkState) bool) toxi.LinkState {
	GinkgoHelper()
	deadline := time.Now().Add(faultStall)
	for {
		st, err := l.State()
		noErr(kinded(spec.NoFault, err), "the cut cannot be proven")
		if ok(st) || time.Now().After(deadline) {
			return st
		}
		select {
		case <-ctx.Done():
			fail(spec.Stall, fmt.Sprintf("%v (%s)", context.Cause(ctx), linkState(st)))
		case <-time.After(limitPoll):
		}
	}
}

// linkEnded reports whether either end of a link has left ESTABLISHED.
func linkEnded(st toxi.LinkState) bool { return !st.Proxy.Established() || !st.Server.Established() }

// linkState says what the kernel said about both ends of a link.
func linkState(st toxi.LinkState) string {
	return fmt.Sprintf("the proxy's end %s, %d bytes unread; the server's end %s, %d bytes unread, %d written and not acknowledged",
		st.Proxy.StateName(), st.Proxy.Unread, st.Server.StateName(), st.Server.Unread, st.Server.Queued)
}

// errEchoWrong marks an echo that is not the protocol's echo of what was
// sent.
var errEchoWrong = errors.New("wrong echo")

// echoReader reads a connection's echo in the background (readEcho).
type echoReader struct {
	done chan struct{}
	n    int   // echo bytes that came, once done
	err  error // how the reading ended, once done
}

// readEcho reads c's echo in the background until the connection ends (or
// its read deadline, at first the spec's budget), checking it against the
// protocol's echo of what was sent: pattern, over and over.
func (s *suite) readEcho(ctx context.Context, c net.Conn, pattern []byte) *echoReader {
	want := s.opts.protocol.Expect(pattern)
	if dl, ok := ctx.Deadline(); ok {
		c.SetReadDeadline(dl)
	}
	e := &echoReader{done: make(chan struct{})}
	go func() {
		defer close(e.done)
		buf := make([]byte, 64*kib)
		for {
			k, err := c.Read(buf)
			for i, b := range buf[:k] {
				if j := (e.n + i) % len(want); b != want[j] {
					e.n += i
					e.err = fmt.Errorf("%w: echo byte %d is %q, want %q (sent %q)", errEchoWrong, e.n, b, want[j], pattern[j])
					return
				}
			}
			e.n += k
			if err != nil {
				e.err = err
				return
			}
		}
	}()
	return e
}

// wait waits for the reading to end and returns how many echo bytes came
// and how it ended.
func (e *echoReader) wait() (int, error) {
	<-e.done
	return e.n, e.err
}

// ended reports whether the reading has ended.
func (e *echoReader) ended() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// echoKinded gives a wrong echo its kind (a connection that ended keeps
// the kind verify reads from it).
func echoKinded(err error) error {
	if errors.Is(err, errEchoWrong) {
		return kinded(spec.WrongByte, err)
	}
	return err
}

// isTimeout reports whether err is a deadline's.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
