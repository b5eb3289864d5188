package netaddr

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

func TestNetwork(t *testing.T) {
	for _, tt := range []struct{ addr, network, address string }{
		{"127.0.0.1:80", "tcp", "127.0.0.1:80"},
		{"[::1]:80", "tcp", "[::1]:80"},
		{"unix:/tmp/x/echo.sock", "unix", "/tmp/x/echo.sock"},
	} {
		n, a := Network(tt.addr)
		if n != tt.network || a != tt.address {
			t.Errorf("Network(%q) = %q, %q; want %q, %q", tt.addr, n, a, tt.network, tt.address)
		}
		if IsUnix(tt.addr) != (tt.network == "unix") {
			t.Errorf("IsUnix(%q) = %v", tt.addr, IsUnix(tt.addr))
		}
	}
	for addr, want := range map[string]string{
		"unix:/tmp/echo.sock": "",
		"unix:":               "no socket path",
		"10.0.0.1:80":         "loopback only",
		"127.0.0.1:80":        "",
	} {
		err := CheckAddr(addr)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("CheckAddr(%q) = %v, want %q", addr, err, want)
		}
	}
}

// TestListenUnix: Listen serves a Unix socket at the path, ListenerAddr
// gives the address back as Listen takes it, and Close removes the file.
func TestListenUnix(t *testing.T) {
	addr := UnixAddr(filepath.Join(t.TempDir(), "echo.sock"))
	ln, err := Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	if got := ListenerAddr(ln); got != addr {
		t.Errorf("ListenerAddr = %q, want %q", got, addr)
	}
	network, address := Network(addr)
	c, err := net.Dial(network, address)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.Close()
	ln.Close()
	if _, err := net.Dial(network, address); err == nil {
		t.Errorf("%s still accepts after Close", addr)
	}
	if _, err := Listen("10.0.0.1:0"); err == nil {
		t.Error("Listen on 10.0.0.1 succeeded, want a loopback error")
	}
}

func TestAddrFromEnv(t *testing.T) {
	for _, tt := range []struct{ network, addr, path, want, err string }{
		{"", "127.0.0.1:9", "", "127.0.0.1:9", ""},
		{"tcp", "127.0.0.1:9", "/x", "127.0.0.1:9", ""},
		{"unix", "127.0.0.1:9", "/tmp/e.sock", "unix:/tmp/e.sock", ""},
		{"unix", "", "", "", "ECHO_PATH is not set"},
		{"", "", "", "", "ECHO_ADDR is not set"},
		{"udp", "", "", "", "want tcp or unix"},
	} {
		t.Setenv(EnvNetwork, tt.network)
		t.Setenv(EnvAddr, tt.addr)
		t.Setenv(EnvPath, tt.path)
		got, err := AddrFromEnv()
		if got != tt.want || (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("ECHO_NETWORK=%q ECHO_ADDR=%q ECHO_PATH=%q: AddrFromEnv = %q, %v; want %q, %q", tt.network, tt.addr, tt.path, got, err, tt.want, tt.err)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:0", true},
		{"127.0.0.1:8080", true},
		{"127.255.255.254:1", true},
		{"[::1]:0", true},
		{"localhost:0", true},
		{"0.0.0.0:0", false},
		{"[::]:0", false},
		{"10.0.0.1:80", false},
		{"8.8.8.8:53", false},
		{"[fe80::1]:80", false},
		{"[::ffff:10.0.0.1]:80", false},
		{"example.com:80", false},
		{":0", false},
		{"127.0.0.1", false},
		{"localhost", false},
		{"::1", false},
		{"", false},
	}
	for _, tt := range tests {
		err := CheckLoopback(tt.addr)
		if (err == nil) != tt.ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), tt.addr) {
			t.Errorf("CheckLoopback(%q) = %q, which does not name the address", tt.addr, err)
		}
	}
}
