package sock

import (
	"net"
	"strings"
	"testing"
	"time"
)

// wrapped is a connection wrapper with NetConn, as wire.Conn is.
type wrapped struct{ net.Conn }

func (w wrapped) NetConn() net.Conn { return w.Conn }

func TestTCPOfUnwraps(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			c.Read(make([]byte, 1))
		}
	}()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), DialTimeout)
	if err != nil {
		t.Fatal(err)
	}
	w := wrapped{wrapped{c}}
	if !IsTCP(w) {
		t.Fatal("a wrapper of a wrapper of a TCP connection is not seen as TCP")
	}
	if info, err := TCPInfo(w); err == nil && !strings.Contains(info.String(), "state ESTABLISHED") {
		t.Errorf("TCP_INFO of an open connection: %s", info)
	}
	if err := Reset(w); err != nil {
		t.Errorf("reset through the wrapper: %v", err)
	}
	if IsTCP(wrapped{&net.UnixConn{}}) {
		t.Error("a Unix connection is seen as TCP")
	}
}
