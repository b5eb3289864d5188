package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// plainEcho is an RFC 862 echo server as asyncio's documentation teaches
// it: bytes back unchanged, on ECHO_HOST:ECHO_PORT.
const plainEcho = `import asyncio, os, signal

async def handle(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.write_eof()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(handle, os.environ.get("ECHO_HOST", "127.0.0.1"), int(os.environ["ECHO_PORT"]))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()

asyncio.run(main())
`

func hasIPv6Loopback() bool {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// TestProtocolEcho: --protocol echo judges by the identity transform. A
// plain echo server passes the echo category with it (here on ::1, so
// that the proxy variants prove toxiproxy reaches [::1] too) and fails E1
// with wrong-byte without it; an upper-echo engine fails E1 with it.
func TestProtocolEcho(t *testing.T) {
	t.Parallel() // runs the binary for a while, mostly waiting
	if testing.Short() || runtime.GOOS != "linux" {
		t.Skip("runs the binary against servers; Linux")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3")
	}
	srv := filepath.Join(t.TempDir(), "plain_echo.py")
	if err := os.WriteFile(srv, []byte(plainEcho), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := python3() + srv

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--protocol", "bogus"}, `unknown protocol "bogus"`},
		{[]string{"run", "--host", "::1"}, "--host (ECHOSPEC_TARGET_HOST) is for --cmd (ECHOSPEC_TARGET_CMD)"},
		{[]string{"run", "--cmd", "x", "--host", "10.0.0.1"}, "loopback"},
		{[]string{"run", "--cmd", "x", "--network", "udp"}, "--network (ECHOSPEC_TARGET_NETWORK)=\"udp\": want tcp or unix"},
	} {
		if code, out := echospecRun(t, tt.args...); code != exitConfig || !strings.Contains(out, tt.want) {
			t.Errorf("%q: exit %d; want exit 2 and %q:\n%s", tt.args, code, tt.want, out)
		}
	}

	args := []string{"run", "--cmd", cmd, "--name", "plain", "--protocol", "echo", "--label-filter", "echo"}
	if hasIPv6Loopback() {
		args = append(args, "--host", "::1")
	}
	dir := filepath.Join(t.TempDir(), "reports")
	code, out := echospecRun(t, append(args, "--report-dir", dir)...)
	if code != exitPass || !strings.Contains(out, "judged by protocol echo") {
		t.Fatalf("a plain echo server with --protocol echo: exit %d\n%s", code, out)
	}
	md, err := os.ReadFile(filepath.Join(dir, "matrix.md"))
	if err != nil || !strings.Contains(string(md), "Protocol: plain judged by protocol echo") {
		t.Errorf("matrix.md does not name the protocol (%v):\n%s", err, md)
	}

	code, out = echospecRun(t, "run", "--cmd", cmd, "--name", "plain", "--focus", `\[E1\]`)
	if code != exitFail || !strings.Contains(out, "FAIL: plain E1 (wrong-byte)") || !strings.Contains(out, "want 0x51 'Q', got 0x71 'q'") {
		t.Errorf("a plain echo server judged by upper-echo: exit %d\n%s", code, out)
	}
	code, out = echospecRun(t, "run", "--engine", "goroutine", "--protocol", "echo", "--focus", `\[E1\]`)
	if code != exitFail || !strings.Contains(out, "FAIL: goroutine E1 (wrong-byte)") || !strings.Contains(out, "want 0x71 'q', got 0x51 'Q'") ||
		!strings.Contains(out, "--protocol echo") {
		t.Errorf("an upper-echo engine judged by echo: exit %d\n%s", code, out)
	}
}

// TestIPv6Loopback: a built-in engine run as an outside command on ::1
// (--host ::1: ECHO_ADDR=[::1]:PORT), directly, through toxiproxy and
// with its process probed; and the same server already running, given by
// --addr [::1]:PORT.
func TestIPv6Loopback(t *testing.T) {
	t.Parallel() // runs the binary for a while, mostly waiting
	if testing.Short() || runtime.GOOS != "linux" {
		t.Skip("runs the binary against servers; Linux")
	}
	if !hasIPv6Loopback() {
		t.Skip("no IPv6 loopback here")
	}
	echoserver := filepath.Join(t.TempDir(), "echoserver")
	if out, err := exec.Command("go", "build", "-o", echoserver, "../../servers/cmd/echoserver").CombinedOutput(); err != nil {
		t.Fatalf("build echoserver: %v\n%s", err, out)
	}
	code, out := echospecRun(t, "run", "--cmd", "exec "+echoserver+" -engine epoll", "--name", "epoll6", "--host", "::1",
		"--focus", `\[(E1|E1p|E8|R3|W1|H1)\]`)
	if code != exitPass || !strings.Contains(out, "ok    epoll6 H1") || !strings.Contains(out, "ok    epoll6 R3") {
		t.Errorf("the epoll engine as a command on ::1: exit %d\n%s", code, out)
	}

	port := freeIPv6Port(t)
	addr := fmt.Sprintf("[::1]:%d", port)
	srv := exec.Command(echoserver, "-engine", "goroutine", "-addr", addr)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("echoserver on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, out = echospecRun(t, "run", "--addr", addr, "--name", "running6", "--focus", `\[(E1|E1p|E2)\]`)
	if code != exitPass || !strings.Contains(out, "ok    running6 E1p") {
		t.Errorf("--addr %s: exit %d\n%s", addr, code, out)
	}
}

func freeIPv6Port(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestNetworkUnix: --network unix runs the outside command and a built-in
// engine on Unix sockets; the specs that need TCP are skipped, each with
// the reason.
func TestNetworkUnix(t *testing.T) {
	t.Parallel() // runs the binary for a while, mostly waiting
	if testing.Short() || runtime.GOOS != "linux" {
		t.Skip("runs the suite; Linux")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3")
	}
	srv, _ := filepath.Abs("../../fixtures/servers/asyncio_echo.py")
	code, out := echospecRun(t, "run", "--cmd", python3()+srv,
		"--name", "pyunix", "--engine", "goroutine", "--network", "unix", "--focus", `\[(E1|E1p|E8|R1|H1)\]`, "-v")
	if code != exitPass {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"needs TCP: it runs through toxiproxy, which proxies TCP; target pyunix serves a Unix-domain socket",
		"needs TCP: it resets connections (RST via SO_LINGER 0), which only TCP has; target goroutine serves a Unix-domain socket"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not say %q:\n%s", want, out)
		}
	}
}
