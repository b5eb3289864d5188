//go:build !unix

package sock

import "errors"

func setsockoptInt(fd uintptr, opt, v int) error {
	return errors.New("socket buffer sizes need a unix system")
}
