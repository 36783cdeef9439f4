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
	// w4 and w6 are the writers' roots: the published ones, or newer
	// ones while publication is held back (see Hold).
	w4, w6 *node[P]
	// gen numbers publications: a node whose gen is the current one
	// has not been published yet; see Table.writable.
	gen uint64
	// held counts the Hold calls not yet matched by Release.
	held int
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
	root := t.work(v6)
	n := find(*root, k, bits)
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
	*root = t.insert(*root, k, bits, e, peer)
	t.publish()
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
	root := t.work(v6)
	n := find(*root, k, bits)
	if n == nil || n.e == nil || n.e.peer != peer {
		return false
	}
	t.unlink(n.e)
	t.n--
	*root = t.remove(*root, k, bits)
	t.publish()
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
	removed := 0
	for ; e != nil; e = e.next {
		root := t.work(e.v6)
		*root = t.remove(*root, e.key, e.bits)
		removed++
	}
	delete(t.heads, peer)
	t.n -= removed
	t.publish()
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

// Hold holds back publication until the matching Release: Lookup keeps
// seeing the table as it was, while writes take effect for the writers'
// side (Insert, Remove, EntriesForPeer, Len) at once. Release publishes
// all of them together, so a batch of writes copies each node of the
// tries at most once instead of once per write: loading n prefixes costs
// O(n) allocations rather than O(n log n). Holds nest.
func (t *Table[P]) Hold() {
	t.mu.Lock()
	t.held++
	t.mu.Unlock()
}

// Release ends a Hold; the last one publishes the writes made since the
// first.
func (t *Table[P]) Release() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.held == 0 {
		panic("allowedips: Release without Hold")
	}
	t.held--
	t.publish()
}

// root returns the published root pointer of the given family.
func (t *Table[P]) root(v6 bool) *atomic.Pointer[node[P]] {
	if v6 {
		return &t.v6
	}
	return &t.v4
}

// work returns the writers' root of the given family.
func (t *Table[P]) work(v6 bool) **node[P] {
	if v6 {
		return &t.w6
	}
	return &t.w4
}

// publish makes the writers' roots the published ones unless a Hold is
// in force, and starts a new generation: the nodes published become
// immutable.
func (t *Table[P]) publish() {
	if t.held > 0 {
		return
	}
	if t.v4.Load() != t.w4 {
		t.v4.Store(t.w4)
	}
	if t.v6.Load() != t.w6 {
		t.v6.Store(t.w6)
	}
	t.gen++
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
