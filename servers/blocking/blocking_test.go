//go:build linux

package blocking

import (
	"io"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/internal/enginetest"
	"github.com/echospec/echospec/servers/internal/osthread"
)

// TestEngine runs the engine battery; the thread-per-connection checks
// included.
func TestEngine(t *testing.T) {
	enginetest.Run(t, Engine(), enginetest.Options{ThreadPerConn: true})
}

// TestThreadsWait: after Wait, the threads themselves are gone, not just
// their goroutines.
func TestThreadsWait(t *testing.T) {
	var th Threads
	tids := make(chan int, 8)
	for range 8 {
		th.Go(func() { tids <- unix.Gettid() })
	}
	th.Wait()
	close(tids)
	for tid := range tids {
		if tid != os.Getpid() && osthread.Alive(tid) {
			t.Errorf("thread %d still alive after Wait", tid)
		}
	}
}

// TestAcceptEMFILE: running out of fds makes accept fail with EMFILE; the
// server must wait and serve the connection once fds are back, not stop.
func TestAcceptEMFILE(t *testing.T) {
	srv := enginetest.Serve(t, Engine())
	enginetest.RoundTrip(t, enginetest.Dial(t, srv.Addr()), []byte("warm up"))

	var orig unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &orig); err != nil {
		t.Fatal(err)
	}
	restore := func() {
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &orig); err != nil {
			t.Fatal(err)
		}
	}
	// Room for exactly one more fd, the client's socket: the limit bounds fd
	// numbers, and every number below the lowest free one is taken. The
	// server's accept then fails with EMFILE.
	free, err := unix.Dup(0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(free)
	low := orig
	low.Cur = uint64(free + 1)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(restore) // if the dial fails
	c := enginetest.Dial(t, srv.Addr())
	time.Sleep(100 * time.Millisecond) // several failed accepts
	restore()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("after emfile"))
	c.CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "AFTER EMFILE" {
		t.Fatalf("echo after EMFILE: %q, %v", got, err)
	}
	enginetest.RoundTrip(t, enginetest.Dial(t, srv.Addr()), enginetest.Pattern(64<<10, 1))
}
