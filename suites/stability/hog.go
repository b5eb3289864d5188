package stability

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"time"
)

// HogFlag is the hidden first argument that makes the stability command a
// CPU hog (RunHog): StartHogs re-executes the command itself with it, so
// that each hog is a process of its own.
const HogFlag = "-stability-hog"

// RunHog spins one core until limit has passed or its parent process is
// gone (it was reparented), whichever comes first: a hog never outlives
// the sweep by more than a moment, even if the sweep is killed.
func RunHog(limit time.Duration) {
	runtime.GOMAXPROCS(1)
	parent := os.Getppid()
	deadline := time.Now().Add(limit)
	x := uint64(1)
	for time.Now().Before(deadline) && os.Getppid() == parent {
		for range 1 << 20 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	sink = x
}

var sink uint64

// Hogs are running CPU hogs.
type Hogs struct{ cmds []*exec.Cmd }

// StartHogs starts n CPU hogs, each the running executable re-executed
// with HogFlag and limit, its hard time cap.
func StartHogs(n int, limit time.Duration) (*Hogs, error) {
	h := &Hogs{}
	if n == 0 {
		return h, nil
	}
	self, err := os.Executable()
	if err != nil {
		return h, fmt.Errorf("hogs: %w", err)
	}
	for range n {
		cmd := exec.Command(self, HogFlag, limit.String())
		if err := cmd.Start(); err != nil {
			h.Stop()
			return &Hogs{}, fmt.Errorf("hogs: %w", err)
		}
		h.cmds = append(h.cmds, cmd)
	}
	return h, nil
}

// PIDs are the hogs' process IDs.
func (h *Hogs) PIDs() []int {
	var out []int
	for _, c := range h.cmds {
		out = append(out, c.Process.Pid)
	}
	return out
}

// Stop kills every hog, by its own process, and reaps it.
func (h *Hogs) Stop() {
	for _, c := range h.cmds {
		c.Process.Kill()
		c.Wait()
	}
	h.cmds = nil
}

// ParseHogArgs reads a hog's arguments (after HogFlag): its time cap.
func ParseHogArgs(args []string) (time.Duration, error) {
	if len(args) != 1 {
		return 0, fmt.Errorf("%s: want one argument, the time cap", HogFlag)
	}
	d, err := time.ParseDuration(args[0])
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: bad time cap %q: want a positive Go duration", HogFlag, args[0])
	}
	return d, nil
}
