//go:build darwin || freebsd || linux

package netpoll

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/cloudwego/netpoll"
)

// fakeConn is the part of a netpoll.Connection echo uses: input pending,
// output flushed, and whether netpoll still has the connection open.
// Anything else panics (the embedded interfaces are nil).
type fakeConn struct {
	netpoll.Connection
	active bool
	in     []byte // input pending; nil with pending set: that many bytes, never to be read
	out    bytes.Buffer

	pending int    // len(in), or the bytes pending when in is nil
	mallocd []byte // the output buffer of the last Malloc, until Flush

	next, skip, release, malloc, flush int // calls
	skipped, largestChunk              int // bytes
}

type fakeReader struct {
	netpoll.Reader
	c *fakeConn
}

type fakeWriter struct {
	netpoll.Writer
	c *fakeConn
}

func (c *fakeConn) IsActive() bool         { return c.active }
func (c *fakeConn) Reader() netpoll.Reader { return fakeReader{c: c} }
func (c *fakeConn) Writer() netpoll.Writer { return fakeWriter{c: c} }

func (r fakeReader) Len() int { return r.c.pending }

func (r fakeReader) Next(n int) ([]byte, error) {
	r.c.next++
	r.c.largestChunk = max(r.c.largestChunk, n)
	p := r.c.in[:n]
	r.c.in = r.c.in[n:]
	r.c.pending -= n
	return p, nil
}

func (r fakeReader) Skip(n int) error {
	r.c.skip++
	r.c.skipped += n
	r.c.pending -= n
	if r.c.in != nil {
		r.c.in = r.c.in[n:]
	}
	return nil
}

func (r fakeReader) Release() error { r.c.release++; return nil }

func (w fakeWriter) Malloc(n int) ([]byte, error) {
	w.c.malloc++
	w.c.mallocd = make([]byte, n)
	return w.c.mallocd, nil
}

func (w fakeWriter) Flush() error {
	w.c.flush++
	w.c.out.Write(w.c.mallocd)
	w.c.mallocd = nil
	return nil
}

// process calls echo as netpoll's onProcess does: while input is left.
func process(t *testing.T, c *fakeConn) {
	t.Helper()
	for calls := 0; c.pending > 0; calls++ {
		if calls > 1000 {
			t.Fatalf("echo does not consume its input: %d bytes left after %d calls", c.pending, calls)
		}
		if err := echo(context.Background(), c); err != nil {
			t.Fatalf("echo: %v", err)
		}
	}
}

// TestEchoClosedDrops: input netpoll hands to the handler after it has
// closed the connection (R5: up to 266 MB a connection) is dropped at once,
// never copied, uppercased or flushed (issue 19).
func TestEchoClosedDrops(t *testing.T) {
	const pending = 300 << 20
	c := &fakeConn{active: false, pending: pending}
	process(t, c)
	if c.skipped != pending || c.next != 0 || c.malloc != 0 || c.flush != 0 {
		t.Errorf("echo on a closed connection with %d bytes pending: skipped %d, Next %d, Malloc %d, Flush %d calls; want all skipped, nothing else",
			pending, c.skipped, c.next, c.malloc, c.flush)
	}
	if c.release != c.skip {
		t.Errorf("Release called %d times for %d calls", c.release, c.skip)
	}
}

// TestEchoChunks: an open connection's input is echoed exactly, at most
// echoChunk a call, and once the connection closes the rest is dropped.
func TestEchoChunks(t *testing.T) {
	in := bytes.Repeat([]byte("abcXYZ 09\n"), (3*echoChunk+7)/10+1)
	c := &fakeConn{active: true, in: bytes.Clone(in), pending: len(in)}
	process(t, c)
	if want := bytes.ToUpper(in); !bytes.Equal(c.out.Bytes(), want) {
		t.Errorf("echo of %d bytes: got %d bytes, not their uppercase", len(in), c.out.Len())
	}
	if c.largestChunk > echoChunk {
		t.Errorf("echo took %d bytes in one call, want at most %d", c.largestChunk, echoChunk)
	}
	if want := (len(in) + echoChunk - 1) / echoChunk; c.flush != want {
		t.Errorf("%d Flush calls, want %d", c.flush, want)
	}

	c = &fakeConn{active: true, in: bytes.Clone(in), pending: len(in)}
	if err := echo(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	c.active = false // the peer's FIN or RST, seen by the poller
	process(t, c)
	if c.out.Len() != echoChunk || c.skipped != len(in)-echoChunk {
		t.Errorf("closed after the first call: echoed %d, skipped %d bytes; want %d and %d", c.out.Len(), c.skipped, echoChunk, len(in)-echoChunk)
	}
}

// TestEchoLarge echoes more than a few chunks through a real netpoll
// server while reading: netpoll calls the handler again for the input a
// call leaves, and the echo is exact.
func TestEchoLarge(t *testing.T) {
	srv, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	c, err := net.DialTimeout("tcp", srv.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	in := make([]byte, 5*echoChunk+12345)
	for i := range in {
		in[i] = "abcdefghijklmnopqrstuvwxyz0123456789 \n"[i%38]
	}
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(in)
		werr <- err
	}()
	got := make([]byte, len(in))
	if n, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read %d of %d bytes: %v", n, len(in), err)
	}
	if err := <-werr; err != nil {
		t.Fatalf("write: %v", err)
	}
	if !bytes.Equal(got, bytes.ToUpper(in)) {
		t.Errorf("echo of %d bytes is not their uppercase", len(in))
	}
}
