// SPDX-License-Identifier: BSD-2-Clause

package nvlist

// arena provides the memory of the lists Unpack decodes: a few large
// allocations instead of one per list and per pair, sized from the input
// left to decode.
type arena struct {
	text   []byte  // free part of the current chunk of names and values
	chunk  []pair  // pairs: the current chunk
	used   int     // pairs: slots of chunk in use
	lists  []List  // free lists of the current chunk
	ptrs   []*List // free element pointers of the current chunk
	budget int     // array element pointers that may still be allocated ahead
}

// region is where the pairs of one list being decoded are:
// base[start:start+n]. A region either sits in a chunk shared with the
// other lists, or, once it had to move, has its own slice (own), grown by
// append.
type region struct {
	base  []pair
	start int
	n     int
	own   bool
}

func (r *region) slice() []pair {
	return r.base[r.start : r.start+r.n : r.start+r.n]
}

// push appends p to r; left is the number of input bytes left to decode.
//
// Pairs are written in place at the end of the used part of the current
// chunk, so most lists are never copied. A list that gets another pair
// after a nested list's pairs were written behind its own moves to a slice
// of its own, which then grows as append grows it: every list is copied a
// bounded number of times in total, whatever the input.
func (a *arena) push(r *region, p *pair, left int) {
	switch {
	case r.own:
		r.base = append(r.base, *p)
	case r.n == 0:
		if a.used == len(a.chunk) {
			a.grow(0, left)
		}
		r.base, r.start = a.chunk, a.used
	case &r.base[0] != &a.chunk[0] || r.start+r.n != a.used:
		own := make([]pair, r.n, 2*r.n+1)
		copy(own, r.slice())
		r.base, r.start, r.own = append(own, *p), 0, true
	case a.used == len(a.chunk):
		old := r.slice()
		a.grow(r.n, left)
		copy(a.chunk, old)
		r.base, r.start, a.used = a.chunk, 0, r.n
	}
	if !r.own {
		a.chunk[a.used] = *p
		a.used++
	}
	r.n++
}

// grow starts a new chunk, with room for a list of n pairs to double.
func (a *arena) grow(n, left int) {
	// An average pair takes well over 48 bytes of input.
	a.chunk = make([]pair, 2*n+1+min(left/48, 4096))
	a.used = 0
}

// newList returns a new list with the public part of flags. left is the
// number of input bytes left to decode.
func (a *arena) newList(flags uint8, left int) *List {
	if len(a.lists) == 0 {
		a.lists = make([]List, 1+min(left/192, 4096))
	}
	l := &a.lists[0]
	a.lists = a.lists[1:]
	*l = List{flags: flags & flagPublicMask, owned: true}
	return l
}

// listPointers returns an empty slice with room for n element pointers.
func (a *arena) listPointers(n, left int) []*List {
	if n == 0 {
		return nil
	}
	if len(a.ptrs) < n {
		a.ptrs = make([]*List, n+min(left/192, 4096))
	}
	s := a.ptrs[:0:n]
	a.ptrs = a.ptrs[n:]
	return s
}

// keep returns a copy of b, which must not be empty, in the arena's text.
// Decoded lists refer to these copies, not to the input.
func (a *arena) keep(b []byte, left int) []byte {
	if len(a.text) < len(b) {
		// Names and values are usually well under half of the input.
		a.text = make([]byte, max(len(b), min(left/2, 64<<10)))
	}
	n := copy(a.text, b)
	k := a.text[:n:n]
	a.text = a.text[n:]
	return k
}
