//go:build linux

// Package osthread waits for OS threads of this process to exit. An engine
// that runs a goroutine locked to its own thread, and never unlocks it, has
// the Go runtime end that thread when the goroutine returns; the kernel
// finishes the exit a moment later (normally microseconds). An engine whose
// Close must leave no thread behind waits for that here, in one place.
package osthread

import (
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// pollEvery is how often WaitExit looks again at a thread still exiting.
const pollEvery = 200 * time.Microsecond

// Alive reports whether thread tid of this process still exists.
func Alive(tid int) bool {
	var st unix.Stat_t
	return unix.Stat("/proc/self/task/"+strconv.Itoa(tid), &st) == nil
}

// Main reports whether tid is this process's main thread. The runtime never
// ends the main thread: a locked goroutine that returns on it has the thread
// parked instead, so there is nothing to wait for.
func Main(tid int) bool { return tid == unix.Getpid() }

// WaitExit waits until every thread in tids has exited, or until deadline,
// whichever comes first; it returns at once for the main thread. It does
// not report which threads, if any, are still there at the deadline: the
// callers' tests count threads themselves.
func WaitExit(deadline time.Time, tids ...int) {
	for _, tid := range tids {
		if Main(tid) {
			continue
		}
		for Alive(tid) && time.Now().Before(deadline) {
			time.Sleep(pollEvery)
		}
	}
}
