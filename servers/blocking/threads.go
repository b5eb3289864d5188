//go:build linux

package blocking

import (
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/internal/osthread"
)

// threadExitWait bounds how long Threads.Wait waits for the kernel to finish
// ending threads whose goroutines have already returned (normally
// microseconds).
const threadExitWait = 2 * time.Second

// Threads runs functions each on a goroutine locked to its own OS thread
// that ends with it: the goroutine never unlocks, so the Go runtime
// terminates the thread when the goroutine returns instead of keeping it
// for reuse. Wait returns only once those threads have really exited, so a
// server built on it leaves no thread behind when Close returns. The zero
// value is ready to use.
type Threads struct {
	wg sync.WaitGroup

	mu      sync.Mutex
	ending  []int // thread ids whose goroutine returned; they may still be exiting
	compact int   // len(ending) at which to drop the ids already gone
}

// Go runs f on a new goroutine locked to its own OS thread.
func (t *Threads) Go(f func()) {
	t.wg.Add(1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with f
		tid := unix.Gettid()
		defer t.wg.Done()
		defer t.ended(tid)
		f()
	}()
}

func (t *Threads) ended(tid int) {
	if osthread.Main(tid) {
		return // the main thread never exits: the runtime parks it instead
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ending = append(t.ending, tid)
	if len(t.ending) >= max(t.compact, 256) {
		live := t.ending[:0]
		for _, id := range t.ending {
			if osthread.Alive(id) {
				live = append(live, id)
			}
		}
		clear(t.ending[len(live):])
		t.ending = live
		t.compact = 2 * len(live)
	}
}

// Wait waits until every function passed to Go has returned and its thread
// has exited.
func (t *Threads) Wait() {
	t.wg.Wait()
	t.mu.Lock()
	ending := t.ending
	t.ending = nil
	t.mu.Unlock()
	osthread.WaitExit(time.Now().Add(threadExitWait), ending...)
}
