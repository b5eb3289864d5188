//go:build linux

package osthread

import (
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestWaitExit: a goroutine that returns still locked to its thread takes
// the thread with it, and WaitExit sees it gone.
func TestWaitExit(t *testing.T) {
	tids := make(chan int, 4)
	for range cap(tids) {
		go func() {
			runtime.LockOSThread() // never unlocked
			tids <- unix.Gettid()
		}()
	}
	var ids []int
	for range cap(tids) {
		ids = append(ids, <-tids)
	}
	start := time.Now()
	WaitExit(time.Now().Add(5*time.Second), ids...)
	for _, id := range ids {
		if Alive(id) && !Main(id) {
			t.Errorf("thread %d alive after WaitExit (%v)", id, time.Since(start))
		}
	}
}

func TestMainThread(t *testing.T) {
	if !Main(os.Getpid()) || !Alive(os.Getpid()) {
		t.Fatal("the main thread is the process id, and alive")
	}
	start := time.Now()
	WaitExit(time.Now().Add(5*time.Second), os.Getpid()) // returns at once
	if d := time.Since(start); d > time.Second {
		t.Fatalf("WaitExit on the main thread took %v", d)
	}
	if Alive(1 << 30) {
		t.Fatal("Alive of no thread")
	}
}
