// SPDX-License-Identifier: BSD-2-Clause

package allowedips

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
)

// ErrInvalidPrefix is returned, wrapped, by Insert for a prefix that is
// not a valid IPv4 or IPv6 prefix (for example the zero netip.Prefix).
var ErrInvalidPrefix = errors.New("invalid prefix")

// Table maps IPv4 and IPv6 prefixes to peers of type P with
// longest-prefix-match lookup and if_wg's ownership rules. See the package
// documentation for the semantics and the concurrency model.
type Table[P comparable] struct {
	// v4 and v6 are the published roots, read without a lock.
	v4, v6 atomic.Pointer[node[P]]

	// mu serialises writers and guards the fields below.
	mu sync.Mutex
	// gen numbers write operations; see Table.writable.
	gen uint64
	// heads maps each peer with entries to the newest of them.
	heads map[P]*entry[P]
	// n counts entries in both families.
	n int
}

// Lookup returns the peer owning the longest prefix that contains addr,
// and whether there is one. IPv4-mapped IPv6 addresses are looked up as
// IPv6. Lookup does not lock and does not allocate.
func (t *Table[P]) Lookup(addr netip.Addr) (peer P, ok bool) {
	if !addr.IsValid() {
		return peer, false
	}
	k, v6 := keyOf(addr)
	return lookup(t.root(v6).Load(), k)
}

// Insert adds prefix, with its host bits cleared, for peer. If another
// peer owns the prefix, it is moved to peer. An added or moved prefix
// becomes the first of peer's entries; a prefix peer already owns is left
// unchanged. Insert fails only for an invalid prefix.
func (t *Table[P]) Insert(prefix netip.Prefix, peer P) error {
	if !prefix.IsValid() {
		return fmt.Errorf("allowedips: insert %v: %w", prefix, ErrInvalidPrefix)
	}
	k, v6, bits := split(prefix)
	t.mu.Lock()
	defer t.mu.Unlock()
	root := t.root(v6)
	n := find(root.Load(), k, bits)
	var e *entry[P]
	switch {
	case n != nil && n.e != nil && n.e.peer == peer:
		return nil
	case n != nil && n.e != nil:
		e = n.e
		t.unlink(e)
		e.peer = peer
	default:
		e = &entry[P]{key: k, bits: bits, v6: v6, peer: peer}
		t.n++
	}
	t.link(e)
	t.gen++
	root.Store(t.insert(root.Load(), k, bits, e, peer))
	return nil
}

// Remove removes prefix, with its host bits cleared, if it is in the table
// and belongs to peer, and reports whether it did. A missing prefix, one
// owned by another peer, or an invalid prefix is left alone.
func (t *Table[P]) Remove(prefix netip.Prefix, peer P) bool {
	if !prefix.IsValid() {
		return false
	}
	k, v6, bits := split(prefix)
	t.mu.Lock()
	defer t.mu.Unlock()
	root := t.root(v6)
	n := find(root.Load(), k, bits)
	if n == nil || n.e == nil || n.e.peer != peer {
		return false
	}
	t.unlink(n.e)
	t.n--
	t.gen++
	root.Store(t.remove(root.Load(), k, bits))
	return true
}

// RemoveByPeer removes every prefix of peer and returns how many there
// were. Each family's trie is published once, after all its removals.
func (t *Table[P]) RemoveByPeer(peer P) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.heads[peer]
	if e == nil {
		return 0
	}
	t.gen++
	r4, r6 := t.v4.Load(), t.v6.Load()
	removed := 0
	for ; e != nil; e = e.next {
		if e.v6 {
			r6 = t.remove(r6, e.key, e.bits)
		} else {
			r4 = t.remove(r4, e.key, e.bits)
		}
		removed++
	}
	t.v4.Store(r4)
	t.v6.Store(r6)
	delete(t.heads, peer)
	t.n -= removed
	return removed
}

// EntriesForPeer returns peer's prefixes, masked, most recently added or
// moved first. It returns nil if peer has none.
func (t *Table[P]) EntriesForPeer(peer P) []netip.Prefix {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []netip.Prefix
	for e := t.heads[peer]; e != nil; e = e.next {
		out = append(out, e.prefix())
	}
	return out
}

// Len returns the number of prefixes in the table, both families.
func (t *Table[P]) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// root returns the root pointer of the given family.
func (t *Table[P]) root(v6 bool) *atomic.Pointer[node[P]] {
	if v6 {
		return &t.v6
	}
	return &t.v4
}

// split returns the masked key, family and length of a valid prefix.
func split(prefix netip.Prefix) (key, bool, uint8) {
	bits := prefix.Bits()
	k, v6 := keyOf(prefix.Addr())
	return k.masked(uint(bits)), v6, uint8(bits)
}

// entry is one prefix in the table: what the kernel calls a wg_aip. It
// lives on its owner's list, newest first, and is referenced by the trie
// node of its prefix. Only writers touch it.
type entry[P comparable] struct {
	key  key
	bits uint8
	v6   bool
	peer P
	prev *entry[P]
	next *entry[P]
}

// prefix returns the masked prefix of e.
func (e *entry[P]) prefix() netip.Prefix {
	return netip.PrefixFrom(e.key.addr(e.v6), int(e.bits))
}

// link puts e at the head of the list of e.peer.
func (t *Table[P]) link(e *entry[P]) {
	if t.heads == nil {
		t.heads = make(map[P]*entry[P])
	}
	head := t.heads[e.peer]
	e.prev, e.next = nil, head
	if head != nil {
		head.prev = e
	}
	t.heads[e.peer] = e
}

// unlink takes e off the list of e.peer, forgetting the list when it
// becomes empty.
func (t *Table[P]) unlink(e *entry[P]) {
	if e.prev != nil {
		e.prev.next = e.next
	} else if e.next != nil {
		t.heads[e.peer] = e.next
	} else {
		delete(t.heads, e.peer)
	}
	if e.next != nil {
		e.next.prev = e.prev
	}
	e.prev, e.next = nil, nil
}
