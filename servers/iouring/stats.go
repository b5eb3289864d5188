package iouring

import (
	"fmt"
	"sync/atomic"
)

// Counters are what every iouring server of this process has done so far,
// for benchmarks: system calls per echo without perf or strace. They are
// updated once per loop iteration or per connection, never per byte.
type Counters struct {
	// Enters is io_uring_enter calls: each submits and waits.
	Enters uint64 `json:"enters"`
	// SQEs is requests queued (receives, sends, accepts, cancels, ...).
	SQEs uint64 `json:"sqes"`
	// CQEs is completions reaped.
	CQEs uint64 `json:"cqes"`
	// Syscalls is the other system calls of the data path: setsockopt on
	// accept, shutdown and close at the end of a connection.
	Syscalls uint64 `json:"syscalls"`
	// Conns is connections accepted.
	Conns uint64 `json:"conns"`
}

var counters struct {
	enters, sqes, cqes, syscalls, conns atomic.Uint64
}

// Stats returns the process-wide counters.
func Stats() Counters {
	return Counters{
		Enters: counters.enters.Load(), SQEs: counters.sqes.Load(), CQEs: counters.cqes.Load(),
		Syscalls: counters.syscalls.Load(), Conns: counters.conns.Load(),
	}
}

// String renders the counters as key=value pairs, the form echoserver
// prints on SIGUSR1.
func (c Counters) String() string {
	return fmt.Sprintf("enters=%d sqes=%d cqes=%d syscalls=%d conns=%d", c.Enters, c.SQEs, c.CQEs, c.Syscalls, c.Conns)
}
