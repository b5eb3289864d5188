package faulty

// FAULTY ON PURPOSE: adaptive buffer sizing swaps the read buffer between
// the read and the echo.

import (
	"net"

	"github.com/echospec/echospec/spec"
)

// smallBuffer is what the buffer-shrink server shrinks a connection's
// read buffer to when its reads have all been small.
const smallBuffer = 512

func init() { register(bufferShrink) }

func bufferShrink() Bug {
	return withEngine(Bug{
		Name:     "buffer-shrink",
		Category: spec.CatEcho,
		Defect: "sizes each connection's read buffer to its traffic: every 256 reads (a uint8 counter wraps), if none of them was larger than 512 bytes, it shrinks the buffer to 512 bytes, but does so after the read and before the echo, " +
			"so the echo of that 256th read is taken from the new, empty buffer (zeros); single exchanges and bulk streams never take that path, a long conversation of small messages does",
		Models: "adaptive receive-buffer sizing (as Netty's AdaptiveRecvByteBufAllocator) done at the wrong point: the buffer replaced while its data is still to be used",
		Aims:   catches(spec.WrongByte, "E3", "E3p"),
	}, skeleton(hooks{serve: serveAdaptive}))
}

func serveAdaptive(s *server, c *net.TCPConn) {
	buf := make([]byte, bufferSize)
	var reads uint8 // reads since the last sizing decision, modulo 256
	largest := 0    // the largest of them
	for {
		n, err := c.Read(buf)
		largest = max(largest, n)
		reads++
		if reads == 0 { // 256 reads: decide on the buffer's size
			if largest <= smallBuffer && len(buf) > smallBuffer {
				buf = make([]byte, smallBuffer) // BUG: the n bytes just read are in the old buffer
			}
			largest = 0
		}
		if n > 0 && n == len(buf) && len(buf) < bufferSize {
			// A full small buffer: grow back at once (keeping the data).
			grown := make([]byte, bufferSize)
			copy(grown, buf[:n])
			buf = grown
		}
		if n > 0 && !s.send(c, s.upper(buf, n)) {
			return
		}
		if err != nil {
			s.finish(c, err)
			return
		}
	}
}
