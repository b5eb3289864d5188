//go:build unix

package conformance

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	"golang.org/x/sys/unix"
)

// needFDs skips the spec when this process may not open the fds that n
// connections need here (both ends, for an in-process server).
func needFDs(n int) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(2*n+512) {
		Skip(fmt.Sprintf("needs %d file descriptors, and ulimit -n is %d", 2*n+512, lim.Cur))
	}
}
