// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

var checksumSink uint16

// BenchmarkChecksum sums a TCP packet's worth of bytes at the sizes the
// offload code meets: a segment cut at MTU 1420, a jumbo packet and a
// whole 64 KiB TSO segment.
func BenchmarkChecksum(b *testing.B) {
	for _, n := range []int{1400, 8980, 65000} {
		buf := make([]byte, n)
		rng := rand.New(rand.NewPCG(3, 4))
		for i := range buf {
			buf[i] = byte(rng.Uint32())
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				checksumSink = checksum(buf, 0x1234)
			}
		})
	}
}
