package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWorkersDieWithTheRun SIGKILLs a parallel run while its workers'
// servers are up: nothing it started — workers, reapers, servers — is
// left a few seconds later.
func TestWorkersDieWithTheRun(t *testing.T) {
	t.Parallel() // runs the binary for a few seconds, mostly waiting
	if testing.Short() {
		t.Skip("runs the binary against a server")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3")
	}
	good, _ := filepath.Abs("../../fixtures/servers/asyncio_echo.py")
	cmd := exec.Command(binary(t), "run", "--workers", "2", "--cmd", python3()+good, "--focus", `\[(E11|E11p|E13)\]`)
	// The killed run cannot remove its workers' directory: it goes in
	// the test's own temporary directory, not the host's.
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "TMPDIR="+cmd.Dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until both workers have a server (a python3 below them).
	var below []int
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		below = descendants(cmd.Process.Pid)
		if countArgs(below, good) >= 2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if countArgs(below, good) < 2 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("no two servers running below the run after 20 s: %d processes", len(below))
	}
	cmd.Process.Kill()
	cmd.Wait()
	var alive []int
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		alive = alive[:0]
		for _, pid := range below {
			if syscall.Kill(pid, 0) == nil && !zombie(pid) {
				alive = append(alive, pid)
			}
		}
		if len(alive) == 0 {
			return
		}
	}
	for _, pid := range alive {
		args, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		t.Errorf("pid %d outlived the run's SIGKILL by 5 s: %s", pid, strings.ReplaceAll(string(args), "\x00", " "))
	}
}

// descendants are every process below pid, read from /proc.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so from the last ')'.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 1 {
			ppid, _ := strconv.Atoi(f[1])
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	for queue := children[pid]; len(queue) > 0; queue = queue[1:] {
		out = append(out, queue[0])
		queue = append(queue, children[queue[0]]...)
	}
	return out
}

// countArgs is how many of pids have s in their command line.
func countArgs(pids []int, s string) int {
	n := 0
	for _, pid := range pids {
		if args, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); err == nil && strings.Contains(string(args), s) {
			n++
		}
	}
	return n
}

// zombie reports whether pid has exited and waits to be reaped.
func zombie(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(f) > 0 && f[0] == "Z"
}
