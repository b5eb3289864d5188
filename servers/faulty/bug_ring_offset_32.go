package faulty

// FAULTY ON PURPOSE: the output ring's write position comes from a 32-bit
// count of the bytes the connection has queued, which wraps at 2³².

import (
	"github.com/echospec/echospec/spec"
)

// ring32Size is the output ring of the ring-offset-32 server: sized in
// bytes (1 MB), not a power of two, so that a count wrapped at 2³² lands
// on another position of the ring.
const ring32Size = 1_000_000

func init() { register(ringOffset32) }

func ringOffset32() Bug {
	return withEngine(Bug{
		Name:     "ring-offset-32",
		Category: spec.CatEcho,
		Defect:   "queues echo in a 1 MB ring per connection whose write position is the bytes queued so far, counted in a uint32, modulo the ring's size: past 4 GiB on one connection the count wraps, the echo goes to the wrong place, and stale bytes are sent where it belonged",
		Models:   "a 32-bit byte count of a connection (offset, ring index, statistics counter) that wraps at 2³² (or turns negative at 2³¹): every stream shorter than gigabytes is exact",
		Aims:     catches(spec.WrongByte, "E14"),
	}, skeleton(hooks{serve: pipe(pipeOpts{newQueue: func() queue { return newRing(ring32Size, placeCount32) }})}))
}

// placeCount32 is ring-offset-32's place: a correct wrapping copy, at a
// position taken from the bytes pushed so far counted in 32 bits.
func placeCount32(q *ring, b []byte) {
	w := int(uint32(q.pushed) % uint32(len(q.buf))) // BUG: right only while the count has not wrapped at 2³²
	k := copy(q.buf[w:], b)
	copy(q.buf, b[k:])
}
