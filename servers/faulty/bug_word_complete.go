package faulty

// FAULTY ON PURPOSE: completing a read's last 8-byte word overwrites the
// bytes it already had.

import (
	"errors"
	"net"
	"os"
	"time"

	"github.com/echospec/echospec/spec"
)

// wordWait is how long the word-complete server waits for the missing
// bytes of a read's last word.
const wordWait = time.Millisecond

func init() { register(wordComplete) }

func wordComplete() Bug {
	return withEngine(Bug{
		Name:     "word-complete",
		Category: spec.CatEcho,
		Defect: "uppercases in whole 8-byte words, so after a read of 8+ bytes whose length is not a multiple of 8 it reads again (waiting up to 1 ms) for the rest of the last word, " +
			"but reads it to the start of that word, overwriting the 1..7 bytes it had: when more input follows at once (odd-sized pieces streamed in), those bytes are lost from the echo; " +
			"a message followed by silence (ping-pong, single exchanges) and full 16 KiB reads never take that path",
		Models: "a reassembly/word-alignment read with the wrong offset: buf[whole:] where buf[n:] was meant, on a path only odd-sized pipelined reads reach",
		Aims:   catches(spec.WrongByte, "E6", "E6p"),
	}, skeleton(hooks{serve: serveWords}))
}

func serveWords(s *server, c *net.TCPConn) {
	buf := make([]byte, bufferSize+8)
	for {
		c.SetReadDeadline(time.Time{})
		n, err := c.Read(buf[:bufferSize])
		if err == nil && n >= 8 && n%8 != 0 {
			// Complete the last word if its bytes are on their way.
			whole := n - n%8
			c.SetReadDeadline(time.Now().Add(wordWait))
			m, rerr := c.Read(buf[whole : whole+8]) // BUG: should be buf[n : whole+8]
			if m > 0 {
				n = whole + m
			}
			if !errors.Is(rerr, os.ErrDeadlineExceeded) {
				err = rerr
			}
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
