//go:build !unix

package sock

import "errors"

func setsockoptInt(fd uintptr, opt, v int) error {
	return errors.New("socket buffer sizes need a unix system")
}

func setMaxSeg(fd uintptr, mss int) error {
	return errors.New("a segment size needs a unix system")
}
