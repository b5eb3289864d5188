package toxi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/echospec/echospec/fixtures/sockdiag"
)

// Link is the TCP connection a proxy opened to its upstream server for
// one client, named by its two ends, so that a spec can ask the host's
// kernel what the proxy has left unread on it and what became of it
// (State): the proof that a fault reached the server as the spec meant.
// Only Linux can tell (sock_diag, /proc/net/tcp); elsewhere the functions
// fail with ErrUnsupported. A toxiproxy reached by URL must run on this
// host (it does, to reach a loopback server).
type Link struct {
	Proxy  netip.AddrPort // the proxy's end
	Server netip.AddrPort // the server's end
}

func (l Link) String() string { return l.Proxy.String() + "→" + l.Server.String() }

// ErrUnsupported is returned where the host's kernel cannot be asked.
var ErrUnsupported = errors.New("toxi: the state of a proxy's connections is known only on Linux (sock_diag)")

// End is what the kernel says about one end of a link.
type End struct {
	Open     bool   // a socket with these ends is in the host's TCP tables
	State    uint8  // its TCP state, numbered as tcpi_state (1 ESTABLISHED …)
	Unread   uint32 // bytes received and not yet read by its process
	Queued   uint32 // bytes written and not yet acknowledged by the peer
	Received uint64 // bytes received in all (0 where the kernel keeps no count: TIME_WAIT)
	// SendBuffer is the send buffer's size (sk_sndbuf) and SendUsed what
	// it holds (sk_wmem_queued), in the kernel's accounting: a write
	// blocks (or fails with EAGAIN) while SendUsed >= SendBuffer.
	// RecvBuffer is the receive buffer's size (sk_rcvbuf).
	SendBuffer, SendUsed, RecvBuffer uint32
}

// SendFull reports whether the end's send buffer is full: a write on it
// blocks, or fails with EAGAIN, until the peer takes data.
func (e End) SendFull() bool { return e.Open && e.SendBuffer > 0 && e.SendUsed >= e.SendBuffer }

var tcpStates = [...]string{"", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"}

// Established reports whether the end is open and ESTABLISHED.
func (e End) Established() bool { return e.Open && e.State == sockdiag.StateEstablished }

// Lingers reports whether the end's socket is still there the way a FIN
// leaves one (FIN_WAIT, TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSING): not
// gone, and not in CLOSE, the state a socket closed with input unread is
// in for the moment between its reset and its destruction (seen once in
// W4: the proxy's end in CLOSE with 16 KiB unread, the server's gone).
func (e End) Lingers() bool { return e.Open && e.State != sockdiag.StateClose }

// StateName names the end's state: its TCP state, or "gone" when no
// socket has these ends any more (a reset one is closed at once; a socket
// that ended with a FIN stays, in FIN_WAIT or TIME_WAIT, for a while).
func (e End) StateName() string {
	if !e.Open {
		return "gone"
	}
	if int(e.State) < len(tcpStates) && tcpStates[e.State] != "" {
		return tcpStates[e.State]
	}
	return fmt.Sprintf("state %d", e.State)
}

// LinkState is what the kernel says about both ends of a link.
type LinkState struct{ Proxy, Server End }

// State asks the kernel about both ends of the link.
func (l Link) State() (LinkState, error) {
	p, err := lookupEnd(l.Proxy, l.Server)
	if err != nil {
		return LinkState{}, fmt.Errorf("the proxy's end of %s: %w", l, err)
	}
	s, err := lookupEnd(l.Server, l.Proxy)
	if err != nil {
		return LinkState{}, fmt.Errorf("the server's end of %s: %w", l, err)
	}
	return LinkState{Proxy: p, Server: s}, nil
}

// Snapshot is what the host's TCP tables held of the connections to a
// proxy's upstream at one moment (Links): their client ends, for NewLink
// to tell the connection opened since.
type Snapshot struct{ seen map[netip.AddrPort]bool }

// sighting is one socket of a connection to the server, named by the
// connection's client end (the proxy's, for a link).
type sighting struct {
	client netip.AddrPort
	server bool // the server's socket (its remote end is client)
	state  uint8
}

// Links takes a Snapshot of the host's TCP connections to the proxy's
// upstream, in every state: the links of this proxy's connections, and
// any other client's connection to the same server. Take it before
// dialling the proxy, and give it to NewLink after.
func (p *Proxy) Links() (Snapshot, error) {
	server, err := resolve(p.Upstream())
	if err != nil {
		return Snapshot{}, err
	}
	ss, err := sightings(server)
	if err != nil {
		return Snapshot{}, err
	}
	m := make(map[netip.AddrPort]bool, len(ss))
	for _, s := range ss {
		m[s.client] = true
	}
	return Snapshot{m}, nil
}

// linkPoll is how often NewLink looks for the new link.
const linkPoll = 2 * time.Millisecond

// NewLink waits, until ctx ends, for the one connection to the proxy's
// upstream whose client end is not in before (Links): the link the proxy
// opened for a connection dialled since, which it does once it has
// accepted it. Its sockets are looked for in every state, so that a link
// the server has closed already is found too (from the end it left in
// TIME_WAIT); a connection that was in before is not new, whatever its
// state now. It fails when more than one connection is new: the caller
// opened another one to the server meanwhile.
func (p *Proxy) NewLink(ctx context.Context, before Snapshot) (Link, error) {
	server, err := resolve(p.Upstream())
	if err != nil {
		return Link{}, err
	}
	for {
		ss, err := sightings(server)
		if err != nil {
			return Link{}, err
		}
		var fresh []netip.AddrPort
		for _, s := range ss {
			if !before.seen[s.client] && !slices.Contains(fresh, s.client) {
				fresh = append(fresh, s.client)
			}
		}
		switch len(fresh) {
		case 1:
			return Link{Proxy: fresh[0], Server: server}, nil
		case 0:
		default:
			return Link{}, fmt.Errorf("toxi: %d new connections to %s, from %v: cannot tell which is the proxy's", len(fresh), server, fresh)
		}
		select {
		case <-ctx.Done():
			return Link{}, fmt.Errorf("toxi: proxy %s opened no connection to %s: %w", p.Name(), server, context.Cause(ctx))
		case <-time.After(linkPoll):
		}
	}
}

// resolve turns a loopback HOST:PORT into an address and port.
func resolve(addr string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
	}
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("toxi: upstream %s: %w", addr, err)
	}
	ap := ta.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}
