package faulty

// FAULTY ON PURPOSE: a word-at-a-time uppercase whose tail loop stops one
// byte short.

import (
	"github.com/echospec/echospec/spec"

	"encoding/binary"

	"github.com/echospec/echospec/servers/engine"
)

func init() { register(swarTail) }

func swarTail() Bug {
	return withEngine(Bug{
		Name:     "swar-tail",
		Category: spec.CatPartialWrite,
		Defect:   "uppercases 8 bytes at a time and its tail loop stops one byte short: in a read of 9+ bytes whose length is not a multiple of 8, a final a..z stays lowercase",
		Models:   "an optimised (SWAR/SIMD) transform whose remainder loop has an off-by-one; full 16 KiB reads never reach it, fragmented reads do",
		Aims:     catches(spec.WrongByte, "W1"),
	}, skeleton(hooks{
		transform: func(buf []byte, n int) []byte {
			swarUpper(buf[:n])
			return buf[:n]
		},
	}))
}

// swarUpper uppercases b in place, 8 bytes per step.
func swarUpper(b []byte) {
	if len(b) < 8 {
		engine.Upper(b) // short input: the plain loop
		return
	}
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		x := w &^ high                                 // 7-bit values: no carry between bytes below
		ge := x + (0x80-'a')*ones                      // high bit set where x >= 'a'
		gt := x + (0x80-'z'-1)*ones                    // high bit set where x > 'z'
		m := ge &^ gt &^ w & high                      // a..z, and not a byte >= 0x80
		binary.LittleEndian.PutUint64(b[i:], w^(m>>2)) // clear bit 5: a..z -> A..Z
	}
	for ; i < len(b)-1; i++ { // BUG: should be i < len(b)
		if c := b[i]; c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
}
