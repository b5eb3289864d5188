package faulty

// FAULTY ON PURPOSE: echoes the whole read buffer instead of the bytes read.

import (
	"github.com/echospec/echospec/servers/engine"

	"github.com/echospec/echospec/spec"
)

func init() { register(echoWholeBuffer) }

func echoWholeBuffer() Bug {
	return withEngine(Bug{
		Name:     "echo-whole-buffer",
		Category: spec.CatEcho,
		Defect:   "writes the whole 16 KiB read buffer back (buf) instead of the n bytes read (buf[:n])",
		Models:   "write(fd, buf, sizeof buf) / conn.Write(buf) after a short read: stale or zero bytes past the data",
		Aims:     catches(spec.Extra, "E1", "E1p", "E2", "E2p"),
		Catches:  catches(spec.Extra, "E11", "E11p"),
	}, skeleton(hooks{
		transform: func(buf []byte, n int) []byte {
			engine.Upper(buf[:n])
			return buf // BUG: should be buf[:n]
		},
	}))
}
