//go:build unix

package sock

import "golang.org/x/sys/unix"

func setsockoptInt(fd uintptr, opt, v int) error {
	return unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, opt, v)
}
