package sock

import (
	"context"
	"errors"
	"net"
	"os"
	"time"
)

// Hog sends on c and never reads, until its writes have made no progress
// for still (the server stopped reading from it: backpressure), limit bytes
// are out, or ctx ends. It returns how many bytes the server took. A hog
// that reaches limit means the server kept reading a client that never
// reads — buffering the echo somewhere.
func Hog(ctx context.Context, c net.Conn, limit int64, still time.Duration) (int64, error) {
	chunk := make([]byte, 64<<10)
	for i := range chunk {
		chunk[i] = 'h'
	}
	var sent int64
	for sent < limit {
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
		c.SetWriteDeadline(time.Now().Add(still))
		n, err := c.Write(chunk[:min(int64(len(chunk)), limit-sent)])
		sent += int64(n)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if n == 0 {
				return sent, nil // blocked for `still`: backpressure
			}
			continue
		}
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}
