package engine

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkUpper measures the protocol transform every reference engine
// runs on each read, on a realistic mix (half lowercase letters, half any
// byte) and at the sizes engines read: a small message, 1 KiB, the 16 KiB a
// goroutine engine reads at most, and 64 KiB. The "swar" variant is a
// reference 8-bytes-at-a-time transform (upperSWAR below), for comparison.
// Run with
//
//	go test -run '^$' -bench Upper ./servers/engine/
func BenchmarkUpper(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{64, 1 << 10, 16 << 10, 64 << 10} {
		src := make([]byte, size)
		for i := range src {
			if r.IntN(2) == 0 {
				src[i] = byte('a' + r.IntN(26))
			} else {
				src[i] = byte(r.IntN(256))
			}
		}
		buf := make([]byte, size)
		for _, impl := range []struct {
			name string
			f    func([]byte)
		}{{"Upper", Upper}, {"swar", upperSWAR}} {
			b.Run(fmt.Sprintf("%s/%d", impl.name, size), func(b *testing.B) {
				b.SetBytes(int64(size))
				for b.Loop() {
					copy(buf, src) // the transform works in place: same input each time
					impl.f(buf)
				}
			})
		}
	}
}

// TestUpperSWARAgrees keeps the reference honest: it must equal Upper for
// every byte value at every alignment.
func TestUpperSWARAgrees(t *testing.T) {
	all := make([]byte, 256+8)
	for i := range all {
		all[i] = byte(i)
	}
	for start := range 8 {
		a := append([]byte(nil), all[start:]...)
		b := append([]byte(nil), all[start:]...)
		Upper(a)
		upperSWAR(b)
		if string(a) != string(b) {
			t.Fatalf("upperSWAR differs from Upper at alignment %d", start)
		}
	}
}

// upperSWAR is Upper without a branch per byte: for each byte c with
// h = c&0x7f, h+0x1f has its top bit set iff h ≥ 'a' and h+0x05 iff h > 'z',
// without carrying into the next byte; c is lowercase iff the first is set,
// the second is not and c < 0x80, and then its 0x20 bit is cleared.
func upperSWAR(b []byte) {
	const hi, lo7 = 0x8080808080808080, 0x7f7f7f7f7f7f7f7f
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		h := x & lo7
		lower := (h + 0x1f1f1f1f1f1f1f1f) &^ (h + 0x0505050505050505) &^ x & hi
		binary.LittleEndian.PutUint64(b[i:], x^lower>>2)
	}
	Upper(b[i:])
}
