package toxi

import (
	"os"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
)

var pid = os.Getpid()

// Direction is the stream a toxic applies to.
type Direction string

// The directions, as toxiproxy names them.
const (
	Upstream   Direction = "upstream"   // client → server
	Downstream Direction = "downstream" // server → client
)

// Toxic is one toxiproxy toxic: a type, a direction and its attributes.
type Toxic struct {
	Name       string // optional; defaults to TYPE_STREAM
	Type       string
	Stream     Direction
	Attributes toxiclient.Attributes
}

// Latency delays every chunk by latency ± jitter (whole milliseconds).
func Latency(stream Direction, latency, jitter time.Duration) Toxic {
	return Toxic{Type: "latency", Stream: stream, Attributes: toxiclient.Attributes{"latency": int(latency.Milliseconds()), "jitter": int(jitter.Milliseconds())}}
}

// Bandwidth limits the stream to kbps kilobytes per second.
func Bandwidth(stream Direction, kbps int) Toxic {
	return Toxic{Type: "bandwidth", Stream: stream, Attributes: toxiclient.Attributes{"rate": kbps}}
}

// Slicer cuts chunks into pieces of about avg bytes (± variation), with
// delay between them (whole microseconds); a delay makes the server see
// separate reads.
func Slicer(stream Direction, avg, variation int, delay time.Duration) Toxic {
	return Toxic{Type: "slicer", Stream: stream, Attributes: toxiclient.Attributes{
		"average_size": avg, "size_variation": variation, "delay": int(delay.Microseconds())}}
}

// ResetPeer resets the connection (RST) after timeout (whole
// milliseconds) from the first data in its direction.
func ResetPeer(stream Direction, timeout time.Duration) Toxic {
	return Toxic{Type: "reset_peer", Stream: stream, Attributes: toxiclient.Attributes{"timeout": int(timeout.Milliseconds())}}
}

// Timeout stops all data and closes the connection after timeout (whole
// milliseconds; 0: never closes, holds it).
func Timeout(stream Direction, timeout time.Duration) Toxic {
	return Toxic{Type: "timeout", Stream: stream, Attributes: toxiclient.Attributes{"timeout": int(timeout.Milliseconds())}}
}

// SlowClose delays the close of the connection by delay (whole
// milliseconds).
func SlowClose(stream Direction, delay time.Duration) Toxic {
	return Toxic{Type: "slow_close", Stream: stream, Attributes: toxiclient.Attributes{"delay": int(delay.Milliseconds())}}
}

// LimitData closes the connection after n bytes have passed.
func LimitData(stream Direction, n int) Toxic {
	return Toxic{Type: "limit_data", Stream: stream, Attributes: toxiclient.Attributes{"bytes": n}}
}

// Hold passes each chunk of the stream on whole at once, then takes no
// more for d (whole microseconds): the proxy stops reading that stream's
// source. Know the tool: toxiproxy's pipeline holds chunks in three places
// before a toxic that does not take its input — the link's reader, the
// first (noop) stub and the toxic itself — so after at most three reads
// of the source (the first chunk passed on, two held), nothing more is
// read from it until d has passed; what the source sends meanwhile stays
// in the proxy's socket, unread. It is a slicer whose slices are larger
// than any chunk (toxiproxy reads at most 32 KiB at a time). Remove it
// (Proxy.Remove) to let the held chunks and the rest flow.
func Hold(stream Direction, d time.Duration) Toxic {
	return Toxic{Name: "hold_" + string(stream), Type: "slicer", Stream: stream, Attributes: toxiclient.Attributes{
		"average_size": holdSlice, "size_variation": 0, "delay": int(d.Microseconds())}}
}

// holdSlice is Hold's slice size: more than toxiproxy ever reads at once.
const holdSlice = 1 << 20

// HoldReads is how many reads of the held stream's source the proxy makes
// before a Hold stops it (see Hold).
const HoldReads = 3
