//go:build linux

package iouring

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func skipUnavailable(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skip(err)
	}
}

// testRing sets up a ring on a locked thread (single issuer) for the
// duration of the test.
func testRing(t *testing.T, sq, cq uint32) *ring {
	t.Helper()
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	r, err := newRing(sq, cq, setupFlagSets)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.close() })
	return r
}

// TestSQFull queues far more requests than the submission queue holds:
// they wait in the backlog and are all submitted and completed, the SQ
// never overfilled.
func TestSQFull(t *testing.T) {
	skipUnavailable(t)
	r := testRing(t, 4, 64)
	if r.sqEntries != 4 {
		t.Fatalf("SQ entries %d, want 4", r.sqEntries)
	}
	const n = 1000
	for i := range n {
		r.queue(sqe{opcode: opNop, userData: uint64(i)})
	}
	seen := make([]bool, n)
	done := 0
	for rounds := 0; done < n; rounds++ {
		if rounds > 10*n {
			t.Fatalf("stuck: %d of %d completions after %d rounds", done, n, rounds)
		}
		r.fill()
		if used := r.sqLocal - atomic.LoadUint32(r.sqHead); used > r.sqEntries {
			t.Fatalf("SQ holds %d entries of %d", used, r.sqEntries)
		}
		if err := r.enter(len(r.backlog) == 0); err != nil {
			t.Fatal(err)
		}
		r.reap(func(c cqe) {
			if c.res != 0 || c.userData >= n || seen[c.userData] {
				t.Fatalf("bad completion %+v", c)
			}
			seen[c.userData] = true
			done++
		})
	}
	if r.pending() {
		t.Errorf("requests left: backlog %d, unsubmitted %d", len(r.backlog), r.toSubmit)
	}
	if r.enters >= n/2 {
		t.Errorf("%d enters for %d requests: the SQ is not batched", r.enters, n)
	}
}

// TestCQOverflow submits many more requests than the CQ holds without
// reaping: the kernel keeps the overflow (FEAT_NODROP), says so in the SQ
// flags, and every completion arrives once the CQ is drained.
func TestCQOverflow(t *testing.T) {
	skipUnavailable(t)
	r := testRing(t, 4, 8)
	if r.features&featNoDrop == 0 {
		t.Skip("kernel without IORING_FEAT_NODROP")
	}
	const n = 64
	for i := range n {
		r.queue(sqe{opcode: opNop, userData: uint64(i)})
	}
	for r.pending() {
		r.fill()
		if err := r.enter(false); err != nil {
			t.Fatal(err)
		}
	}
	if !r.overflowed() {
		t.Fatalf("%d completions into a CQ of %d, but IORING_SQ_CQ_OVERFLOW is not set", n, r.cqEntries)
	}
	got := 0
	for tries := 0; got < n; tries++ {
		if tries > 1000 {
			t.Fatalf("%d of %d completions", got, n)
		}
		got += r.reap(func(cqe) {})
		if got < n {
			if err := r.enter(false); err != nil { // GETEVENTS moves the overflow in
				t.Fatal(err)
			}
		}
	}
	if got != n {
		t.Errorf("%d completions for %d requests", got, n)
	}
	if d := r.dropped(); d != 0 {
		t.Errorf("the kernel dropped %d completions", d)
	}
	if r.overflowed() {
		t.Errorf("overflow flag still set after draining")
	}
}

// TestEnterBusy makes every other io_uring_enter fail with EAGAIN or
// EBUSY, as a kernel short of memory or with a CQ overflow backlog does:
// the engine retries and serves.
func TestEnterBusy(t *testing.T) {
	skipUnavailable(t)
	real := sysEnter
	var calls atomic.Int64
	sysEnter = func(fd int, toSubmit, minComplete, flags uint32) (int, error) {
		switch calls.Add(1) % 4 {
		case 1:
			return 0, unix.EBUSY
		case 3:
			return 0, unix.EAGAIN
		}
		return real(fd, toSubmit, minComplete, flags)
	}
	defer func() { sysEnter = real }()
	s, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		msg := strings.Repeat("busy?", 1000*(i+1))
		go func() { c.Write([]byte(msg)); c.(*net.TCPConn).CloseWrite() }()
		got, err := io.ReadAll(c)
		c.Close()
		if err != nil || string(got) != strings.ToUpper(msg) {
			t.Fatalf("echo: %d bytes, %v; want %d", len(got), err, len(msg))
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if calls.Load() < 8 {
		t.Errorf("only %d enters", calls.Load())
	}
}

// TestCloseCancels closes a server with receives in flight on idle
// connections and sends in flight to a client that does not read: Close
// cancels them, waits for every completion, and every connection ends.
func TestCloseCancels(t *testing.T) {
	skipUnavailable(t)
	srv, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := srv.(*Server)
	var clients []net.Conn
	for range 50 {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 1)
		if _, err := io.ReadFull(c, b); err != nil || b[0] != 'X' {
			t.Fatalf("echo %q, %v", b, err)
		}
		clients = append(clients, c)
	}
	// One that sends a lot and never reads: its sends block in the kernel.
	stuck, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	stuck.(*net.TCPConn).SetReadBuffer(4 << 10)
	big := make([]byte, 8<<20)
	go func() { stuck.SetWriteDeadline(time.Now().Add(3 * time.Second)); stuck.Write(big) }()
	time.Sleep(300 * time.Millisecond)
	before := Stats()
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	for i, l := range s.loops {
		if l.inflight != 0 || l.live != 0 || l.ring.fd != -1 {
			t.Errorf("loop %d after Close: %d requests in flight, %d connections, ring fd %d", i, l.inflight, l.live, l.ring.fd)
		}
	}
	if after := Stats(); after.CQEs-before.CQEs < 50 {
		t.Errorf("Close reaped %d completions for 51 connections' requests", after.CQEs-before.CQEs)
	}
	for i, c := range append(clients, stuck) {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := io.Copy(io.Discard, c); errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("connection %d still open after Close", i)
		}
		c.Close()
	}
}

// TestNoLeaks starts and closes servers with connections open and checks
// that the process has the same fds and no io_uring mapping left.
func TestNoLeaks(t *testing.T) {
	skipUnavailable(t)
	if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close() // the runtime's netpoller, opened once
	}
	fds, maps := countFds(t), countRingMaps(t)
	for range 3 {
		s, err := Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if m := countRingMaps(t); m <= maps {
			t.Fatalf("no io_uring mapping seen while serving (%d, %d before)", m, maps)
		}
		var clients []net.Conn
		for range 10 {
			c, err := net.Dial("tcp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte("leak?"))
			clients = append(clients, c)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		for _, c := range clients {
			c.Close()
		}
	}
	if got := countFds(t); got != fds {
		t.Errorf("fds: %d before, %d after", fds, got)
	}
	if got := countRingMaps(t); got != maps {
		t.Errorf("io_uring mappings: %d before, %d after", maps, got)
	}
}

func countFds(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents) - 1
}

// countRingMaps counts the lines of /proc/self/maps that map a ring.
func countRingMaps(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "io_uring")
}

// TestUnavailable simulates kernels without io_uring: each reason is one
// line and says why.
func TestUnavailable(t *testing.T) {
	real, realPath := sysSetup, disabledPath
	defer func() { sysSetup, disabledPath = real, realPath }()
	dir := t.TempDir()
	for _, tc := range []struct {
		errno  unix.Errno
		sysctl string
		want   string
	}{
		{unix.ENOSYS, "0", "function not implemented"},
		{unix.EPERM, "1", "kernel.io_uring_disabled=1"},
		{unix.EPERM, "0", "seccomp"},
		{0, "2", "kernel.io_uring_disabled=2"},
		{unix.ENOMEM, "0", "cannot allocate memory"},
	} {
		path := dir + "/io_uring_disabled"
		os.WriteFile(path, []byte(tc.sysctl+"\n"), 0o644)
		disabledPath = path
		sysSetup = func(uint32, *params) (int, error) {
			if tc.errno == 0 {
				t.Fatal("io_uring_setup called although the sysctl says disabled")
			}
			return -1, tc.errno
		}
		err := probe()
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("errno %v, sysctl %s: %v; want one line with %q", tc.errno, tc.sysctl, err, tc.want)
		}
	}
}
