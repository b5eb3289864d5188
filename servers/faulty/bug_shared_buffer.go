package faulty

// FAULTY ON PURPOSE: every connection reads into one shared buffer.

import "github.com/echospec/echospec/spec"

// sharedBuf is the one read buffer of the shared-buffer server.
var sharedBuf = make([]byte, bufferSize)

func init() { register(sharedBuffer) }

func sharedBuffer() Bug {
	return withEngine(Bug{
		Name:     "shared-buffer",
		Category: spec.CatEcho,
		Defect:   "all connections read into one package-level 16 KiB buffer, so concurrent connections overwrite each other's data before it is echoed (cross-talk)",
		Models:   "a buffer hoisted out of the per-connection loop as an 'allocation optimisation', safe only in a single-threaded event loop",
		Aims:     catches(spec.WrongByte, "E7", "E7p"),
	}, skeleton(hooks{
		buffer: func() []byte { return sharedBuf }, // BUG: one buffer for every connection
	}))
}
