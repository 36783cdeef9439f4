// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refChecksum is the one's complement sum of RFC 1071 taken the slow
// way, 16 bits at a time in network order, with initial (an unfolded
// sum of any size) added after both are folded, so that nothing can
// overflow whatever the length.
func refChecksum(b []byte, initial uint64) uint16 {
	foldRef := func(s uint64) uint64 {
		for s>>16 != 0 {
			s = s>>16 + s&0xffff
		}
		return s
	}
	var s uint64
	for len(b) >= 2 {
		s += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	return uint16(foldRef(foldRef(s) + foldRef(initial)))
}

// TestChecksumEdges compares checksum with the reference where a fast
// sum goes wrong: every byte 0xff (each add carries), lengths past
// 64 KiB and of every residue mod 64, data starting at odd offsets of
// its array (unaligned loads), and initial values up to the largest.
func TestChecksumEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ones := bytes.Repeat([]byte{0xff}, 1<<17+64)
	random := make([]byte, len(ones))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	lengths := []int{0, 1, 2, 3, 7, 8, 9, 63, 64, 65, 1393, 1500, 65535, 65536, 65537, 1<<17 - 1, 1 << 17}
	for n := range 64 {
		lengths = append(lengths, 4096+n)
	}
	initials := []uint64{0, 1, 0xffff, 0x10000, 0xffffffff, 1 << 48, math.MaxUint64 - 1, math.MaxUint64}
	for _, data := range []struct {
		name string
		b    []byte
	}{{"0xff", ones}, {"random", random}} {
		for _, n := range lengths {
			for off := range 3 {
				b := data.b[off : off+n]
				for _, init := range initials {
					if got, want := checksum(b, init), refChecksum(b, init); got != want {
						t.Fatalf("%s, len %d at offset %d, initial %#x: checksum = %#04x, want %#04x",
							data.name, n, off, init, got, want)
					}
				}
			}
		}
	}
}

// FuzzChecksum compares checksum with the reference on any data, start
// offset and initial value.
func FuzzChecksum(f *testing.F) {
	f.Add([]byte{0xff, 0xff, 0xff}, uint8(1), uint64(math.MaxUint64))
	f.Add(bytes.Repeat([]byte{0xff}, 200), uint8(3), uint64(0xffff))
	f.Add([]byte{}, uint8(0), uint64(0))
	f.Fuzz(func(t *testing.T, b []byte, off uint8, init uint64) {
		b = b[min(int(off), len(b)):]
		if got, want := checksum(b, init), refChecksum(b, init); got != want {
			t.Fatalf("len %d, initial %#x: checksum = %#04x, want %#04x", len(b), init, got, want)
		}
	})
}

// refPacketError checks the checksums of pkt, an IPv4 or IPv6 packet
// whose TCP header starts at l4, with refChecksum alone: the IPv4 header
// checksum, and the TCP checksum over the pseudo-header (addresses,
// protocol 6, the TCP length) and pkt[l4:]. It returns what is wrong, or
// nil.
func refPacketError(pkt []byte, l4 int) error {
	var pseudo []byte
	if pkt[0]>>4 == 4 {
		if got := refChecksum(pkt[:l4], 0); got != 0xffff {
			return fmt.Errorf("IPv4 header sums to %#04x", got)
		}
		pseudo = append(pseudo, pkt[12:20]...)
	} else {
		pseudo = append(pseudo, pkt[8:40]...)
	}
	pseudo = append(pseudo, 0, protoTCP)
	pseudo = binary.BigEndian.AppendUint16(pseudo, uint16(len(pkt)-l4))
	if got := refChecksum(pkt[l4:], uint64(refChecksum(pseudo, 0))); got != 0xffff {
		return fmt.Errorf("TCP segment sums to %#04x", got)
	}
	return nil
}
