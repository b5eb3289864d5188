//go:build linux

package toxi

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/echospec/echospec/fixtures/sockdiag"
)

// sightings returns the sockets of the host's TCP connections to server,
// in every state but LISTEN, from /proc/net/tcp and tcp6: a socket whose
// remote end is server (a client's), and one whose local end is server
// (the server's own).
func sightings(server netip.AddrPort) ([]sighting, error) {
	var out []sighting
	err := sockdiag.ReadTables("/proc", func(e sockdiag.Entry) {
		switch {
		case e.State == sockdiag.StateListen:
		case e.Remote == server:
			out = append(out, sighting{client: e.Local, state: e.State})
		case e.Local == server:
			out = append(out, sighting{client: e.Remote, server: true, state: e.State})
		}
	})
	if err != nil {
		return nil, fmt.Errorf("toxi: %w", err)
	}
	return out, nil
}

// lookupEnd asks the kernel (sock_diag) about the TCP socket whose local
// end is local and remote end remote.
func lookupEnd(local, remote netip.AddrPort) (End, error) {
	s, err := sockdiag.Lookup(local, remote)
	if errors.Is(err, sockdiag.ErrUnsupported) {
		err = fmt.Errorf("%w (%w)", err, ErrUnsupported)
	}
	return End{Open: s.Found, State: s.State, Unread: s.Unread, Queued: s.Queued, Received: s.Received,
		SendBuffer: s.SendBuffer, SendUsed: s.SendUsed, RecvBuffer: s.RecvBuffer}, err
}
