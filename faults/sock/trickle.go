package sock

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"
)

// Trickle sends n bytes of msg one at a time, every interval, and reads
// and checks each byte's echo (want[i]) before sending the next. It is the
// slowest honest client: a server must serve it without letting it stall
// others. Each echo must arrive within stall.
func Trickle(ctx context.Context, c net.Conn, msg, want []byte, interval, stall time.Duration) error {
	one := make([]byte, 1)
	for i := range msg {
		select {
		case <-ctx.Done():
			return fmt.Errorf("trickle: byte %d of %d: %w", i, len(msg), ctx.Err())
		case <-time.After(interval):
		}
		c.SetDeadline(time.Now().Add(stall))
		if _, err := c.Write(msg[i : i+1]); err != nil {
			return fmt.Errorf("trickle: write byte %d of %d: %w", i, len(msg), err)
		}
		if _, err := io.ReadFull(c, one); err != nil {
			return fmt.Errorf("trickle: echo of byte %d of %d not back within %v: %w", i, len(msg), stall, err)
		}
		if one[0] != want[i] {
			return fmt.Errorf("trickle: echo wrong at byte offset %d: want 0x%02x, got 0x%02x", i, want[i], one[0])
		}
	}
	return nil
}
