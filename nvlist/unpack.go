// SPDX-License-Identifier: BSD-2-Clause

package nvlist

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"syscall"
	"unsafe"
)

// Unpack decodes a packed nvlist, accepting exactly what libnv's
// nvlist_unpack(data, len(data), 0) accepts (see the package
// documentation). Both byte orders are read.
//
// The returned list does not alias data: Unpack copies the names and
// values it keeps into a few large buffers that the list's strings and
// slices then share.
//
// Errors are *Error values with the byte offset of the header that was
// being decoded, the pair name when known, and libnv's errno: EINVAL for
// malformed input, EEXIST for a duplicate name, EILSEQ for a top-level
// header whose flags are not 0.
func Unpack(data []byte) (*List, error) {
	return UnpackWithFlags(data, 0)
}

// UnpackWithFlags is Unpack for a caller that expects the top-level list
// to have the given public flags, like nvlist_unpack(data, len(data),
// flags): a top-level header with other public flags is rejected with
// EILSEQ. Flags other than FlagIgnoreCase and FlagNoUnique are an error
// (EINVAL).
func UnpackWithFlags(data []byte, flags int) (*List, error) {
	return unpack(data, flags, false)
}

// UnpackOwned is Unpack for a caller that hands data over: the names,
// strings and binaries of the returned list are parts of data instead of
// copies, so data must not be changed afterwards. It saves a copy of about
// half the input, which matters for large replies read once.
func UnpackOwned(data []byte) (*List, error) {
	return unpack(data, 0, true)
}

func unpack(data []byte, flags int, owned bool) (*List, error) {
	if flags&^flagPublicMask != 0 {
		return nil, &Error{Op: "unpack", Offset: -1, Errno: syscall.EINVAL,
			Reason: fmt.Sprintf("invalid list flags %#x", flags)}
	}
	d := decoder{buf: data, frames: make([]frame, 0, 4), owned: owned}
	d.budget = len(data) / listHeaderSize
	top, err := d.run(uint8(flags))
	if err != nil {
		return nil, err
	}
	return top, nil
}

// decoder is the state of one Unpack call. It follows nvlist_xunpack: a
// loop over pair headers, with the list being filled as its only context,
// plus an explicit stack of the open lists.
type decoder struct {
	buf    []byte // the input, only read
	off    int    // next byte to decode
	be     bool   // multi-byte fields are big-endian (libnv's isbe)
	owned  bool   // the list may keep parts of buf instead of copies
	frames []frame
	arena
}

// frame is a list being filled.
type frame struct {
	list    *List
	pairs   region         // the pairs decoded so far
	holder  int            // index, in the enclosing list, of the pair holding this list
	index   map[string]int // name -> pair index, once the list is big
	quirks  []quirk
	element bool    // the list is an element of an nvlist array
	elems   []*List // elements of that array reached so far, this one last
	nitems  uint64  // elements the array announced
}

// rest returns the number of input bytes left to decode.
func (d *decoder) rest() int { return len(d.buf) - d.off }

// pairHeader is a decoded nvpair header.
type pairHeader struct {
	typ      Type
	name     string // a view of the input: see decoder.keepName
	nameAt   int    // offset of the name in the input
	datasize uint64
	nitems   uint64
}

func (d *decoder) fail(at int, name string, errno syscall.Errno, format string, args ...any) *Error {
	return &Error{Op: "unpack", Offset: at, Name: strings.Clone(name), Errno: errno,
		Reason: fmt.Sprintf(format, args...)}
}

// keepName returns a copy of the name of h that the decoded list can keep.
// keep returns b for the list to keep: b itself when the caller handed
// the input over, otherwise a copy in the arena.
func (d *decoder) keep(b []byte, left int) []byte {
	if d.owned {
		return b[:len(b):len(b)]
	}
	return d.arena.keep(b, left)
}

func (d *decoder) keepName(h *pairHeader) string {
	if h.name == "" {
		return ""
	}
	return unsafe.String(&d.keep(d.buf[h.nameAt:h.nameAt+len(h.name)], d.rest())[0], len(h.name))
}

// keepNameData returns copies of the name of h and of its data, which must
// start right after the name: one copy of both, as they are contiguous.
func (d *decoder) keepNameData(h *pairHeader) (string, []byte) {
	k := d.keep(d.buf[h.nameAt:d.off+int(h.datasize)], d.rest())
	n := len(h.name)
	if n == 0 {
		return "", k[1:]
	}
	return unsafe.String(&k[0], n), k[n+1:]
}

func u64(b []byte, be bool) uint64 {
	if be {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}

// listHeader checks the list header at d.off as nvlist_unpack_header does
// and returns its flags byte. The header's own big-endian flag says how to
// read its size and descriptor count.
func (d *decoder) listHeader() (uint8, *Error) {
	at := d.off
	left := len(d.buf) - at
	if left < listHeaderSize {
		return 0, d.fail(at, "", syscall.EINVAL, "list header needs %d bytes, %d left", listHeaderSize, left)
	}
	b := d.buf[at : at+listHeaderSize]
	if b[0] != headerMagic {
		return 0, d.fail(at, "", syscall.EINVAL, "bad list header magic %#02x", b[0])
	}
	flags := b[2]
	if flags&^flagWireMask != 0 {
		return 0, d.fail(at, "", syscall.EINVAL, "unknown list header flags %#02x", flags)
	}
	be := flags&flagBigEndian != 0
	if size := u64(b[11:], be); size != uint64(left-listHeaderSize) {
		return 0, d.fail(at, "", syscall.EINVAL, "list header size %d, but %d bytes follow", size, left-listHeaderSize)
	}
	if n := u64(b[3:], be); n != 0 {
		return 0, d.fail(at, "", syscall.EINVAL, "list header counts %d descriptors, none were passed", n)
	}
	d.off += listHeaderSize
	return flags, nil
}

// pairHeader decodes the pair header and name at d.off into h, as
// nvpair_unpack_header does, and moves d.off to the data.
func (d *decoder) pairHeader(h *pairHeader) *Error {
	at := d.off
	left := len(d.buf) - at
	if left < pairHeaderSize {
		return d.fail(at, "", syscall.EINVAL, "pair header needs %d bytes, %d left", pairHeaderSize, left)
	}
	b := d.buf[at:]
	*h = pairHeader{typ: Type(b[0])}
	if (h.typ < TypeNull || h.typ > TypeDescriptorArray) && h.typ != typeUp && h.typ != typeArrayNext {
		return d.fail(at, "", syscall.EINVAL, "invalid pair type %d", b[0])
	}
	var namesize int
	if d.be {
		namesize = int(binary.BigEndian.Uint16(b[1:]))
	} else {
		namesize = int(binary.LittleEndian.Uint16(b[1:]))
	}
	h.datasize = u64(b[3:], d.be)
	h.nitems = u64(b[11:], d.be)
	left -= pairHeaderSize
	switch {
	case namesize > MaxNameLen+1:
		return d.fail(at, "", syscall.EINVAL, "name size %d is larger than %d", namesize, MaxNameLen+1)
	case namesize > left:
		return d.fail(at, "", syscall.EINVAL, "name size %d, but %d bytes left", namesize, left)
	case namesize < 1:
		return d.fail(at, "", syscall.EINVAL, "name size 0")
	}
	nb := b[pairHeaderSize : pairHeaderSize+namesize]
	if bytes.IndexByte(nb, 0) != namesize-1 {
		return d.fail(at, "", syscall.EINVAL, "name of %d bytes is not one NUL-terminated string", namesize)
	}
	h.nameAt = at + pairHeaderSize
	if namesize > 1 {
		h.name = unsafe.String(&nb[0], namesize-1)
	}
	left -= namesize
	if h.datasize > uint64(left) {
		return d.fail(at, h.name, syscall.EINVAL, "data size %d, but %d bytes left", h.datasize, left)
	}
	d.off += pairHeaderSize + namesize
	return nil
}

// run decodes the pairs that follow the top-level header.
func (d *decoder) run(want uint8) (*List, *Error) {
	flags, err := d.listHeader()
	if err != nil {
		return nil, err
	}
	if flags&flagPublicMask != want {
		return nil, d.fail(0, "", syscall.EILSEQ, "top-level list flags %#x, expected %#x", flags&flagPublicMask, want)
	}
	d.be = flags&flagBigEndian != 0
	top := d.newList(flags, d.rest())
	top.owned = false
	d.frames = append(d.frames, frame{list: top, holder: -1})
	for d.off < len(d.buf) {
		if err := d.step(); err != nil {
			return nil, err
		}
	}
	// The input may end inside nested lists and arrays: libnv accepts
	// that and leaves what was not reached empty.
	for len(d.frames) > 0 {
		d.closeList()
	}
	return top, nil
}

// step decodes one pair.
func (d *decoder) step() *Error {
	at := d.off
	var h pairHeader
	if err := d.pairHeader(&h); err != nil {
		return err
	}
	switch h.typ {
	case typeUp:
		return d.up(at)
	case typeArrayNext:
		return d.arrayNext(at)
	case TypeNVList:
		return d.nvlistPair(at, &h)
	case TypeNVListArray:
		return d.nvlistArrayPair(at, &h)
	}
	var p pair
	if err := d.value(at, &h, &p); err != nil {
		return err
	}
	return d.add(at, &p, h.nitems, 0)
}

// value decodes the data of a pair that does not hold lists.
func (d *decoder) value(at int, h *pairHeader, p *pair) *Error {
	p.typ = h.typ
	ds := int(h.datasize) // pairHeader checked it against the bytes left
	data := d.buf[d.off : d.off+ds]
	switch h.typ {
	case TypeNull:
		if ds != 0 {
			return d.bad(at, h, "data size %d, want 0", ds)
		}
	case TypeBool:
		if ds != 1 {
			return d.bad(at, h, "data size %d, want 1", ds)
		}
		if data[0] > 1 {
			return d.bad(at, h, "value %d is not 0 or 1", data[0])
		}
		p.n = uint64(data[0])
	case TypeNumber:
		if ds != 8 {
			return d.bad(at, h, "data size %d, want 8", ds)
		}
		p.n = u64(data, d.be)
	case TypeString:
		if ds == 0 || bytes.IndexByte(data, 0) != ds-1 {
			return d.bad(at, h, "%d data bytes are not one NUL-terminated string", ds)
		}
	case TypeBinary:
		if ds == 0 {
			return d.bad(at, h, "data size 0")
		}
	case TypeBoolArray:
		if h.nitems == 0 || h.datasize != h.nitems {
			return d.bad(at, h, "%d items in %d bytes", h.nitems, ds)
		}
	case TypeNumberArray:
		if h.nitems == 0 || ds%8 != 0 || uint64(ds/8) != h.nitems {
			return d.bad(at, h, "%d items in %d bytes", h.nitems, ds)
		}
		v := make([]uint64, ds/8)
		for i := range v {
			v[i] = u64(data[8*i:], d.be)
		}
		p.ptr, p.n = unsafe.Pointer(&v[0]), uint64(len(v))
	case TypeStringArray:
		if !areStrings(data, h.nitems) {
			return d.bad(at, h, "%d data bytes are not %d NUL-terminated strings", ds, h.nitems)
		}
	default: // TypeDescriptor, TypeDescriptorArray
		return d.bad(at, h, "descriptors are not supported (nvlist_unpack passes none)")
	}
	switch h.typ {
	case TypeString, TypeBinary, TypeBoolArray, TypeStringArray:
		// Values the list refers to are kept with their name.
		var kept []byte
		p.name, kept = d.keepNameData(h)
		switch h.typ {
		case TypeString:
			if ds > 1 {
				p.ptr, p.n = unsafe.Pointer(&kept[0]), uint64(ds-1)
			}
		case TypeStringArray:
			v := splitStrings(kept, int(h.nitems))
			p.ptr, p.n = unsafe.Pointer(&v[0]), uint64(len(v))
		default:
			p.ptr, p.n = unsafe.Pointer(&kept[0]), uint64(ds)
		}
	default:
		p.name = d.keepName(h)
	}
	d.off += ds
	return nil
}

// bad reports invalid data in the pair of h.
func (d *decoder) bad(at int, h *pairHeader, format string, args ...any) *Error {
	return d.fail(at, h.name, syscall.EINVAL, h.typ.String()+" pair: "+format, args...)
}

// areStrings reports whether data is exactly n NUL-terminated strings, as
// nvpair_unpack_string_array requires.
func areStrings(data []byte, n uint64) bool {
	if len(data) == 0 || n == 0 || n > uint64(len(data)) { // a string takes a byte at least
		return false
	}
	for range n {
		j := bytes.IndexByte(data, 0)
		if j < 0 {
			return false
		}
		data = data[j+1:]
	}
	return len(data) == 0
}

// splitStrings returns the n NUL-terminated strings of data, which share
// data's memory. data must have passed areStrings.
func splitStrings(data []byte, n int) []string {
	v := make([]string, n)
	for i := range v {
		j := bytes.IndexByte(data, 0)
		if j > 0 {
			v[i] = unsafe.String(&data[0], j)
		}
		data = data[j+1:]
	}
	return v
}

// nvlistPair decodes an NVLIST pair and enters the child list.
func (d *decoder) nvlistPair(at int, h *pairHeader) *Error {
	if h.datasize == 0 {
		return d.fail(at, h.name, syscall.EINVAL, "nvlist pair: data size 0")
	}
	// libnv ignores the child header's byte-order flag for the pairs
	// that follow: only list array elements change it.
	flags, err := d.listHeader()
	if err != nil {
		err.Name = strings.Clone(h.name)
		return err
	}
	child := d.newList(flags, d.rest())
	p := pair{name: d.keepName(h), typ: TypeNVList, ptr: unsafe.Pointer(child)}
	if err := d.add(at, &p, h.nitems, 0); err != nil {
		return err
	}
	d.enter(frame{list: child})
	return nil
}

// nvlistArrayPair decodes an NVLIST_ARRAY pair and enters its first
// element. The elements' lists are filled as the input reaches them.
func (d *decoder) nvlistArrayPair(at int, h *pairHeader) *Error {
	left := uint64(len(d.buf) - d.off)
	if h.nitems == 0 || h.nitems > left/listHeaderSize {
		return d.fail(at, h.name, syscall.EINVAL,
			"nvlist array pair: %d elements cannot fit in %d bytes", h.nitems, left)
	}
	flags, err := d.listHeader()
	if err != nil {
		err.Name = strings.Clone(h.name)
		return err
	}
	d.be = flags&flagBigEndian != 0
	// Allocate pointers to the elements ahead (their count is bounded by
	// the input left), but within a budget for the whole input, so that
	// arrays nested in arrays cannot make the total grow faster than the
	// input.
	ahead := int(min(h.nitems, uint64(d.budget)))
	d.budget -= ahead
	f := frame{element: true, nitems: h.nitems, elems: d.listPointers(ahead, d.rest())}
	f.list = d.newList(flags, d.rest())
	f.elems = append(f.elems, f.list)
	p := pair{name: d.keepName(h), typ: TypeNVListArray}
	if err := d.add(at, &p, 0, h.datasize); err != nil {
		return err
	}
	d.enter(f)
	return nil
}

// enter makes f, the list held by the pair just added, the current list.
func (d *decoder) enter(f frame) {
	f.holder = d.frames[len(d.frames)-1].pairs.n - 1
	d.frames = append(d.frames, f)
}

// up handles an NVLIST_UP marker: back to the list holding the current
// one. Inside an array element this leaves the whole array.
func (d *decoder) up(at int) *Error {
	if len(d.frames) == 1 {
		return d.fail(at, "", syscall.EINVAL, "nvlist_up marker in the top-level list")
	}
	d.closeList()
	return nil
}

// arrayNext handles an NVLIST_ARRAY_NEXT marker: on to the next element of
// the array, or, after the last element or outside an array, back to the
// list holding the current one.
func (d *decoder) arrayNext(at int) *Error {
	f := &d.frames[len(d.frames)-1]
	if !f.element || uint64(len(f.elems)) >= f.nitems {
		if len(d.frames) == 1 {
			return d.fail(at, "", syscall.EINVAL, "nvlist_array_next marker in the top-level list")
		}
		d.closeList()
		return nil
	}
	d.finish(f)
	flags, err := d.listHeader()
	if err != nil {
		return err
	}
	d.be = flags&flagBigEndian != 0
	f.list = d.newList(flags, d.rest())
	f.elems = append(f.elems, f.list)
	f.pairs, f.index, f.quirks = region{}, nil, nil
	return nil
}

// add appends a decoded pair to the current list, after libnv's duplicate
// check (nvlist_move_nvpair). nitems and datasize are the header fields
// that libnv keeps for pairs that do not otherwise need them.
func (d *decoder) add(at int, p *pair, nitems, datasize uint64) *Error {
	f := &d.frames[len(d.frames)-1]
	l := f.list
	i := f.pairs.n
	if l.flags&FlagNoUnique == 0 {
		if duplicate(f, p.name) {
			return d.fail(at, p.name, syscall.EEXIST, "duplicate name in a list")
		}
		if f.index != nil {
			f.index[l.key(p.name)] = i
		}
	}
	if p.typ < TypeBoolArray && nitems != 0 {
		f.quirks = append(f.quirks, quirk{pair: i, kind: quirkNitems, val: nitems})
		p.odd = true
	}
	if datasize != 0 {
		f.quirks = append(f.quirks, quirk{pair: i, kind: quirkDatasize, val: datasize})
		p.odd = true
	}
	d.push(&f.pairs, p, d.rest())
	return nil
}

// duplicate reports whether the list of f already has a pair named name.
func duplicate(f *frame, name string) bool {
	l := f.list
	if f.index != nil {
		_, dup := f.index[l.key(name)]
		return dup
	}
	ps := f.pairs.slice()
	for i := range ps {
		if l.sameName(ps[i].name, name) {
			return true
		}
	}
	if len(ps)+1 >= indexThreshold {
		f.index = make(map[string]int, 2*indexThreshold)
		for i := range ps {
			f.index[l.key(ps[i].name)] = i
		}
	}
	return false
}

// closeList finishes the current list and returns to the list holding it.
// Leaving an array stores the elements reached in the array's pair; the
// elements not reached are recorded as a count of empty lists.
func (d *decoder) closeList() {
	f := &d.frames[len(d.frames)-1]
	d.finish(f)
	d.frames = d.frames[:len(d.frames)-1]
	if !f.element {
		return
	}
	parent := &d.frames[len(d.frames)-1]
	h := &parent.pairs.slice()[f.holder]
	elems := f.elems[:len(f.elems):len(f.elems)]
	h.ptr, h.n = unsafe.Pointer(&elems[0]), uint64(len(elems))
	if tail := f.nitems - uint64(len(elems)); tail != 0 {
		parent.quirks = append(parent.quirks, quirk{pair: f.holder, kind: quirkTail, val: tail})
		h.odd = true
	}
}

// finish gives the list of f its pairs.
func (d *decoder) finish(f *frame) {
	if f.pairs.n > 0 {
		f.list.pairs = f.pairs.slice()
	}
	if f.index != nil || f.quirks != nil {
		f.list.ext = &listExt{index: f.index, quirks: f.quirks}
	}
}
