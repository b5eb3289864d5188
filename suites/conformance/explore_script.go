package conformance

// The explorer's operations and their script: one operation a line, with
// its connection and sizes, printed for a failure and read back to replay
// it (ECHOSPEC_REPLAY).

import (
	"bufio"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// opKind is what one operation of a scenario does.
type opKind int

// The operations, as the script names them.
const (
	opOpen      opKind = iota // open a connection, direct or through a toxic
	opWrite                   // write N bytes of the connection's stream, in chunks
	opRead                    // read N bytes of its echo (at most what is due)
	opFlood                   // write without reading until the server stops taking data
	opHalfClose               // send FIN (CloseWrite)
	opClose                   // close, unread echo and all
	opReset                   // close with an RST (SO_LINGER 0)
	opBurst                   // open N connections at once, each one exchange, then end them (burstEnd)
	opIdle                    // do nothing for N ms
	opStarve                  // lower the server's fd limit, open N connections, restore it
	opKinds
)

var opNames = [opKinds]string{"open", "write", "read", "flood", "half-close", "close", "reset", "burst", "idle", "starve"}

func (k opKind) String() string {
	if k >= 0 && k < opKinds {
		return opNames[k]
	}
	return fmt.Sprintf("opKind(%d)", int(k))
}

// via is how an opened connection reaches the server: directly, or
// through a toxiproxy proxy of its own with one toxic.
type via int

// The paths. The first four keep every byte (the echo must be exact);
// the last three cut the connection, whose losses are then excused.
const (
	viaDirect via = iota
	viaLatency
	viaSlicer
	viaBandwidth
	viaSlowClose
	viaResetPeer // after N ms
	viaLimitData // after N bytes
	viaTimeout   // data stops, closed after N ms
	vias
)

var viaNames = [vias]string{"direct", "latency", "slicer", "bandwidth", "slow-close", "reset-peer", "limit-data", "timeout"}

func (v via) String() string {
	if v >= 0 && v < vias {
		return viaNames[v]
	}
	return fmt.Sprintf("via(%d)", int(v))
}

// cuts says whether the toxic ends the connection: its losses are excused.
func (v via) cuts() bool { return v >= viaResetPeer }

// takesN says whether the toxic has a parameter (ms or bytes).
func (v via) takesN() bool { return v >= viaResetPeer }

// burstEnd is how a burst's connections are held and how they end.
type burstEnd int

// The bursts.
const (
	// burstHeld: every connection stays open until all of them have their
	// echo (so N are served at once), then they close.
	burstHeld burstEnd = iota
	// burstReset: held, then each ends with an RST (SO_LINGER 0).
	burstReset
	// burstEmpty: N connections open at once and close without a byte;
	// they expect nothing, so max-conns does not bound them.
	burstEmpty
	// burstQueue: each closes as soon as its echo is back; with max-conns
	// declared, up to exploreQueueOver more than the room open at once, and
	// those wait their turn (they are not refused).
	burstQueue
	// burstAbort: each writes its payload and at once ends with an RST,
	// reading nothing: the server's echo meets a reset connection (its
	// write fails). They expect nothing, so max-conns does not bound them.
	burstAbort
	// burstCrowd: held, as burstHeld, but hundreds of connections
	// (exploreCrowdMin..exploreCrowdMax, within a declared max-conns):
	// past a fixed table of 512, and fd numbers past select's 1,024.
	burstCrowd
	burstEnds
)

var burstNames = [burstEnds]string{"", "reset", "empty", "queue", "abort", "crowd"}

// exploreOp is one operation: Conn is a connection slot (0-based, printed
// c1…), N a size, count or time, Chunk a write's chunk size, Via an open's
// path, End a burst's kind.
type exploreOp struct {
	Kind  opKind
	Conn  int
	N     int
	Chunk int
	Via   via
	End   burstEnd
}

// String is the operation's line in a script.
func (o exploreOp) String() string {
	c := fmt.Sprintf("c%d", o.Conn+1)
	switch o.Kind {
	case opOpen:
		switch {
		case o.Via == viaDirect:
			return "open " + c
		case o.Via.takesN():
			return fmt.Sprintf("open %s via %s %d", c, o.Via, o.N)
		}
		return fmt.Sprintf("open %s via %s", c, o.Via)
	case opWrite:
		return fmt.Sprintf("write %s %d in %d", c, o.N, o.Chunk)
	case opRead:
		return fmt.Sprintf("read %s %d", c, o.N)
	case opBurst:
		if o.End != burstHeld {
			return fmt.Sprintf("burst %d %s", o.N, burstNames[o.End])
		}
		return fmt.Sprintf("burst %d", o.N)
	case opIdle:
		return fmt.Sprintf("idle %dms", o.N)
	case opStarve:
		return fmt.Sprintf("starve %d", o.N)
	}
	return o.Kind.String() + " " + c
}

// scriptHeader starts every script.
const scriptHeader = "# echospec X1 scenario: one operation a line; replay with echospec run --replay FILE"

// formatScript prints a scenario: its seed (the bytes each connection
// sends), then one operation a line.
func formatScript(seed uint64, ops []exploreOp) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\nseed %d\n", scriptHeader, seed)
	for _, o := range ops {
		b.WriteString(o.String() + "\n")
	}
	return b.String()
}

// parseScript reads a script back: its seed and operations. Blank lines
// and lines starting with # are skipped.
func parseScript(text string) (uint64, []exploreOp, error) {
	var seed uint64
	seenSeed := false
	var ops []exploreOp
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if f[0] == "seed" {
			if len(f) != 2 {
				return 0, nil, fmt.Errorf("line %d: want seed N: %q", n, line)
			}
			s, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				return 0, nil, fmt.Errorf("line %d: seed: %w", n, err)
			}
			seed, seenSeed = s, true
			continue
		}
		o, err := parseOp(f)
		if err != nil {
			return 0, nil, fmt.Errorf("line %d: %q: %w", n, line, err)
		}
		ops = append(ops, o)
	}
	if !seenSeed {
		return 0, nil, errors.New("no seed line")
	}
	return seed, ops, sc.Err()
}

// parseOp reads one operation's fields.
func parseOp(f []string) (exploreOp, error) {
	kind := opKind(-1)
	for k, name := range opNames {
		if f[0] == name {
			kind = opKind(k)
		}
	}
	if kind < 0 {
		return exploreOp{}, fmt.Errorf("unknown operation %q", f[0])
	}
	o := exploreOp{Kind: kind}
	args := f[1:]
	var err error
	switch kind {
	case opBurst:
		if len(args) < 1 || len(args) > 2 {
			return o, errors.New("want burst N [reset|empty|queue|abort|crowd]")
		}
		if len(args) == 2 {
			o.End = burstEnd(slices.Index(burstNames[:], args[1]))
			if o.End <= burstHeld {
				return o, fmt.Errorf("unknown burst %q (want reset, empty, queue, abort or crowd)", args[1])
			}
		}
		o.N, err = count1(args[0], o.End.most())
		return o, err
	case opStarve:
		if len(args) != 1 {
			return o, errors.New("want starve N")
		}
		o.N, err = count1(args[0], emfileConns)
		return o, err
	case opIdle:
		if len(args) != 1 {
			return o, errors.New("want idle Nms")
		}
		d, err := time.ParseDuration(args[0])
		if err != nil || d < 0 || d > exploreLongIdleMax {
			return o, fmt.Errorf("idle: want 0ms..%v", exploreLongIdleMax)
		}
		o.N = int(d / time.Millisecond)
		return o, nil
	}
	if len(args) == 0 {
		return o, fmt.Errorf("want %s cN", kind)
	}
	if o.Conn, err = connSlot(args[0]); err != nil {
		return o, err
	}
	args = args[1:]
	switch kind {
	case opOpen:
		if len(args) == 0 {
			return o, nil
		}
		if args[0] != "via" || len(args) < 2 {
			return o, errors.New("want open cN [via TOXIC [N]]")
		}
		o.Via = -1
		for v, name := range viaNames {
			if args[1] == name {
				o.Via = via(v)
			}
		}
		if o.Via < 0 {
			return o, fmt.Errorf("unknown path %q (want one of %s)", args[1], strings.Join(viaNames[:], ", "))
		}
		switch {
		case o.Via.takesN() && len(args) == 3:
			o.N, err = count1(args[2], 1<<30)
		case !o.Via.takesN() && len(args) == 2:
		default:
			err = fmt.Errorf("%s takes %s", o.Via, map[bool]string{true: "a number", false: "nothing"}[o.Via.takesN()])
		}
		return o, err
	case opWrite:
		if len(args) != 3 || args[1] != "in" {
			return o, errors.New("want write cN BYTES in CHUNK")
		}
		if o.N, err = count1(args[0], exploreWriteMax); err == nil {
			o.Chunk, err = count1(args[2], exploreChunkMax)
		}
		return o, err
	case opRead:
		if len(args) != 1 {
			return o, errors.New("want read cN BYTES")
		}
		o.N, err = count1(args[0], 1<<40)
		return o, err
	}
	if len(args) != 0 {
		return o, fmt.Errorf("want %s cN", kind)
	}
	return o, nil
}

// most is the most connections a burst of this kind may ask for.
func (e burstEnd) most() int {
	switch e {
	case burstEmpty:
		return exploreEmptyMax
	case burstQueue:
		return exploreBurstMax + exploreQueueOver
	case burstCrowd:
		return exploreCrowdMax
	}
	return exploreBurstMax
}

// connSlot reads c1..c4.
func connSlot(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "c"))
	if !strings.HasPrefix(s, "c") || err != nil || n < 1 || n > exploreConns {
		return 0, fmt.Errorf("want a connection c1..c%d, got %q", exploreConns, s)
	}
	return n - 1, nil
}

// count1 reads a number 1..most.
func count1(s string, most int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > most {
		return 0, fmt.Errorf("want a number 1..%d, got %q", most, s)
	}
	return n, nil
}
