//go:build unix

package conformance

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	"golang.org/x/sys/unix"
)

// needFDs skips the spec when this process may not open n file
// descriptors.
func needFDs(n int) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(n) {
		Skip(fmt.Sprintf("needs %d file descriptors here, and ulimit -n is %d", n, lim.Cur))
	}
}

// fdsAllowed is how many file descriptors this process may open (its soft
// RLIMIT_NOFILE), or -1 if that cannot be read.
func fdsAllowed() int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<30 {
		return -1
	}
	return int(lim.Cur)
}
