//go:build linux

package prefork

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/echospec/echospec/servers/engine"
)

// helperParentEnv makes the test binary a prefork parent that prints its
// workers' pids and waits to be killed (TestParentDeath).
const helperParentEnv = "ECHOSPEC_PREFORK_TEST_PARENT"

func TestMain(m *testing.M) {
	// Worker processes never get here: init turned them into workers.
	if os.Getenv(helperParentEnv) != "" {
		os.Unsetenv(helperParentEnv)
		srv, err := Start("127.0.0.1:0", 2)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("pids", strings.Trim(fmt.Sprint(srv.WorkerPIDs()), "[]"))
		time.Sleep(time.Minute) // killed long before
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func payload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + i/256)
	}
	return p
}

func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c.(*net.TCPConn)
}

// echoHalfClose sends p on a new connection while reading the echo,
// half-closes, and checks the whole echo arrives followed by EOF.
func echoHalfClose(t *testing.T, addr string, p []byte) {
	t.Helper()
	c := dial(t, addr)
	defer c.Close()
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(p)
		if err == nil {
			err = c.CloseWrite()
		}
		werr <- err
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read echo: %v after %d of %d bytes", err, len(got), len(p))
	}
	if err := <-werr; err != nil {
		t.Fatalf("write: %v", err)
	}
	want := bytes.Clone(p)
	engine.Upper(want)
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("echo differs at byte %d: got %d bytes, want %d", i, len(got), len(want))
	}
}

func fdCount(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// procState returns the state letter of process pid ("" if there is none).
func procState(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return f[0]
}

// gone reports whether pid has ended (no process, or an unreaped zombie).
func gone(pid int) bool {
	s := procState(pid)
	return s == "" || s == "Z" || s == "X"
}

// children returns the pids of this process's children.
func children(t *testing.T) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(os.Getpid()) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestEchoHalfClose(t *testing.T) {
	fds := fdCount(t)
	srv, err := Engine().Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pids := srv.(*Server).WorkerPIDs()
	if len(pids) != DefaultWorkers || slices.Contains(pids, 0) {
		t.Fatalf("worker pids %v, want %d", pids, DefaultWorkers)
	}
	for _, pid := range pids {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		var sid, pgid int
		fmt.Sscanf(string(b[bytes.LastIndexByte(b, ')')+2:]), "%s %d %d %d", new(string), new(int), &pgid, &sid)
		if pgid != syscall.Getpgrp() {
			t.Errorf("worker %d in process group %d, want the parent's %d", pid, pgid, syscall.Getpgrp())
		}
	}
	echoHalfClose(t, srv.Addr(), []byte("hello, World! az AZ {}`@"))
	echoHalfClose(t, srv.Addr(), payload(1<<20))
	echoHalfClose(t, srv.Addr(), nil)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { echoHalfClose(t, srv.Addr(), payload(64<<10)) })
	}
	wg.Wait()

	idle := dial(t, srv.Addr()) // open across Close
	defer idle.Close()
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, pid := range pids {
		if !gone(pid) {
			t.Errorf("worker %d still running after Close", pid)
		}
	}
	if c := children(t); len(c) > 0 {
		t.Errorf("child processes left after Close: %v", c)
	}
	if n := fdCount(t) - 1; n != fds { // minus idle
		t.Errorf("fds: %d before Start, %d after Close", fds, n)
	}
	idle.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := idle.Read(make([]byte, 1)); err == nil {
		t.Errorf("connection still open after Close (read %d bytes)", n)
	}
}

// TestRestart: a worker killed with SIGKILL is replaced, the server keeps
// serving throughout, and Close leaves no worker, old or new.
func TestRestart(t *testing.T) {
	srv, err := Start("127.0.0.1:0", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	old := srv.WorkerPIDs()
	if err := syscall.Kill(old[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// SIGKILL is asynchronous: until the worker is gone it may still
	// accept a connection and take it down with it.
	for deadline := time.Now().Add(5 * time.Second); !gone(old[0]); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("worker %d still there 5s after SIGKILL", old[0])
		}
	}
	// Meanwhile the other worker serves.
	echoHalfClose(t, srv.Addr(), []byte("still here"))
	deadline := time.Now().Add(5 * time.Second)
	var now []int
	for {
		now = srv.WorkerPIDs()
		if now[0] != 0 && now[0] != old[0] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker %d killed; pids still %v after 5s", old[0], now)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if now[1] != old[1] {
		t.Errorf("the other worker changed too: %v → %v", old, now)
	}
	// Both workers serve: the kernel spreads new connections among them.
	for range 10 {
		echoHalfClose(t, srv.Addr(), payload(16<<10))
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, pid := range append(old, now...) {
		if !gone(pid) {
			t.Errorf("worker %d still running after Close", pid)
		}
	}
	if c := children(t); len(c) > 0 {
		t.Errorf("child processes left after Close: %v", c)
	}
}

// TestParentDeath: when the parent dies without Close, its workers die too.
func TestParentDeath(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperParentEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- s
	}()
	var s string
	select {
	case s = <-line:
	case <-time.After(10 * time.Second):
		t.Fatal("helper parent did not report its workers")
	}
	f := strings.Fields(s)
	if len(f) != 3 || f[0] != "pids" {
		t.Fatalf("helper parent said %q", s)
	}
	var pids []int
	for _, w := range f[1:] {
		pid, _ := strconv.Atoi(w)
		if gone(pid) {
			t.Fatalf("worker %d not running", pid)
		}
		pids = append(pids, pid)
	}
	t.Cleanup(func() { // if Pdeathsig failed, do not leave orphans behind
		for _, pid := range pids {
			if !gone(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for !gone(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("worker %d still running 5s after its parent died", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
