//go:build darwin || freebsd || linux

package thirdparty_test

import (
	"io"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/thirdparty/evio"
	"github.com/echospec/echospec/servers/thirdparty/gnet"
	"github.com/echospec/echospec/servers/thirdparty/nbio"
	"github.com/echospec/echospec/servers/thirdparty/netpoll"
)

// smokeEnv names the one adapter a re-executed test binary smoke-tests.
const smokeEnv = "ECHOSPEC_SMOKE_ENGINE"

// TestSmoke smoke-tests each adapter in a process of its own: the engines
// keep goroutines (and, in some, a late write to a closed wake-up eventfd)
// past their Stop, so in one process an engine stopped earlier could write
// into a connection of the next one whose fd reused the number (seen once:
// 8 bytes of 0x01 00… at the head of nbio's echo after gnet and evio had
// run). Each adapter alone is what the test is about.
func TestSmoke(t *testing.T) {
	if os.Getenv(smokeEnv) != "" {
		t.Skip("a re-executed smoke test runs TestSmokeOne only")
	}
	for _, name := range []string{"gnet", "evio", "nbio", "netpoll"} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSmokeOne$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), smokeEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("%s: %v\n%s", name, err, out)
			}
		})
	}
}

// TestSmokeOne starts the adapter named by smokeEnv, echoes one line
// through it and closes it; TestSmoke runs it once per adapter.
func TestSmokeOne(t *testing.T) {
	only := os.Getenv(smokeEnv)
	if only == "" {
		t.Skip("run by TestSmoke, in a process of its own")
	}
	const (
		send = "hello, World 123"
		want = "HELLO, WORLD 123"
	)
	tests := []struct {
		name string
		eng  engine.Engine
	}{
		{"gnet", gnet.Engine()},
		{"evio", evio.Engine()},
		{"nbio", nbio.Engine()},
		{"netpoll", netpoll.Engine()},
	}
	for _, tt := range tests {
		if tt.name != only {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.eng.Name(); got != tt.name {
				t.Errorf("Name() = %q, want %q", got, tt.name)
			}
			srv, err := tt.eng.Start("127.0.0.1:0")
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			closed := false
			defer func() {
				if !closed {
					srv.Close()
				}
			}()
			host, port, err := net.SplitHostPort(srv.Addr())
			if err != nil || host != "127.0.0.1" || port == "0" {
				t.Fatalf("Addr() = %q, want 127.0.0.1 with the real port", srv.Addr())
			}

			c, err := net.DialTimeout("tcp", srv.Addr(), 5*time.Second)
			if err != nil {
				t.Fatalf("dial %s: %v", srv.Addr(), err)
			}
			defer c.Close()
			if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(c, send); err != nil {
				t.Fatalf("write: %v", err)
			}
			got := make([]byte, len(want))
			if n, err := io.ReadFull(c, got); err != nil {
				t.Fatalf("read: got %q (%d of %d bytes): %v", got[:n], n, len(want), err)
			}
			if string(got) != want {
				t.Errorf("echo of %q = %q, want %q", send, got, want)
			}
			c.Close()

			start := time.Now()
			closed = true
			if err := srv.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Close took %v", d)
			}
		})
	}
}
