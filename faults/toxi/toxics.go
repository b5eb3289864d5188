package toxi

import (
	"os"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
)

var pid = os.Getpid()

// Directions a toxic applies to, as toxiproxy names them.
const (
	Upstream   = "upstream"   // client → server
	Downstream = "downstream" // server → client
)

// Toxic is one toxiproxy toxic: a type, a direction and its attributes.
type Toxic struct {
	Name       string // optional; defaults to TYPE_STREAM
	Type       string
	Stream     string
	Attributes toxiclient.Attributes
}

// Latency delays every chunk by ms milliseconds ± jitter.
func Latency(stream string, ms, jitter int) Toxic {
	return Toxic{Type: "latency", Stream: stream, Attributes: toxiclient.Attributes{"latency": ms, "jitter": jitter}}
}

// Bandwidth limits the stream to kbps kilobytes per second.
func Bandwidth(stream string, kbps int) Toxic {
	return Toxic{Type: "bandwidth", Stream: stream, Attributes: toxiclient.Attributes{"rate": kbps}}
}

// Slicer cuts chunks into pieces of about avg bytes (± variation), with
// delayUS microseconds between them; delay > 0 makes the server see
// separate reads.
func Slicer(stream string, avg, variation, delayUS int) Toxic {
	return Toxic{Type: "slicer", Stream: stream, Attributes: toxiclient.Attributes{
		"average_size": avg, "size_variation": variation, "delay": delayUS}}
}

// ResetPeer resets the connection (RST) timeoutMS after the first data in
// its direction.
func ResetPeer(stream string, timeoutMS int) Toxic {
	return Toxic{Type: "reset_peer", Stream: stream, Attributes: toxiclient.Attributes{"timeout": timeoutMS}}
}

// Timeout stops all data and closes the connection after timeoutMS (0:
// never closes, holds it).
func Timeout(stream string, timeoutMS int) Toxic {
	return Toxic{Type: "timeout", Stream: stream, Attributes: toxiclient.Attributes{"timeout": timeoutMS}}
}

// SlowClose delays the close of the connection by delayMS.
func SlowClose(stream string, delayMS int) Toxic {
	return Toxic{Type: "slow_close", Stream: stream, Attributes: toxiclient.Attributes{"delay": delayMS}}
}

// LimitData closes the connection after n bytes have passed.
func LimitData(stream string, n int) Toxic {
	return Toxic{Type: "limit_data", Stream: stream, Attributes: toxiclient.Attributes{"bytes": n}}
}
