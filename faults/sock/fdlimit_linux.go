//go:build linux

package sock

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// LimitFDs lowers the soft RLIMIT_NOFILE of each process in pids (through
// prlimit(2), from outside) to the fds it has open now plus headroom, so
// that its next accepts fail with EMFILE. The returned func restores every
// limit it changed.
func LimitFDs(pids []int, open func(pid int) (int, error), headroom int) (restore func() error, err error) {
	type saved struct {
		pid int
		lim unix.Rlimit
	}
	var done []saved
	restore = func() error {
		var errs []error
		for _, s := range done {
			if err := unix.Prlimit(s.pid, unix.RLIMIT_NOFILE, &s.lim, nil); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, fmt.Errorf("restore RLIMIT_NOFILE of %d: %w", s.pid, err))
			}
		}
		return errors.Join(errs...)
	}
	for _, pid := range pids {
		n, err := open(pid)
		if err != nil {
			return restore, fmt.Errorf("count fds of %d: %w", pid, err)
		}
		var old unix.Rlimit
		if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &old); err != nil {
			return restore, fmt.Errorf("read RLIMIT_NOFILE of %d: %w", pid, err)
		}
		lim := unix.Rlimit{Cur: uint64(n + headroom), Max: old.Max}
		if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &lim, nil); err != nil {
			return restore, fmt.Errorf("lower RLIMIT_NOFILE of %d to %d: %w", pid, lim.Cur, err)
		}
		done = append(done, saved{pid, old})
	}
	return restore, nil
}
