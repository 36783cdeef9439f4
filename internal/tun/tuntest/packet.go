// SPDX-License-Identifier: BSD-2-Clause

package tuntest

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

const (
	ipv4HeaderLen = 20
	ipv6HeaderLen = 40
	udpHeaderLen  = 8
	protoUDP      = 17
	defaultTTL    = 64
)

// ErrNotUDP is returned by ParseUDP for a packet that is not a well-formed
// UDP packet over IPv4 or IPv6 with correct checksums.
var ErrNotUDP = errors.New("tuntest: not a valid UDP packet")

// UDP builds an IPv4 or IPv6 packet carrying a UDP datagram from src to
// dst, with every checksum filled in. src and dst must both be IPv4 or
// both IPv6.
func UDP(src, dst netip.AddrPort, payload []byte) []byte {
	if src.Addr().Is4() {
		return udp4(src, dst, payload)
	}
	return udp6(src, dst, payload)
}

func udp4(src, dst netip.AddrPort, payload []byte) []byte {
	total := ipv4HeaderLen + udpHeaderLen + len(payload)
	p := make([]byte, total)
	p[0] = 0x45 // version 4, 5 words of header
	binary.BigEndian.PutUint16(p[2:], uint16(total))
	p[8] = defaultTTL
	p[9] = protoUDP
	s, d := src.Addr().As4(), dst.Addr().As4()
	copy(p[12:], s[:])
	copy(p[16:], d[:])
	binary.BigEndian.PutUint16(p[10:], ^fold(sum(p[:ipv4HeaderLen], 0)))
	putUDP(p[ipv4HeaderLen:], src.Port(), dst.Port(), payload, pseudoSum(s[:], d[:], total-ipv4HeaderLen))
	return p
}

func udp6(src, dst netip.AddrPort, payload []byte) []byte {
	ulen := udpHeaderLen + len(payload)
	p := make([]byte, ipv6HeaderLen+ulen)
	p[0] = 0x60 // version 6
	binary.BigEndian.PutUint16(p[4:], uint16(ulen))
	p[6] = protoUDP
	p[7] = defaultTTL
	s, d := src.Addr().As16(), dst.Addr().As16()
	copy(p[8:], s[:])
	copy(p[24:], d[:])
	putUDP(p[ipv6HeaderLen:], src.Port(), dst.Port(), payload, pseudoSum(s[:], d[:], ulen))
	return p
}

// putUDP writes the UDP header and payload into u and sets the checksum,
// given the sum of the pseudo-header.
func putUDP(u []byte, sport, dport uint16, payload []byte, pseudo uint32) {
	binary.BigEndian.PutUint16(u[0:], sport)
	binary.BigEndian.PutUint16(u[2:], dport)
	binary.BigEndian.PutUint16(u[4:], uint16(len(u)))
	copy(u[udpHeaderLen:], payload)
	c := ^fold(sum(u, pseudo))
	if c == 0 {
		c = 0xffff // zero means "no checksum" in UDP over IPv4
	}
	binary.BigEndian.PutUint16(u[6:], c)
}

// ParseUDP returns the addresses and payload of a UDP packet over IPv4 or
// IPv6, after checking its lengths and checksums. IPv6 extension headers
// and IPv4 fragments are not supported.
func ParseUDP(p []byte) (src, dst netip.AddrPort, payload []byte, err error) {
	var sa, da netip.Addr
	var u []byte
	var pseudo uint32
	switch {
	case len(p) >= ipv4HeaderLen && p[0] == 0x45:
		if int(binary.BigEndian.Uint16(p[2:])) != len(p) || p[9] != protoUDP ||
			fold(sum(p[:ipv4HeaderLen], 0)) != 0xffff || binary.BigEndian.Uint16(p[6:])&0x3fff != 0 {
			return src, dst, nil, ErrNotUDP
		}
		sa, da = netip.AddrFrom4([4]byte(p[12:16])), netip.AddrFrom4([4]byte(p[16:20]))
		u = p[ipv4HeaderLen:]
		pseudo = pseudoSum(p[12:16], p[16:20], len(u))
	case len(p) >= ipv6HeaderLen && p[0]>>4 == 6:
		if int(binary.BigEndian.Uint16(p[4:]))+ipv6HeaderLen != len(p) || p[6] != protoUDP {
			return src, dst, nil, ErrNotUDP
		}
		sa, da = netip.AddrFrom16([16]byte(p[8:24])), netip.AddrFrom16([16]byte(p[24:40]))
		u = p[ipv6HeaderLen:]
		pseudo = pseudoSum(p[8:24], p[24:40], len(u))
	default:
		return src, dst, nil, ErrNotUDP
	}
	if len(u) < udpHeaderLen || int(binary.BigEndian.Uint16(u[4:])) != len(u) ||
		(binary.BigEndian.Uint16(u[6:]) != 0 && fold(sum(u, pseudo)) != 0xffff) {
		return src, dst, nil, ErrNotUDP
	}
	src = netip.AddrPortFrom(sa, binary.BigEndian.Uint16(u[0:]))
	dst = netip.AddrPortFrom(da, binary.BigEndian.Uint16(u[2:]))
	return src, dst, u[udpHeaderLen:], nil
}

// pseudoSum is the one's-complement sum of the UDP pseudo-header.
func pseudoSum(src, dst []byte, length int) uint32 {
	s := sum(src, 0)
	s = sum(dst, s)
	return s + protoUDP + uint32(length)
}

// sum adds b to s as big-endian 16-bit words, without folding.
func sum(b []byte, s uint32) uint32 {
	for len(b) >= 2 {
		s += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

// fold folds a sum into 16 bits.
func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}
