// SPDX-License-Identifier: BSD-2-Clause

package nvlist

import (
	"bytes"
	"slices"
)

// Equal reports whether a and b have the same flags and the same pairs in
// the same order: same names, types and values, lists compared in depth.
// Bool arrays are compared byte for byte, so a decoded array element that
// is neither 0 nor 1 only equals the same byte. The wire fields that Unpack
// keeps only to write them back (a non-zero item count on a pair that is
// not an array, a non-zero data size on an nvlist array pair) are not
// compared. Two nil lists are equal; a nil list equals no other list.
//
// Equal uses an explicit stack, so any nesting depth is compared.
func Equal(a, b *List) bool {
	if a == nil || b == nil {
		return a == b
	}
	stack := [][2]*List{{a, b}}
	for len(stack) > 0 {
		x, y := stack[len(stack)-1][0], stack[len(stack)-1][1]
		stack = stack[:len(stack)-1]
		if x.flags != y.flags || len(x.pairs) != len(y.pairs) {
			return false
		}
		for i := range x.pairs {
			var ok bool
			if stack, ok = equalPair(x, y, i, stack); !ok {
				return false
			}
		}
	}
	return true
}

// emptyList stands for the elements of an nvlist array that a decoded
// input never reached.
var emptyList = &List{}

// equalPair compares pair i of x and y. It pushes the lists they hold on
// stack instead of comparing them.
func equalPair(x, y *List, i int, stack [][2]*List) ([][2]*List, bool) {
	p, q := &x.pairs[i], &y.pairs[i]
	if p.name != q.name || p.typ != q.typ {
		return stack, false
	}
	switch p.typ {
	case TypeNull:
		return stack, true
	case TypeBool, TypeNumber:
		return stack, p.n == q.n
	case TypeString:
		return stack, p.str() == q.str()
	case TypeBinary, TypeBoolArray:
		return stack, bytes.Equal(p.bytes(), q.bytes())
	case TypeNumberArray:
		return stack, slices.Equal(p.numbers(), q.numbers())
	case TypeStringArray:
		return stack, slices.Equal(p.strings(), q.strings())
	case TypeNVList:
		return append(stack, [2]*List{p.list(), q.list()}), true
	}
	// TypeNVListArray
	ps, qs := p.lists(), q.lists()
	n := uint64(len(ps)) + x.quirk(i, quirkTail)
	if n != uint64(len(qs))+y.quirk(i, quirkTail) {
		return stack, false
	}
	for k := range n {
		e, f := emptyList, emptyList
		if k < uint64(len(ps)) {
			e = ps[k]
		}
		if k < uint64(len(qs)) {
			f = qs[k]
		}
		stack = append(stack, [2]*List{e, f})
	}
	return stack, true
}
