// SPDX-License-Identifier: BSD-2-Clause

package nvlist

import (
	"iter"
	"syscall"
	"unsafe"
)

// List is an ordered list of named, typed pairs: the Go form of a libnv
// nvlist_t. Pairs keep their insertion order (or their order on the wire),
// which is the order Pack writes them in.
//
// The zero value is not usable; create lists with New, NewWithFlags or
// Unpack. A List is not safe for concurrent use when one of the goroutines
// modifies it; concurrent lookups, iteration and Pack are safe.
//
// The Add methods append a pair. They follow libnv's nvlist_add_* and
// nvlist_move_* functions: on a list whose sticky error is set (see Err)
// they do nothing; otherwise an invalid value, an invalid name or a
// duplicate name adds nothing and sets the error. A name must be at most
// MaxNameLen bytes (else ENAMETOOLONG) and must not contain a NUL byte
// (EINVAL); the empty name is valid. Unless the list has FlagNoUnique, the
// name must not already be used by a pair of any type, compared ignoring
// ASCII case with FlagIgnoreCase (else EEXIST).
type List struct {
	pairs []pair
	ext   *listExt // nil for most lists
	flags uint8    // public flags
	owned bool     // the list is the value of a pair of another list
}

// listExt holds what only some lists need, so that List stays small.
type listExt struct {
	err    *Error         // first failed Add call
	index  map[string]int // name (folded under FlagIgnoreCase) -> pair index, for big unique lists
	quirks []quirk        // wire fields preserved from Unpack
}

// indexThreshold is the number of pairs from which a list without
// FlagNoUnique keeps a map from name to pair, instead of scanning its pairs
// for lookups and the duplicate check.
const indexThreshold = 16

// pair is one pair of a List. Its value is a small tagged union, to keep
// the memory of a decoded list close to the size of its packed form:
//
//	TypeNull                     no value
//	TypeBool, TypeNumber         n is the value (0 or 1 for a bool)
//	TypeString                   ptr/n: the bytes, without the NUL
//	TypeBinary, TypeBoolArray    ptr/n: the bytes (one byte per bool)
//	TypeNumberArray              ptr/n: []uint64
//	TypeStringArray              ptr/n: []string
//	TypeNVList                   ptr: *List
//	TypeNVListArray              ptr/n: []*List (the elements reached; see quirkTail)
//
// ptr always points at the first element of a Go allocation (or of a
// string), so the garbage collector keeps the value alive.
type pair struct {
	name string
	ptr  unsafe.Pointer
	n    uint64
	typ  Type
	odd  bool // the list's ext.quirks has an entry for this pair
}

// quirkKind names a wire field that libnv keeps from the packed input and
// writes back unchanged when it packs the decoded list again.
type quirkKind uint8

const (
	// quirkNitems is a non-zero nvph_nitems of a pair that is not an array.
	quirkNitems quirkKind = iota + 1
	// quirkDatasize is a non-zero nvph_datasize of an NVLIST_ARRAY pair.
	quirkDatasize
	// quirkTail counts the trailing elements of an NVLIST_ARRAY that the
	// packed input announced in nvph_nitems but never reached. They are
	// empty lists with flags 0. They are not allocated at Unpack time, so
	// that crafted input cannot make Unpack allocate more than the input
	// justifies.
	quirkTail
)

type quirk struct {
	pair int
	kind quirkKind
	val  uint64
}

func (p *pair) str() string {
	if p.n == 0 {
		return ""
	}
	return unsafe.String((*byte)(p.ptr), int(p.n))
}

func (p *pair) bytes() []byte {
	return unsafe.Slice((*byte)(p.ptr), int(p.n))
}

func (p *pair) numbers() []uint64 {
	return unsafe.Slice((*uint64)(p.ptr), int(p.n))
}

func (p *pair) strings() []string {
	return unsafe.Slice((*string)(p.ptr), int(p.n))
}

func (p *pair) list() *List {
	return (*List)(p.ptr)
}

func (p *pair) lists() []*List {
	return unsafe.Slice((**List)(p.ptr), int(p.n))
}

// New returns an empty list with flags 0, which is what if_wg and wg(8)
// use.
func New() *List {
	return &List{}
}

// NewWithFlags returns an empty list with the given public flags, a
// combination of FlagIgnoreCase and FlagNoUnique. Other bits are dropped and
// recorded as the list's sticky error (EINVAL).
func NewWithFlags(flags int) *List {
	l := &List{flags: uint8(flags & flagPublicMask)}
	if flags&^flagPublicMask != 0 {
		l.setErr(addError("", syscall.EINVAL, "invalid list flags %#x", flags))
	}
	return l
}

// Flags returns the public flags of the list.
func (l *List) Flags() int { return int(l.flags) }

// Len returns the number of pairs in the list.
func (l *List) Len() int { return len(l.pairs) }

// Err returns the error of the first Add call that failed on this list, or
// nil. Like libnv's nvlist_error, the error is sticky: once set, further Add
// calls do nothing and Pack returns the error.
func (l *List) Err() error {
	if l.ext == nil || l.ext.err == nil {
		return nil
	}
	return l.ext.err
}

func (l *List) setErr(e *Error) {
	if l.ext == nil {
		l.ext = &listExt{}
	}
	if l.ext.err == nil {
		l.ext.err = e
	}
}

func (l *List) quirk(i int, kind quirkKind) uint64 {
	if !l.pairs[i].odd {
		return 0
	}
	for _, q := range l.ext.quirks {
		if q.pair == i && q.kind == kind {
			return q.val
		}
	}
	return 0
}

// foldASCII returns name with ASCII upper-case letters mapped to lower
// case, as strcasecmp compares them. It only allocates if name has an upper
// case letter.
func foldASCII(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return name
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func (l *List) key(name string) string {
	if l.flags&FlagIgnoreCase != 0 {
		return foldASCII(name)
	}
	return name
}

func (l *List) sameName(a, b string) bool {
	if l.flags&FlagIgnoreCase != 0 {
		return equalFoldASCII(a, b)
	}
	return a == b
}

// find returns the index of the first pair named name whose type is t (any
// type if t is 0), or -1. This is libnv's nvlist_find.
func (l *List) find(name string, t Type) int {
	if l.ext != nil && l.ext.index != nil {
		// Only lists without FlagNoUnique have an index, so the name
		// is on at most one pair.
		i, ok := l.ext.index[l.key(name)]
		if ok && (t == 0 || l.pairs[i].typ == t) {
			return i
		}
		return -1
	}
	for i := range l.pairs {
		p := &l.pairs[i]
		if (t == 0 || p.typ == t) && l.sameName(p.name, name) {
			return i
		}
	}
	return -1
}

// buildIndex creates the name index of a list without FlagNoUnique.
func (l *List) buildIndex() {
	if l.ext == nil {
		l.ext = &listExt{}
	}
	l.ext.index = make(map[string]int, 2*len(l.pairs))
	for i := range l.pairs {
		l.ext.index[l.key(l.pairs[i].name)] = i
	}
}

// Exists reports whether the list has a pair named name, of any type.
// Names are compared ignoring ASCII case if the list has FlagIgnoreCase.
func (l *List) Exists(name string) bool { return l.find(name, 0) >= 0 }

// ExistsType reports whether the list has a pair named name of type t. As
// with libnv's lookups, a pair with that name but another type does not
// count.
func (l *List) ExistsType(name string, t Type) bool {
	return t != 0 && l.find(name, t) >= 0
}

// Lookup returns the first pair named name, of any type.
func (l *List) Lookup(name string) (Pair, bool) {
	i := l.find(name, 0)
	if i < 0 {
		return Pair{}, false
	}
	return Pair{l, i}, true
}

// value returns get of the pair of type t named name; ok is false, with
// the zero value, if the list has no such pair. Every typed getter below
// is one call of it.
func value[T any](l *List, name string, t Type, get func(l *List, i int) T) (v T, ok bool) {
	i := l.find(name, t)
	if i < 0 {
		return v, false
	}
	return get(l, i), true
}

// Bool returns the value of the bool pair named name. ok is false if there
// is no bool pair of that name.
func (l *List) Bool(name string) (v, ok bool) {
	return value(l, name, TypeBool, func(l *List, i int) bool { return l.pairs[i].n != 0 })
}

// Number returns the value of the number pair named name. ok is false if
// there is no number pair of that name.
func (l *List) Number(name string) (v uint64, ok bool) {
	return value(l, name, TypeNumber, func(l *List, i int) uint64 { return l.pairs[i].n })
}

// String returns the value of the string pair named name. ok is false if
// there is no string pair of that name.
func (l *List) String(name string) (v string, ok bool) {
	return value(l, name, TypeString, func(l *List, i int) string { return l.pairs[i].str() })
}

// NVList returns the list held by the nvlist pair named name. The returned
// list belongs to l: changing it changes l. ok is false if there is no
// nvlist pair of that name.
func (l *List) NVList(name string) (v *List, ok bool) {
	return value(l, name, TypeNVList, func(l *List, i int) *List { return l.pairs[i].list() })
}

// Binary returns the value of the binary pair named name. The slice shares
// memory with the list (and, for a list built with AddBinary, with the
// caller's slice); callers must not modify it. ok is false if there is no
// binary pair of that name.
func (l *List) Binary(name string) (v []byte, ok bool) {
	return value(l, name, TypeBinary, func(l *List, i int) []byte { return l.pairs[i].bytes() })
}

// BoolArray returns a copy of the value of the bool array pair named name.
// A byte other than 0 or 1 in a decoded array (libnv does not check them)
// reads as true. ok is false if there is no bool array pair of that name.
func (l *List) BoolArray(name string) (v []bool, ok bool) {
	return value(l, name, TypeBoolArray, func(l *List, i int) []bool { return boolsOf(l.pairs[i].bytes()) })
}

func boolsOf(raw []byte) []bool {
	v := make([]bool, len(raw))
	for j, b := range raw {
		v[j] = b != 0
	}
	return v
}

// NumberArray returns the value of the number array pair named name. The
// slice is shared with the list; callers must not modify it. ok is false if
// there is no number array pair of that name.
func (l *List) NumberArray(name string) (v []uint64, ok bool) {
	return value(l, name, TypeNumberArray, func(l *List, i int) []uint64 { return l.pairs[i].numbers() })
}

// StringArray returns the value of the string array pair named name. The
// slice is shared with the list; callers must not modify it. ok is false if
// there is no string array pair of that name.
func (l *List) StringArray(name string) (v []string, ok bool) {
	return value(l, name, TypeStringArray, func(l *List, i int) []string { return l.pairs[i].strings() })
}

// NVListArray returns the lists held by the nvlist array pair named name.
// The lists belong to l; the slice is shared with l and must not be
// modified. ok is false if there is no nvlist array pair of that name.
//
// When Unpack accepted an array whose packed form ended before some of its
// elements (libnv accepts this and leaves them empty), those elements are
// returned as new empty lists on every call, and changes to them are not
// kept.
func (l *List) NVListArray(name string) (v []*List, ok bool) {
	return value(l, name, TypeNVListArray, (*List).nvlists)
}

func (l *List) nvlists(i int) []*List {
	ls := l.pairs[i].lists()
	tail := l.quirk(i, quirkTail)
	if tail == 0 {
		return ls
	}
	out := make([]*List, len(ls), len(ls)+int(tail))
	copy(out, ls)
	for range tail {
		out = append(out, &List{owned: true})
	}
	return out
}

// Pair is a read-only view of one pair of a List, as returned by
// List.Pair, List.Pairs and List.Lookup.
type Pair struct {
	l *List
	i int
}

// Pair returns the i-th pair of the list, counting from 0 in order. It
// panics if i is out of range.
func (l *List) Pair(i int) Pair {
	_ = l.pairs[i]
	return Pair{l, i}
}

// Pairs returns an iterator over the pairs of the list, in order.
func (l *List) Pairs() iter.Seq[Pair] {
	return func(yield func(Pair) bool) {
		for i := range l.pairs {
			if !yield(Pair{l, i}) {
				return
			}
		}
	}
}

// Name returns the name of the pair.
func (p Pair) Name() string { return p.l.pairs[p.i].name }

// Type returns the type of the pair.
func (p Pair) Type() Type { return p.l.pairs[p.i].typ }

// Value returns the value of the pair, with the dynamic type that matches
// its Type: nil for TypeNull, bool, uint64, string, *List, []byte, []bool,
// []uint64, []string or []*List. Slices and lists are shared with the list
// as described for the lookup methods (List.Binary and so on).
func (p Pair) Value() any {
	q := &p.l.pairs[p.i]
	switch q.typ {
	case TypeBool:
		return q.n != 0
	case TypeNumber:
		return q.n
	case TypeString:
		return q.str()
	case TypeNVList:
		return q.list()
	case TypeBinary:
		return q.bytes()
	case TypeBoolArray:
		return boolsOf(q.bytes())
	case TypeNumberArray:
		return q.numbers()
	case TypeStringArray:
		return q.strings()
	case TypeNVListArray:
		return p.l.nvlists(p.i)
	}
	return nil
}
