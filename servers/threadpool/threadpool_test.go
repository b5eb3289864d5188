//go:build linux

package threadpool

import (
	"testing"

	"github.com/echospec/echospec/servers/internal/enginetest"
)

// TestEngine runs the engine battery on DefaultThreads threads: its
// MaxConns check holds them all busy and queues more, ManyConns and Close
// open more connections than threads at once.
func TestEngine(t *testing.T) {
	enginetest.Run(t, Engine(), enginetest.Options{})
}

// TestQueue: New(n) declares n as its MaxConns and keeps to it: with n
// threads busy, further connections wait (they are not dropped) and are
// served in turn as threads free up.
func TestQueue(t *testing.T) {
	const n = 2
	e := New(n)
	if got := e.Profile().MaxConns; got != n {
		t.Fatalf("Profile().MaxConns = %d, want %d", got, n)
	}
	enginetest.MaxConns(t, e)
}

// TestCloseWithQueue: with one thread, nearly every connection of the
// battery's Close check waits in the queue; Close must end them too.
func TestCloseWithQueue(t *testing.T) {
	enginetest.Close(t, New(1), enginetest.Options{})
}
