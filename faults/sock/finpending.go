package sock

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// FINPending is what FINWhilePending did, for the report.
type FINPending struct {
	Sent      int64         // bytes the server's kernel acknowledged
	PeakWnd   uint32        // the largest window the server advertised
	StopWnd   uint32        // its window when the client stopped sending
	FINAfter  time.Duration // from the FIN to its acknowledgement
	Unlimited bool          // the server never stopped reading (limit reached)
	// PeerEnded: the server answered the FIN by closing (or resetting)
	// the connection at once, so it had no write left to fail.
	PeerEnded bool
}

// FINWhilePending drives a connection (dial it with a tiny receive buffer,
// DialBuffers) into the state where the server has echo pending that it
// cannot write and has received the client's FIN: the client sends in
// small chunks, each acknowledged before the next, until the window the
// server advertises shrinks (the server stopped reading: its write is
// blocked, or its echo is pending) or limit bytes are out; then it sends
// FIN and waits up to finLimit for the FIN's acknowledgement (the server's
// side is then in CLOSE_WAIT). The caller closes the connection next: with
// unread echo in its buffer, the close is an RST, and the server's next
// write fails with EPIPE (SIGPIPE where not ignored).
//
// It fails when the kernel cannot tell (no TCP_INFO), or when the FIN is
// not acknowledged in time: then the fault was not injected.
func FINWhilePending(ctx context.Context, conn net.Conn, limit int64, finLimit time.Duration) (FINPending, error) {
	var r FINPending
	c, err := tcpOf(conn)
	if err != nil {
		return r, err
	}
	// Each chunk is an eighth of the window the server advertises (at
	// least 4 KiB), so the shrinking window is seen long before it closes
	// and the FIN is never stuck behind data the server will not take.
	const minChunk, maxChunk = 4 << 10, 256 << 10
	buf := make([]byte, maxChunk)
	for i := range buf {
		buf[i] = 'p'
	}
	chunk := minChunk
	for r.Sent < limit {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		conn.SetWriteDeadline(time.Now().Add(time.Second))
		n, err := conn.Write(buf[:chunk]) // through a wrapper, which may record it
		r.Sent += int64(n)
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return r, fmt.Errorf("send: %w", err)
		}
		info, err := waitInfo(ctx, c, 200*time.Millisecond, Info.Drained)
		if err != nil {
			return r, err
		}
		r.PeakWnd = max(r.PeakWnd, info.SendWnd)
		if !info.Drained() || (r.PeakWnd > 4*minChunk && info.SendWnd <= r.PeakWnd/2) {
			r.StopWnd = info.SendWnd
			break // the server stopped reading from us
		}
		chunk = min(maxChunk, max(minChunk, int(info.SendWnd/8)))
	}
	r.Unlimited = r.Sent >= limit
	closeWrite := c.CloseWrite
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		closeWrite = cw.CloseWrite // a wrapper's, which may record it
	}
	t0 := time.Now()
	if err := closeWrite(); err != nil {
		return r, fmt.Errorf("FIN: %w", err)
	}
	info, err := waitInfo(ctx, c, finLimit, Info.FINAcked)
	if err != nil {
		return r, err
	}
	if !info.FINAcked() {
		return r, fmt.Errorf("the FIN was not acknowledged within %v (%d bytes sent; tcp state %d, %d segments unacked, %d bytes unsent): the server never got it",
			finLimit, r.Sent, info.State, info.Unacked, info.NotSent)
	}
	r.FINAfter = time.Since(t0)
	r.PeerEnded = info.PeerEnded()
	return r, nil
}

// waitInfo polls TCP_INFO until ok or d has passed, and returns the last.
func waitInfo(ctx context.Context, c *net.TCPConn, d time.Duration, ok func(Info) bool) (Info, error) {
	deadline := time.Now().Add(d)
	for {
		info, err := TCPInfo(c)
		if err != nil || ok(info) || time.Now().After(deadline) || ctx.Err() != nil {
			return info, err
		}
		time.Sleep(time.Millisecond)
	}
}
