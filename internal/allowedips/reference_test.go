// SPDX-License-Identifier: BSD-2-Clause

package allowedips

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// refEntry is one prefix of the reference table.
type refEntry struct {
	prefix netip.Prefix
	peer   int
	stamp  int // when it was last added or moved
}

// refTable is the obvious, slow model of the semantics: a list scanned
// linearly, with an ordering stamp for the per-peer lists.
type refTable struct {
	entries []refEntry
	clock   int
}

func (r *refTable) index(p netip.Prefix) int {
	return slices.IndexFunc(r.entries, func(e refEntry) bool { return e.prefix == p })
}

func (r *refTable) insert(p netip.Prefix, peer int) {
	p = p.Masked()
	r.clock++
	switch i := r.index(p); {
	case i < 0:
		r.entries = append(r.entries, refEntry{p, peer, r.clock})
	case r.entries[i].peer != peer:
		r.entries[i].peer, r.entries[i].stamp = peer, r.clock
	}
}

func (r *refTable) remove(p netip.Prefix, peer int) bool {
	i := r.index(p.Masked())
	if i < 0 || r.entries[i].peer != peer {
		return false
	}
	r.entries = slices.Delete(r.entries, i, i+1)
	return true
}

func (r *refTable) removeByPeer(peer int) int {
	n := len(r.entries)
	r.entries = slices.DeleteFunc(r.entries, func(e refEntry) bool { return e.peer == peer })
	return n - len(r.entries)
}

func (r *refTable) lookup(a netip.Addr) (int, bool) {
	best := -1
	for i, e := range r.entries {
		if e.prefix.Contains(a) && (best < 0 || e.prefix.Bits() > r.entries[best].prefix.Bits()) {
			best = i
		}
	}
	if best < 0 {
		return 0, false
	}
	return r.entries[best].peer, true
}

func (r *refTable) entriesFor(peer int) []netip.Prefix {
	var es []refEntry
	for _, e := range r.entries {
		if e.peer == peer {
			es = append(es, e)
		}
	}
	slices.SortFunc(es, func(a, b refEntry) int { return b.stamp - a.stamp })
	var out []netip.Prefix
	for _, e := range es {
		out = append(out, e.prefix)
	}
	return out
}

// Addresses are built from a few bases with two bits flipped, so that
// random prefixes nest, share paths and collide often. The IPv6 bases
// include an IPv4-mapped one with the same low bits as an IPv4 base.
var (
	bases4 = [4]netip.Addr{
		netip.MustParseAddr("10.0.0.0"), netip.MustParseAddr("10.1.2.3"),
		netip.MustParseAddr("192.168.0.0"), netip.MustParseAddr("0.0.0.0"),
	}
	bases6 = [4]netip.Addr{
		netip.MustParseAddr("2001:db8::"), netip.MustParseAddr("2001:db8:0:1::1"),
		netip.MustParseAddr("::ffff:10.0.0.0"), netip.MustParseAddr("fe80::1"),
	}
)

// Bit positions to flip and prefix lengths are drawn mostly from short
// lists around byte and word boundaries, so that the same prefixes come
// back often enough for moves and removals to hit.
var (
	flips4   = [8]int{0, 1, 7, 8, 15, 23, 30, 31}
	flips6   = [8]int{0, 1, 63, 64, 95, 96, 126, 127}
	lengths4 = [8]int{0, 1, 7, 8, 9, 16, 31, 32}
	lengths6 = [8]int{0, 1, 63, 64, 65, 96, 127, 128}
)

// genAddr derives an address from the low 9 bits of e: a family bit, a
// base and two bit positions to flip.
func genAddr(e uint32) netip.Addr {
	v6 := e&1 == 1
	base, flips := bases4[e>>1&3], flips4
	if v6 {
		base, flips = bases6[e>>1&3], flips6
	}
	b := base.AsSlice()
	for _, p := range []int{flips[e>>3&7], flips[e>>6&7]} {
		b[p/8] ^= 0x80 >> (p % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// genPrefix derives a prefix (host bits possibly set) from e: an address
// as genAddr does and a length, usually from the short list and
// sometimes any length.
func genPrefix(e uint32) netip.Prefix {
	a := genAddr(e)
	lengths := lengths4
	if a.Is6() {
		lengths = lengths6
	}
	bits := lengths[e>>9&7]
	if e>>12&3 == 0 {
		bits = int(e>>16) % (a.BitLen() + 1)
	}
	return netip.PrefixFrom(a, bits)
}

const refPeers = 4

// differ applies one operation to both tables and reports a mismatch.
func differ(t *testing.T, tb *Table[int], ref *refTable, op uint8, e uint32) {
	t.Helper()
	peer := int(op>>3) % refPeers
	switch op & 7 {
	case 0, 1, 2:
		p := genPrefix(e)
		if err := tb.Insert(p, peer); err != nil {
			t.Fatalf("Insert(%v, %d): %v", p, peer, err)
		}
		ref.insert(p, peer)
	case 3, 7:
		p := genPrefix(e)
		if got, want := tb.Remove(p, peer), ref.remove(p, peer); got != want {
			t.Fatalf("Remove(%v, %d) = %v, want %v", p, peer, got, want)
		}
	case 6:
		if op>>5 == 0 { // keep whole-peer removal rare
			if got, want := tb.RemoveByPeer(peer), ref.removeByPeer(peer); got != want {
				t.Fatalf("RemoveByPeer(%d) = %d, want %d", peer, got, want)
			}
		}
	default:
		a := genAddr(e)
		gp, gok := tb.Lookup(a)
		wp, wok := ref.lookup(a)
		if gok != wok || gp != wp {
			t.Fatalf("Lookup(%v) = %d, %v, want %d, %v", a, gp, gok, wp, wok)
		}
	}
	if tb.Len() != len(ref.entries) {
		t.Fatalf("Len = %d, want %d", tb.Len(), len(ref.entries))
	}
}

// compareAll checks every peer's list and the trie invariants.
func compareAll(t *testing.T, tb *Table[int], ref *refTable) {
	t.Helper()
	for p := range refPeers {
		if got, want := tb.EntriesForPeer(p), ref.entriesFor(p); !slices.Equal(got, want) {
			t.Fatalf("EntriesForPeer(%d) = %v, want %v", p, got, want)
		}
	}
	checkInvariants(t, tb)
}

func TestDifferentialRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for round := 0; round < 30; round++ {
		var tb Table[int]
		var ref refTable
		for i := 0; i < 3000; i++ {
			differ(t, &tb, &ref, uint8(rng.Uint32()), rng.Uint32())
			if i%97 == 0 {
				compareAll(t, &tb, &ref)
			}
		}
		compareAll(t, &tb, &ref)
	}
}

// FuzzTable drives a Table and the reference with the same operations,
// five bytes each: an operation byte (kind in the low three bits, peer
// above) and 32 bits from which the prefix or address is derived.
func FuzzTable(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 2, 3, 4, 0x10, 1, 2, 3, 4, 4, 1, 2, 3, 4, 2, 1, 2, 3, 4})
	f.Add([]byte{1, 0xff, 0, 0, 0x80, 0x11, 0xfe, 0, 0, 0x80, 3, 0, 0, 0, 0, 5, 0xff, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var tb Table[int]
		var ref refTable
		for len(data) >= 5 {
			differ(t, &tb, &ref, data[0], binary.LittleEndian.Uint32(data[1:5]))
			data = data[5:]
		}
		compareAll(t, &tb, &ref)
	})
}

// checkInvariants verifies the shape of both tries and their agreement
// with the per-peer lists.
func checkInvariants[P comparable](t *testing.T, tb *Table[P]) {
	t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	seen := map[*entry[P]]bool{}
	for v6, root := range map[bool]*node[P]{false: tb.v4.Load(), true: tb.v6.Load()} {
		if msg := walkCheck(root, nil, 0, v6, seen); msg != "" {
			t.Fatalf("trie (v6 %v): %s", v6, msg)
		}
	}
	listed := 0
	for peer, head := range tb.heads {
		if head == nil || head.prev != nil {
			t.Fatalf("bad list head for %v", peer)
		}
		for e := head; e != nil; e = e.next {
			listed++
			if e.peer != peer || !seen[e] || (e.next != nil && e.next.prev != e) {
				t.Fatalf("bad list entry %v for %v", e.prefix(), peer)
			}
		}
	}
	if listed != len(seen) || listed != tb.n {
		t.Fatalf("%d listed, %d in tries, n = %d", listed, len(seen), tb.n)
	}
}

func walkCheck[P comparable](n, parent *node[P], side uint, v6 bool, seen map[*entry[P]]bool) string {
	if n == nil {
		return ""
	}
	if n.key.masked(uint(n.bits)) != n.key {
		return "unmasked key"
	}
	if parent != nil && (n.bits <= parent.bits || !parent.covers(n.key) || n.key.bit(uint(parent.bits)) != side) {
		return "child not under its parent"
	}
	if n.e == nil && (n.child[0] == nil || n.child[1] == nil) {
		return "branch node without two children"
	}
	if n.e != nil {
		if n.e.key != n.key || n.e.bits != n.bits || n.e.v6 != v6 || n.e.peer != n.peer {
			return "entry disagrees with its node"
		}
		seen[n.e] = true
	}
	for d := range uint(2) {
		if msg := walkCheck(n.child[d], n, d, v6, seen); msg != "" {
			return msg
		}
	}
	return ""
}
