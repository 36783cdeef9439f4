// SPDX-License-Identifier: BSD-2-Clause

package nvlist

import (
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// AddNull adds a null pair.
func (l *List) AddNull(name string) {
	if !l.failed() {
		l.insert(pair{name: name, typ: TypeNull})
	}
}

// AddBool adds a bool pair.
func (l *List) AddBool(name string, v bool) {
	if l.failed() {
		return
	}
	p := pair{name: name, typ: TypeBool}
	if v {
		p.n = 1
	}
	l.insert(p)
}

// AddNumber adds a number pair.
func (l *List) AddNumber(name string, v uint64) {
	if !l.failed() {
		l.insert(pair{name: name, typ: TypeNumber, n: v})
	}
}

// AddString adds a string pair. The string must not contain a NUL byte
// (EINVAL), since it travels NUL-terminated.
func (l *List) AddString(name, v string) {
	if l.failed() {
		return
	}
	if strings.IndexByte(v, 0) >= 0 {
		l.setErr(addError(name, syscall.EINVAL, "string value contains a NUL byte"))
		return
	}
	l.insert(stringPair(name, v))
}

func stringPair(name, v string) pair {
	return pair{name: name, typ: TypeString, ptr: unsafe.Pointer(unsafe.StringData(v)), n: uint64(len(v))}
}

// AddNVList adds an nvlist pair holding v. The list v itself is stored, not
// a copy (libnv's nvlist_move_nvlist): later changes to v show in l, and v
// can only ever be the value of one pair. It is an error (EINVAL) if v is
// nil, already the value of a pair, or l itself or a list that contains l.
// If v has a sticky error, that error's errno is recorded on l.
func (l *List) AddNVList(name string, v *List) {
	if l.failed() {
		return
	}
	if e := l.checkChild(name, v); e != nil {
		l.setErr(e)
		return
	}
	if l.owned && contains(v, l) {
		l.setErr(addError(name, syscall.EINVAL, "the list value contains the list it is added to"))
		return
	}
	if l.insert(pair{name: name, typ: TypeNVList, ptr: unsafe.Pointer(v)}) {
		v.owned = true
	}
}

// checkChild checks a list about to become the value of a pair of l.
func (l *List) checkChild(name string, v *List) *Error {
	switch {
	case v == nil:
		return addError(name, syscall.EINVAL, "nil list value")
	case v == l:
		return addError(name, syscall.EINVAL, "a list cannot contain itself")
	case v.owned:
		return addError(name, syscall.EINVAL, "the list value already belongs to another list")
	case v.failed():
		return addError(name, v.ext.err.Errno, "the list value has an error: %v", v.ext.err)
	}
	return nil
}

// AddBinary adds a binary pair. The slice is stored without copying: the
// caller must not modify it while the list is in use. An empty value is an
// error (EINVAL): libnv has no empty binary.
func (l *List) AddBinary(name string, v []byte) {
	addSlice(l, name, TypeBinary, v, "empty binary value", nil)
}

// AddBoolArray adds a bool array pair holding a copy of v. An empty array
// is an error (EINVAL).
func (l *List) AddBoolArray(name string, v []bool) {
	raw := make([]byte, len(v))
	for i, b := range v {
		if b {
			raw[i] = 1
		}
	}
	addSlice(l, name, TypeBoolArray, raw, "empty bool array", nil)
}

// AddNumberArray adds a number array pair holding a copy of v. An empty
// array is an error (EINVAL).
func (l *List) AddNumberArray(name string, v []uint64) {
	addSlice(l, name, TypeNumberArray, slices.Clone(v), "empty number array", nil)
}

// AddStringArray adds a string array pair holding a copy of v. An empty
// array, or a string containing a NUL byte, is an error (EINVAL).
func (l *List) AddStringArray(name string, v []string) {
	addSlice(l, name, TypeStringArray, slices.Clone(v), "empty string array", func() *Error {
		for i, s := range v {
			if strings.IndexByte(s, 0) >= 0 {
				return addError(name, syscall.EINVAL, "string %d of the array contains a NUL byte", i)
			}
		}
		return nil
	})
}

// AddNVListArray adds an nvlist array pair whose elements are the lists of
// v. The slice is copied but the lists are not: as with AddNVList, each
// list is stored itself and can only be the value of one pair. An empty
// array, a nil element, an element given twice or already the value of a
// pair, and an element that is l or contains l are errors (EINVAL). If an
// element has a sticky error, that error's errno is recorded on l.
func (l *List) AddNVListArray(name string, v []*List) {
	c := slices.Clone(v)
	if addSlice(l, name, TypeNVListArray, c, "empty nvlist array", func() *Error { return l.checkElements(name, c) }) {
		for _, e := range c {
			e.owned = true
		}
	}
}

// addSlice adds a pair of type t whose value is the elements of v, stored
// as they are: the callers that promise a copy pass one. An empty v is an
// error (EINVAL), reported as empty: libnv has neither empty arrays nor
// empty binaries. check, when not nil, vets a non-empty v before the pair
// is added. addSlice reports whether it added the pair.
func addSlice[E any](l *List, name string, t Type, v []E, empty string, check func() *Error) bool {
	if l.failed() {
		return false
	}
	if len(v) == 0 {
		l.setErr(addError(name, syscall.EINVAL, "%s", empty))
		return false
	}
	if check != nil {
		if e := check(); e != nil {
			l.setErr(e)
			return false
		}
	}
	return l.insert(pair{name: name, typ: t, ptr: unsafe.Pointer(&v[0]), n: uint64(len(v))})
}

// checkElements checks the non-empty v about to become the elements of
// an nvlist array pair of l.
func (l *List) checkElements(name string, v []*List) *Error {
	var bad *Error
	marked := 0
	for i, e := range v {
		if bad = l.checkChild(name, e); bad != nil {
			bad.Reason = "element " + strconv.Itoa(i) + ": " + bad.Reason
			break
		}
		e.owned = true // catches an element given twice
		marked++
	}
	for _, e := range v[:marked] {
		e.owned = false
	}
	if bad != nil {
		return bad
	}
	if l.owned {
		for _, e := range v {
			if contains(e, l) {
				return addError(name, syscall.EINVAL, "an element contains the list it is added to")
			}
		}
	}
	return nil
}

func (l *List) failed() bool { return l.ext != nil && l.ext.err != nil }

// insert appends p after checking its name; it reports whether it did.
func (l *List) insert(p pair) bool {
	if e := checkName(p.name); e != nil {
		l.setErr(e)
		return false
	}
	if l.flags&FlagNoUnique == 0 && l.find(p.name, 0) >= 0 {
		l.setErr(addError(p.name, syscall.EEXIST, "the list already has a pair with this name"))
		return false
	}
	l.pairs = append(l.pairs, p)
	l.indexLast()
	return true
}

// indexLast keeps the name index of a unique list up to date after a pair
// was appended.
func (l *List) indexLast() {
	if l.flags&FlagNoUnique != 0 {
		return
	}
	n := len(l.pairs)
	switch {
	case l.ext != nil && l.ext.index != nil:
		l.ext.index[l.key(l.pairs[n-1].name)] = n - 1
	case n >= indexThreshold:
		l.buildIndex()
	}
}

func checkName(name string) *Error {
	if len(name) > MaxNameLen {
		return addError(name[:32]+"...", syscall.ENAMETOOLONG,
			"name is %d bytes, longer than %d", len(name), MaxNameLen)
	}
	if strings.IndexByte(name, 0) >= 0 {
		return addError(name, syscall.EINVAL, "name contains a NUL byte")
	}
	return nil
}

// contains reports whether target is root or one of the lists below it.
// It walks the tree with an explicit stack.
func contains(root, target *List) bool {
	stack := []*List{root}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x == target {
			return true
		}
		for i := range x.pairs {
			switch p := &x.pairs[i]; p.typ {
			case TypeNVList:
				stack = append(stack, p.list())
			case TypeNVListArray:
				stack = append(stack, p.lists()...)
			}
		}
	}
	return false
}
