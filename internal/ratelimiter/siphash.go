// SPDX-License-Identifier: BSD-2-Clause

package ratelimiter

import "math/bits"

// SipHash initialisation constants ("somepseudorandomlygeneratedbytes").
const (
	sipInit0 = 0x736f6d6570736575
	sipInit1 = 0x646f72616e646f6d
	sipInit2 = 0x6c7967656e657261
	sipInit3 = 0x7465646279746573
)

// sipState is the four-word SipHash state.
type sipState struct {
	v0, v1, v2, v3 uint64
}

// round is one SipRound.
func (s *sipState) round() {
	s.v0 += s.v1
	s.v1 = bits.RotateLeft64(s.v1, 13) ^ s.v0
	s.v0 = bits.RotateLeft64(s.v0, 32)
	s.v2 += s.v3
	s.v3 = bits.RotateLeft64(s.v3, 16) ^ s.v2
	s.v0 += s.v3
	s.v3 = bits.RotateLeft64(s.v3, 21) ^ s.v0
	s.v2 += s.v1
	s.v1 = bits.RotateLeft64(s.v1, 17) ^ s.v2
	s.v2 = bits.RotateLeft64(s.v2, 32)
}

// compress absorbs one 64-bit little-endian message word with one
// compression round (the "1" of SipHash-1-3).
func (s *sipState) compress(m uint64) {
	s.v3 ^= m
	s.round()
	s.v0 ^= m
}

// sum13 returns SipHash-1-3 under the key (k0, k1), both read as
// little-endian words, of an n-byte message, n ≤ 8, whose bytes are those
// of m in little-endian order. It is the kernel's siphash13 restricted to
// the two message sizes the limiter hashes.
func sum13(k0, k1, m uint64, n int) uint64 {
	s := sipState{k0 ^ sipInit0, k1 ^ sipInit1, k0 ^ sipInit2, k1 ^ sipInit3}
	last := uint64(n) << 56
	if n == 8 {
		s.compress(m)
	} else {
		last |= m
	}
	s.compress(last)
	s.v2 ^= 0xff
	s.round()
	s.round()
	s.round()
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3
}
