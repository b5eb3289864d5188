//go:build linux

package sock

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// tcpi_state values after the client's FIN: FIN_WAIT2, our FIN was
// acknowledged (the peer is in CLOSE_WAIT); TIME_WAIT and CLOSING, the
// peer closed too; CLOSE, the peer reset the connection.
const (
	tcpFinWait2 = 5
	tcpTimeWait = 6
	tcpClose    = 7
	tcpClosing  = 11
)

// Info is what the client's kernel says about one of its connections
// (TCP_INFO), for the faults that must prove they happened.
type Info struct {
	State    uint8  // tcpi_state
	Unacked  uint32 // segments sent and not acknowledged
	NotSent  uint32 // bytes written and not yet sent
	SendWnd  uint32 // the window the peer advertises to us, bytes
	RecvWnd  uint32 // the window we advertise to the peer, bytes
	RecvMSS  uint32
	Queued   int  // bytes received and not yet read (SIOCINQ)
	Supports bool // false where TCP_INFO is not available

	RecvSpace    uint32 // the receive buffer space the kernel has set aside, bytes (tcpi_rcv_space)
	Retransmits  uint8  // retransmissions of the segment now outstanding
	TotalRetrans uint32 // segments retransmitted on the connection in all
	RTT          uint32 // smoothed round-trip time, µs
}

// stateNames are the tcpi_state values, as the kernel names them.
var stateNames = [...]string{1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
	6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}

// String is what the kernel says, in one line.
func (i Info) String() string {
	state := fmt.Sprint(i.State)
	if int(i.State) < len(stateNames) && stateNames[i.State] != "" {
		state = stateNames[i.State]
	}
	return fmt.Sprintf("TCP_INFO state %s, unacked %d segments, not sent %d bytes, unread %d bytes; "+
		"receive window %d, receive space %d, send window %d bytes; retransmits %d (in all %d), rtt %dµs",
		state, i.Unacked, i.NotSent, i.Queued, i.RecvWnd, i.RecvSpace, i.SendWnd, i.Retransmits, i.TotalRetrans, i.RTT)
}

// FINAcked reports whether our FIN got to the peer: acknowledged
// (FIN_WAIT2), or answered with the peer's own FIN or RST.
func (i Info) FINAcked() bool {
	switch i.State {
	case tcpFinWait2, tcpTimeWait, tcpClose, tcpClosing:
		return true
	}
	return false
}

// PeerEnded reports whether the peer has closed or reset the connection.
func (i Info) PeerEnded() bool {
	return i.State == tcpTimeWait || i.State == tcpClose || i.State == tcpClosing
}

// Drained reports whether everything written was sent and acknowledged.
func (i Info) Drained() bool { return i.Unacked == 0 && i.NotSent == 0 }

// TCPInfo reads TCP_INFO for c.
func TCPInfo(conn net.Conn) (Info, error) {
	c, err := tcpOf(conn)
	if err != nil {
		return Info{}, err
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return Info{}, fmt.Errorf("tcp_info: %w", err)
	}
	var ti *unix.TCPInfo
	var queued int
	var serr error
	if err := rc.Control(func(fd uintptr) {
		if ti, serr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); serr == nil {
			queued, serr = unix.IoctlGetInt(int(fd), unix.SIOCINQ)
		}
	}); err != nil {
		return Info{}, fmt.Errorf("tcp_info: %w", err)
	}
	if serr != nil {
		return Info{}, fmt.Errorf("tcp_info: %w", serr)
	}
	return Info{State: ti.State, Unacked: ti.Unacked, NotSent: ti.Notsent_bytes, SendWnd: ti.Snd_wnd,
		RecvWnd: ti.Rcv_wnd, RecvMSS: ti.Rcv_mss, Queued: queued, Supports: true,
		RecvSpace: ti.Rcv_space, Retransmits: ti.Retransmits, TotalRetrans: ti.Total_retrans, RTT: ti.Rtt}, nil
}

// SendBufferMax is the most a TCP send buffer can grow to on this host
// (the third field of /proc/sys/net/ipv4/tcp_wmem), autotuning included.
func SendBufferMax() (int, error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_wmem")
	if err != nil {
		return 0, fmt.Errorf("send buffer maximum: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 3 {
		return 0, fmt.Errorf("send buffer maximum: tcp_wmem is %q", b)
	}
	n, err := strconv.Atoi(f[2])
	if err != nil {
		return 0, fmt.Errorf("send buffer maximum: %w", err)
	}
	return n, nil
}
