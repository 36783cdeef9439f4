// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"encoding/binary"
	"math/bits"
)

// checksum folds the Internet checksum (RFC 1071) of b, the one's
// complement sum of its 16-bit big-endian words, into initial, an
// unfolded sum, without the final complement.
//
// The sum is taken over little-endian 64-bit loads (plain loads on the
// machines Go mostly runs on) with an add-with-carry chain of eight words
// per round: the one's complement sum does not depend on the byte order
// except for a swap of the two bytes of the result (RFC 1071, section
// 2(B)), so the loads need no byte swap, and one swap at the end
// converts. The loads all start at even offsets
// from b, so each 16-bit word keeps its place.
func checksum(b []byte, initial uint64) uint16 {
	var ac, carry uint64
	for len(b) >= 64 {
		ac, carry = bits.Add64(ac, binary.LittleEndian.Uint64(b), 0)
		ac, carry = bits.Add64(ac, binary.LittleEndian.Uint64(b[8:]), carry)
		ac, carry = bits.Add64(ac, binary.LittleEndian.Uint64(b[16:]), carry)
		ac, carry = bits.Add64(ac, binary.LittleEndian.Uint64(b[24:]), carry)
		ac, carry = bits.Add64(ac, binary.LittleEndian.Uint64(b[32:]), carry)
		ac, carry = bits.Add64(ac, binary.LittleEndian.Uint64(b[40:]), carry)
		ac, carry = bits.Add64(ac, binary.LittleEndian.Uint64(b[48:]), carry)
		ac, carry = bits.Add64(ac, binary.LittleEndian.Uint64(b[56:]), carry)
		ac += carry
		b = b[64:]
	}
	// Less than 64 bytes are left: up to three rounds of 16 bytes and
	// one of 8.
	for len(b) >= 16 {
		w := (*[16]byte)(b)
		ac, carry = bits.Add64(ac, binary.LittleEndian.Uint64(w[0:]), 0)
		ac, carry = bits.Add64(ac, binary.LittleEndian.Uint64(w[8:]), carry)
		ac += carry
		b = b[16:]
	}
	if len(b) >= 8 {
		ac, carry = bits.Add64(ac, binary.LittleEndian.Uint64(b), 0)
		ac += carry
		b = b[8:]
	}
	// At most seven bytes are left: add them as one word, in place.
	var tail uint64
	switch {
	case len(b) >= 4:
		tail = uint64(binary.LittleEndian.Uint32(b))
		b = b[4:]
		if len(b) >= 2 {
			tail += uint64(binary.LittleEndian.Uint16(b)) << 32
			b = b[2:]
		}
		if len(b) == 1 {
			tail += uint64(b[0]) << 48
		}
	case len(b) >= 2:
		tail = uint64(binary.LittleEndian.Uint16(b))
		if len(b) == 3 {
			tail += uint64(b[2]) << 16
		}
	case len(b) == 1:
		tail = uint64(b[0])
	}
	ac, carry = bits.Add64(ac, tail, 0)
	ac += carry
	// Fold to 16 bits, swap into network order, then add initial.
	s := bits.ReverseBytes16(fold(ac))
	return fold(uint64(s) + uint64(fold(initial)))
}

// fold folds a 64-bit one's complement sum to 16 bits.
func fold(ac uint64) uint16 {
	ac = (ac >> 32) + (ac & 0xffffffff)
	ac = (ac >> 32) + (ac & 0xffffffff)
	ac = (ac >> 16) + (ac & 0xffff)
	ac = (ac >> 16) + (ac & 0xffff)
	return uint16(ac)
}
