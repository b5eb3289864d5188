package sock

import (
	"context"
	"fmt"
	"net"
)

// ResetStorm opens n connections to addr one after another and resets
// each at once (RST); every other one first sends a few bytes, so the
// server meets resets both before and after it has data to echo. It stops
// at the first connect that fails.
func ResetStorm(ctx context.Context, addr string, n int) error {
	for i := range n {
		c, err := dial(ctx, net.Dialer{}, addr)
		if err != nil {
			return fmt.Errorf("reset storm: connection %d of %d: %w", i+1, n, err)
		}
		if i%2 == 1 {
			c.Write([]byte("reset me"))
		}
		if err := Reset(c); err != nil {
			return fmt.Errorf("reset storm: connection %d of %d: %w", i+1, n, err)
		}
	}
	return nil
}
