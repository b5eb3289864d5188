package sock

import (
	"fmt"
	"net"
)

// Reset closes c with an RST instead of a FIN: SO_LINGER 0, then close.
// Whatever the server still had to send on c is thrown away, and its next
// read or write on the connection meets ECONNRESET or EPIPE.
// Only TCP has an RST: another connection is closed, with an error.
func Reset(c net.Conn) error {
	tc, err := tcpOf(c)
	if err != nil {
		c.Close()
		return fmt.Errorf("reset: %w", err)
	}
	if err := tc.SetLinger(0); err != nil {
		c.Close()
		return fmt.Errorf("reset: SO_LINGER 0: %w", err)
	}
	return c.Close()
}
