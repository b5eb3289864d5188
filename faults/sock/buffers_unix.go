//go:build unix

package sock

import "golang.org/x/sys/unix"

func setsockoptInt(fd uintptr, opt, v int) error {
	return unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, opt, v)
}

func setMaxSeg(fd uintptr, mss int) error {
	return unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_MAXSEG, mss)
}
