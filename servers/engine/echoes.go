package engine

import (
	"fmt"
	"io"
	"net"
	"time"
)

// Echoes connects to addr (HOST:PORT or unix:PATH) and checks that one
// byte, "a", comes back as "A" before deadline: the server's accept path
// and the loop that serves the connection both run. An adapter whose
// engine starts its loops on goroutines of its own, and cannot be stopped
// safely before they run, calls it before its Start returns.
func Echoes(addr string, deadline time.Time) error {
	network, address := Network(addr)
	c, err := net.DialTimeout(network, address, time.Until(deadline))
	if err != nil {
		return fmt.Errorf("check it echoes: %w", err)
	}
	defer c.Close()
	if err := c.SetDeadline(deadline); err != nil {
		return fmt.Errorf("check it echoes: %w", err)
	}
	got := []byte{0}
	if _, err := c.Write([]byte("a")); err != nil {
		return fmt.Errorf("check it echoes: write: %w", err)
	}
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("check it echoes: read: %w", err)
	}
	if got[0] != 'A' {
		return fmt.Errorf("check it echoes: sent \"a\", got %q", got)
	}
	return nil
}
