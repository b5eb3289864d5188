//go:build !linux

package sock

import (
	"errors"
	"net"
)

// Info is what the client's kernel says about one of its connections; only
// Linux fills it.
type Info struct {
	State            uint8
	Unacked, NotSent uint32
	SendWnd, RecvWnd uint32
	RecvMSS          uint32
	Queued           int
	Supports         bool
	RecvSpace        uint32
	Retransmits      uint8
	TotalRetrans     uint32
	RTT              uint32
}

// String says that the kernel was not asked.
func (i Info) String() string { return "TCP_INFO: Linux only" }

// FINAcked reports whether our FIN was acknowledged.
func (i Info) FINAcked() bool { return false }

// PeerEnded reports whether the peer has closed or reset the connection.
func (i Info) PeerEnded() bool { return false }

// Drained reports whether everything written was acknowledged.
func (i Info) Drained() bool { return false }

// TCPInfo is not available here.
func TCPInfo(c net.Conn) (Info, error) { return Info{}, errors.New("tcp_info: Linux only") }

// SendBufferMax is a common default where the host does not say.
func SendBufferMax() (int, error) { return 4 << 20, nil }
