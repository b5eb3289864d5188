//go:build linux

package selectloop_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/enginetest"
	"github.com/echospec/echospec/servers/internal/loop"
	"github.com/echospec/echospec/servers/selectloop"
)

func TestEngine(t *testing.T) { enginetest.Run(t, selectloop.Engine(), enginetest.Options{}) }

func TestPollerRefusesFdAboveSetSize(t *testing.T) {
	p, _ := selectloop.NewPollerReserving(0)
	defer p.Close()
	if err := p.Add(selectloop.FDSetSize-1, loop.Read); err != nil {
		t.Errorf("Add(FD_SETSIZE-1): %v", err)
	}
	for _, fd := range []int{selectloop.FDSetSize, selectloop.FDSetSize + 5000, -1} {
		if err := p.Add(fd, loop.Read); !errors.Is(err, loop.ErrUnwatchable) {
			t.Errorf("Add(%d) = %v, want ErrUnwatchable", fd, err)
		}
	}
	if selectloop.FDSetSize != unix.FD_SETSIZE {
		t.Errorf("FDSetSize %d, FD_SETSIZE %d", selectloop.FDSetSize, unix.FD_SETSIZE)
	}
}

// fillBelowSetSize takes every free fd number below FD_SETSIZE, so the
// next accept returns a higher one. It returns a function that frees them.
func fillBelowSetSize(t *testing.T) (release func()) {
	t.Helper()
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || rl.Cur < uint64(selectloop.FDSetSize)+64 {
		t.Skipf("RLIMIT_NOFILE %d too low to reach FD_SETSIZE", rl.Cur)
	}
	var fill []int
	release = func() {
		for _, fd := range fill {
			unix.Close(fd)
		}
		fill = nil
	}
	t.Cleanup(release)
	// Twice, a moment apart: a server may still be closing an fd of a
	// connection the test has just finished.
	for range 2 {
		for {
			fd, err := unix.FcntlInt(0, unix.F_DUPFD_CLOEXEC, 0)
			if err != nil {
				t.Fatalf("dup: %v", err)
			}
			fill = append(fill, fd)
			if fd >= selectloop.FDSetSize {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return release
}

// TestServesConnAboveSetSize: with every number below FD_SETSIZE taken by
// the rest of the process, a new connection is still served, on a number
// the engine reserved at Start.
func TestServesConnAboveSetSize(t *testing.T) {
	srv := enginetest.Serve(t, selectloop.Engine())
	release := fillBelowSetSize(t)
	var cs []*net.TCPConn
	for i := range 3 {
		c := enginetest.Dial(t, srv.Addr())
		c.Write([]byte("served?"))
		got := make([]byte, 7)
		if _, err := io.ReadFull(c, got); err != nil || string(got) != "SERVED?" {
			t.Fatalf("connection %d above FD_SETSIZE: %q, %v", i, got, err)
		}
		cs = append(cs, c)
	}
	enginetest.RoundTrip(t, cs[0], enginetest.Pattern(1<<20, 9))
	release()
	enginetest.RoundTrip(t, enginetest.Dial(t, srv.Addr()), []byte("after"))
}

// TestRefusesConnAboveSetSize: without a reserve, a connection accepted on
// an fd ≥ FD_SETSIZE is closed at once and the server goes on serving.
func TestRefusesConnAboveSetSize(t *testing.T) {
	e := engine.Func("select-noreserve", "select without a reserve", engine.Profile{}, func(addr string) (engine.Server, error) {
		return loop.Start(addr, loop.Config{Name: "select engine", NewPoller: func() (loop.Poller, error) {
			return selectloop.NewPollerReserving(0)
		}})
	})
	srv := enginetest.Serve(t, e)
	enginetest.RoundTrip(t, enginetest.Dial(t, srv.Addr()), []byte("before"))
	release := fillBelowSetSize(t)

	c := enginetest.Dial(t, srv.Addr())
	c.Write([]byte("refused?"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := io.ReadAll(c)
	if len(n) != 0 || (err != nil && !errors.Is(err, unix.ECONNRESET)) {
		t.Fatalf("connection on an fd ≥ FD_SETSIZE: read %q, %v; want it closed at once", n, err)
	}

	release()
	enginetest.RoundTrip(t, enginetest.Dial(t, srv.Addr()), enginetest.Pattern(1<<20, 9))
}
