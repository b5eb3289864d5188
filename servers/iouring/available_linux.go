//go:build linux

package iouring

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// DisableEnv, when set to a non-empty value, makes the engine report
// io_uring unavailable, as a kernel without it would: for testing what a
// suite or a command does then.
const DisableEnv = "ECHOSPEC_IOURING_DISABLE"

// disabledPath is the sysctl kernel.io_uring_disabled (6.6+): 0 enabled, 1
// only for members of kernel.io_uring_group, 2 disabled for everyone.
var disabledPath = "/proc/sys/kernel/io_uring_disabled"

var (
	availOnce sync.Once
	availErr  error
)

// Available returns nil if io_uring can be used here, or an error whose
// message is one line saying why not. It sets up (and tears down) a tiny
// ring once per process.
func Available() error {
	if v := os.Getenv(DisableEnv); v != "" {
		return fmt.Errorf("io_uring unavailable: disabled by %s=%s", DisableEnv, v)
	}
	availOnce.Do(func() { availErr = probe() })
	return availErr
}

// probe tries io_uring_setup and names the reason when it fails.
func probe() error {
	sysctl := ""
	if b, err := os.ReadFile(disabledPath); err == nil {
		sysctl = strings.TrimSpace(string(b))
	}
	if sysctl == "2" {
		return errors.New("io_uring unavailable: disabled by the kernel (kernel.io_uring_disabled=2)")
	}
	r, err := newRing(4, 8, []uint32{0})
	if err == nil {
		return r.close()
	}
	switch {
	case errors.Is(err, unix.ENOSYS):
		return errors.New("io_uring unavailable: io_uring_setup: function not implemented (a kernel without io_uring, or a seccomp filter)")
	case errors.Is(err, unix.EPERM) && sysctl == "1":
		return errors.New("io_uring unavailable: io_uring_setup: operation not permitted (kernel.io_uring_disabled=1 and not in kernel.io_uring_group)")
	case errors.Is(err, unix.EPERM):
		return errors.New("io_uring unavailable: io_uring_setup: operation not permitted (a seccomp filter or a container runtime forbids it)")
	}
	return fmt.Errorf("io_uring unavailable: %v", err)
}
