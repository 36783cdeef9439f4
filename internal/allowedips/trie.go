// SPDX-License-Identifier: BSD-2-Clause

package allowedips

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// key is an address as a 128-bit big-endian number. IPv4 addresses use
// the top 32 bits of hi; the rest is zero.
type key struct {
	hi, lo uint64
}

// keyOf returns the key of addr and whether addr is IPv6. The second
// result is meaningless when addr is invalid (the zero Addr).
func keyOf(addr netip.Addr) (key, bool) {
	if addr.Is4() {
		a := addr.As4()
		return key{hi: uint64(binary.BigEndian.Uint32(a[:])) << 32}, false
	}
	a := addr.As16()
	return key{hi: binary.BigEndian.Uint64(a[:8]), lo: binary.BigEndian.Uint64(a[8:])}, true
}

// addr converts k back to an address of the given family.
func (k key) addr(v6 bool) netip.Addr {
	if !v6 {
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], uint32(k.hi>>32))
		return netip.AddrFrom4(a)
	}
	var a [16]byte
	binary.BigEndian.PutUint64(a[:8], k.hi)
	binary.BigEndian.PutUint64(a[8:], k.lo)
	return netip.AddrFrom16(a)
}

// bit returns bit i of k, counting from the most significant bit. Bit 128
// reads as one of the low bits; only /128 nodes ask for it, and they never
// have children.
func (k key) bit(i uint) uint {
	if i < 64 {
		return uint(k.hi>>(63-i)) & 1
	}
	return uint(k.lo>>((127-i)&63)) & 1
}

// masked returns k with every bit from position n on cleared.
func (k key) masked(n uint) key {
	if n <= 64 {
		return key{hi: k.hi & (^uint64(0) << (64 - n))}
	}
	return key{hi: k.hi, lo: k.lo & (^uint64(0) << (128 - n))}
}

// commonBits returns the length of the longest common prefix of a and b
// (128 when they are equal).
func commonBits(a, b key) uint {
	if x := a.hi ^ b.hi; x != 0 {
		return uint(bits.LeadingZeros64(x))
	}
	return 64 + uint(bits.LeadingZeros64(a.lo^b.lo))
}

// node is one node of a path-compressed binary trie. A published node is
// never modified: writers replace it with a copy (see Table.writable).
type node[P comparable] struct {
	// key is the node's prefix, masked to bits.
	key key
	// child[b] holds the prefixes longer than bits whose next bit is b.
	child [2]*node[P]
	// e is the table entry for exactly this prefix, or nil when the node
	// only joins two subtrees.
	e *entry[P]
	// peer is the owner, copied from e so that readers never touch e.
	peer P
	// gen is the generation that created the node; until the table
	// publishes it, nobody else can see the node.
	gen uint64
	// bits is the prefix length.
	bits uint8
}

// covers reports whether k lies under n's prefix.
func (n *node[P]) covers(k key) bool {
	return commonBits(n.key, k) >= uint(n.bits)
}

// lookup returns the owner of the longest prefix under root that covers k.
func lookup[P comparable](n *node[P], k key) (peer P, ok bool) {
	var best *node[P]
	for n != nil && n.covers(k) {
		if n.e != nil {
			best = n
		}
		n = n.child[k.bit(uint(n.bits))]
	}
	if best == nil {
		return peer, false
	}
	return best.peer, true
}

// find returns the node holding exactly the prefix k/bits (k masked), or
// nil. The node may be a branch node without an entry.
func find[P comparable](n *node[P], k key, bits uint8) *node[P] {
	for n != nil && n.bits <= bits && n.covers(k) {
		if n.bits == bits {
			return n
		}
		n = n.child[k.bit(uint(n.bits))]
	}
	return nil
}

// newNode returns a node of the current generation.
func (t *Table[P]) newNode(k key, bits uint8, e *entry[P], peer P) *node[P] {
	return &node[P]{key: k, bits: bits, e: e, peer: peer, gen: t.gen}
}

// writable returns n itself if the current generation created it, and a
// copy owned by the current generation otherwise.
func (t *Table[P]) writable(n *node[P]) *node[P] {
	if n.gen == t.gen {
		return n
	}
	c := *n
	c.gen = t.gen
	return &c
}

// insert returns the trie rooted at n with the prefix k/bits (k masked)
// owned by peer through entry e. If the prefix has a node already, the
// node takes e and peer; otherwise a node is added, under a new branch
// node if it shares only part of its path with an existing node.
func (t *Table[P]) insert(n *node[P], k key, bits uint8, e *entry[P], peer P) *node[P] {
	if n == nil {
		return t.newNode(k, bits, e, peer)
	}
	common := min(commonBits(n.key, k), uint(n.bits), uint(bits))
	switch {
	case common == uint(n.bits) && n.bits == bits:
		n = t.writable(n)
		n.e, n.peer = e, peer
		return n
	case common == uint(n.bits):
		d := k.bit(common)
		c := t.insert(n.child[d], k, bits, e, peer)
		if c != n.child[d] {
			n = t.writable(n)
			n.child[d] = c
		}
		return n
	case common == uint(bits):
		m := t.newNode(k, bits, e, peer)
		m.child[n.key.bit(common)] = n
		return m
	default:
		var none P
		b := t.newNode(k.masked(common), uint8(common), nil, none)
		b.child[k.bit(common)] = t.newNode(k, bits, e, peer)
		b.child[n.key.bit(common)] = n
		return b
	}
}

// remove returns the trie rooted at n without the entry at k/bits, which
// must be present. A node left without an entry and with fewer than two
// children is replaced by its remaining child, so every branch node keeps
// exactly two.
func (t *Table[P]) remove(n *node[P], k key, bits uint8) *node[P] {
	if n.bits == bits {
		switch {
		case n.child[0] != nil && n.child[1] != nil:
			var none P
			n = t.writable(n)
			n.e, n.peer = nil, none
			return n
		case n.child[0] != nil:
			return n.child[0]
		default:
			return n.child[1]
		}
	}
	d := k.bit(uint(n.bits))
	c := t.remove(n.child[d], k, bits)
	switch {
	case c == nil && n.e == nil:
		return n.child[1-d]
	case c == n.child[d]:
		return n
	}
	n = t.writable(n)
	n.child[d] = c
	return n
}
