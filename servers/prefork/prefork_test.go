//go:build linux

package prefork

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/echospec/echospec/fixtures/probe"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/enginetest"
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

// workers returns the pids of a prefork server's workers.
func workers(srv engine.Server) []int { return srv.(*Server).WorkerPIDs() }

// TestEngine runs the engine battery; the connections are served by
// threads in the worker processes.
func TestEngine(t *testing.T) {
	enginetest.Run(t, Engine(), enginetest.Options{ThreadPerConn: true, Workers: workers})
}

// TestWorkers: Engine starts DefaultWorkers workers, in the parent's
// process group.
func TestWorkers(t *testing.T) {
	pids := workers(enginetest.Serve(t, Engine()))
	if len(pids) != DefaultWorkers || slices.Contains(pids, 0) {
		t.Fatalf("worker pids %v, want %d", pids, DefaultWorkers)
	}
	for _, pid := range pids {
		st, err := probe.Stat(pid)
		if err != nil {
			t.Errorf("worker %d: %v", pid, err)
		} else if st.PGRP != syscall.Getpgrp() {
			t.Errorf("worker %d in process group %d, want the parent's %d", pid, st.PGRP, syscall.Getpgrp())
		}
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
	for deadline := time.Now().Add(5 * time.Second); !enginetest.Gone(old[0]); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("worker %d still there 5s after SIGKILL", old[0])
		}
	}
	// Meanwhile the other worker serves.
	enginetest.RoundTrip(t, enginetest.Dial(t, srv.Addr()), []byte("still here"))
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
		enginetest.RoundTrip(t, enginetest.Dial(t, srv.Addr()), enginetest.Pattern(16<<10, 1))
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, pid := range append(old, now...) {
		if !enginetest.Gone(pid) {
			t.Errorf("worker %d still running after Close", pid)
		}
	}
	if c := enginetest.Children(t); len(c) > 0 {
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
		if enginetest.Gone(pid) {
			t.Fatalf("worker %d not running", pid)
		}
		pids = append(pids, pid)
	}
	t.Cleanup(func() { // if Pdeathsig failed, do not leave orphans behind
		for _, pid := range pids {
			if !enginetest.Gone(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for !enginetest.Gone(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("worker %d still running 5s after its parent died", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
