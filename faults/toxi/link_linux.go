//go:build linux

package toxi

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sightings returns the sockets of the host's TCP connections to server,
// in every state but LISTEN, from /proc/net/tcp and tcp6: a socket whose
// remote end is server (a client's), and one whose local end is server
// (the server's own).
func sightings(server netip.AddrPort) ([]sighting, error) {
	var out []sighting
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if errors.Is(err, os.ErrNotExist) && table == "/proc/net/tcp6" {
			continue // no IPv6
		}
		if err != nil {
			return nil, fmt.Errorf("toxi: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // the header
		for sc.Scan() {
			// sl local_address rem_address st tx_queue:rx_queue ...
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 {
				continue
			}
			state, err := strconv.ParseUint(fields[3], 16, 8)
			if err != nil || state == tcpListen {
				continue
			}
			local, err1 := parseHexAddrPort(fields[1])
			remote, err2 := parseHexAddrPort(fields[2])
			switch {
			case err1 != nil || err2 != nil:
			case remote == server:
				out = append(out, sighting{client: local, state: uint8(state)})
			case local == server:
				out = append(out, sighting{client: remote, server: true, state: uint8(state)})
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("toxi: %s: %w", table, err)
		}
	}
	return out, nil
}

// parseHexAddrPort parses the kernel's ADDR:PORT in hex, where the
// address is 1 or 4 32-bit words each printed in host byte order, and
// unmaps an IPv4-mapped IPv6 address.
func parseHexAddrPort(s string) (netip.AddrPort, error) {
	a, p, ok := strings.Cut(s, ":")
	port, err := strconv.ParseUint(p, 16, 16)
	if !ok || err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", s)
	}
	b, err := hex.DecodeString(a)
	if err != nil || (len(b) != 4 && len(b) != 16) {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", s)
	}
	for i := 0; i < len(b); i += 4 {
		binary.NativeEndian.PutUint32(b[i:], binary.BigEndian.Uint32(b[i:]))
	}
	addr, _ := netip.AddrFromSlice(b)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}

// The layouts of linux/inet_diag.h, which x/sys/unix does not define.
const (
	nlmsgHdrLen      = 16
	inetDiagReqLen   = 56 // struct inet_diag_req_v2
	inetDiagMsgLen   = 72 // struct inet_diag_msg
	inetDiagIDOffset = 8  // of the inet_diag_sockid in the request
	inetDiagInfo     = 2  // INET_DIAG_INFO: the attribute holding struct tcp_info
	inetDiagMeminfo  = 7  // INET_DIAG_SKMEMINFO: the attribute holding the SK_MEMINFO_* array
	rtaHdrLen        = 4
)

// Indexes of the SK_MEMINFO_* array (linux/sock_diag.h), in u32s.
const (
	skMeminfoRcvbuf     = 1
	skMeminfoSndbuf     = 3
	skMeminfoWmemQueued = 5
)

// bytesReceivedOffset is where tcpi_bytes_received sits in struct tcp_info.
var bytesReceivedOffset = int(unsafe.Offsetof(unix.TCPInfo{}.Bytes_received))

// lookupEnd asks the kernel (sock_diag over netlink, in this process's
// network namespace) about the TCP socket whose local end is local and
// remote end remote. An IPv4 connection may be held by an AF_INET6
// (dual-stack) socket, so both families are asked.
func lookupEnd(local, remote netip.AddrPort) (End, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return End{}, fmt.Errorf("sock_diag: %w (%w)", err, ErrUnsupported)
	}
	defer unix.Close(fd)
	tv := unix.Timeval{Sec: 2}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return End{}, fmt.Errorf("sock_diag: %w", err)
	}
	families := []uint8{unix.AF_INET6}
	if local.Addr().Is4() {
		families = []uint8{unix.AF_INET, unix.AF_INET6}
	}
	for _, fam := range families {
		e, err := diagLookup(fd, fam, local, remote)
		if err != nil || e.Open {
			return e, err
		}
	}
	return End{}, nil
}

// diagLookup looks the socket up as one of family fam, with its tcp_info.
func diagLookup(fd int, fam uint8, local, remote netip.AddrPort) (End, error) {
	req := make([]byte, nlmsgHdrLen+inetDiagReqLen)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST)
	ne.PutUint32(req[8:], 1) // sequence
	r := req[nlmsgHdrLen:]
	r[0], r[1] = fam, unix.IPPROTO_TCP
	r[2] = 1<<(inetDiagInfo-1) | 1<<(inetDiagMeminfo-1) // idiag_ext: with tcp_info and the memory counts
	ne.PutUint32(r[4:], ^uint32(0))                     // every state
	id := r[inetDiagIDOffset:]
	binary.BigEndian.PutUint16(id[0:], local.Port())
	binary.BigEndian.PutUint16(id[2:], remote.Port())
	copy(id[4:20], diagAddr(fam, local.Addr()))
	copy(id[20:36], diagAddr(fam, remote.Addr()))
	ne.PutUint32(id[40:], ^uint32(0)) // INET_DIAG_NOCOOKIE
	ne.PutUint32(id[44:], ^uint32(0))
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return End{}, fmt.Errorf("sock_diag: send: %w (%w)", err, ErrUnsupported)
	}
	buf := make([]byte, 8192)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return End{}, fmt.Errorf("sock_diag: receive: %w", err)
	}
	if n < nlmsgHdrLen+4 {
		return End{}, errors.New("sock_diag: short reply")
	}
	msgLen := min(int(ne.Uint32(buf[0:])), n)
	switch ne.Uint16(buf[4:]) {
	case unix.NLMSG_ERROR:
		errno := unix.Errno(-int32(ne.Uint32(buf[nlmsgHdrLen:])))
		if errno == unix.ENOENT {
			return End{}, nil
		}
		return End{}, fmt.Errorf("sock_diag: %w", errno)
	case unix.SOCK_DIAG_BY_FAMILY:
	default:
		return End{}, fmt.Errorf("sock_diag: unexpected reply type %d", ne.Uint16(buf[4:]))
	}
	if msgLen < nlmsgHdrLen+inetDiagMsgLen {
		return End{}, errors.New("sock_diag: short reply")
	}
	m := buf[nlmsgHdrLen:msgLen]
	// The lookup falls back to a listener on the local address: only a
	// socket whose remote end is the one asked for will do.
	if m[1] == tcpListen || binary.BigEndian.Uint16(m[4+2:]) != remote.Port() {
		return End{}, nil
	}
	e := End{Open: true, State: m[1], Unread: ne.Uint32(m[56:]), Queued: ne.Uint32(m[60:])}
	for attrs := m[inetDiagMsgLen:]; len(attrs) >= rtaHdrLen; {
		l := int(ne.Uint16(attrs[0:]))
		if l < rtaHdrLen || l > len(attrs) {
			break
		}
		switch v := attrs[rtaHdrLen:l]; ne.Uint16(attrs[2:]) {
		case inetDiagInfo:
			if len(v) >= bytesReceivedOffset+8 {
				e.Received = ne.Uint64(v[bytesReceivedOffset:])
			}
		case inetDiagMeminfo:
			if len(v) >= 4*(skMeminfoWmemQueued+1) {
				e.RecvBuffer = ne.Uint32(v[4*skMeminfoRcvbuf:])
				e.SendBuffer = ne.Uint32(v[4*skMeminfoSndbuf:])
				e.SendUsed = ne.Uint32(v[4*skMeminfoWmemQueued:])
			}
		}
		attrs = attrs[min(len(attrs), (l+3)&^3):]
	}
	return e, nil
}

// diagAddr is addr as an inet_diag_sockid holds it for family fam: 4
// bytes for AF_INET, 16 (IPv4 mapped) for AF_INET6.
func diagAddr(fam uint8, addr netip.Addr) []byte {
	if fam == unix.AF_INET {
		b := addr.Unmap().As4()
		return b[:]
	}
	b := addr.As16() // an IPv4 address comes out mapped
	return b[:]
}
