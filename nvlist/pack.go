// SPDX-License-Identifier: BSD-2-Clause

package nvlist

import (
	"encoding/binary"
	"math"
	"math/bits"
	"syscall"
)

// Pack returns the packed form of the list, byte for byte what libnv's
// nvlist_pack returns for the same list on a little-endian host: header
// flag byte 0 plus each list's public flags, version 0, descriptor count 0.
//
// If the list, or a list inside it, has a sticky error, Pack returns that
// error. Pack works in time linear in the packed size, with one pass to
// measure and one to write into a buffer of exactly that size, and without
// recursion, so any nesting depth packs.
func (l *List) Pack() ([]byte, error) {
	total, childSizes, err := l.packedSize()
	if err != nil {
		return nil, err
	}
	w := packer{buf: make([]byte, total), childSizes: childSizes}
	w.run(l)
	return w.buf, nil
}

// PackedSize returns the length of the packed form of the list, without
// packing it. It fails like Pack.
func (l *List) PackedSize() (int, error) {
	total, _, err := l.packedSize()
	return total, err
}

// maxPacked is the largest packed list Pack produces: 2 GiB - 1 on every
// platform. if_wg refuses larger buffers anyway, and the limit keeps a
// list decoded from crafted input (see quirkTail) from making Pack try to
// allocate far more memory than exists.
const maxPacked = math.MaxInt32

var errTooBig = &Error{Op: "pack", Offset: -1, Errno: syscall.ENOMEM,
	Reason: "packed list would be larger than 2 GiB - 1 bytes"}

// sizeFrame is a list being measured.
type sizeFrame struct {
	l     *List
	i     int     // next pair to measure
	size  uint64  // header and pairs measured so far
	slot  int     // index in childSizes for the child of an nvlist pair, or -1
	elems []*List // array elements after this one
}

// packedSize measures the packed list. It also returns, in the order the
// writer meets them, the size of the child of every nvlist pair, which is
// that pair's nvph_datasize.
func (l *List) packedSize() (int, []uint64, error) {
	var childSizes []uint64
	var buf [8]sizeFrame // enough for most lists without allocating
	stack := append(buf[:0], sizeFrame{l: l, size: listHeaderSize, slot: -1})
	for {
		f := &stack[len(stack)-1]
		if f.l.failed() {
			return 0, nil, f.l.ext.err
		}
		if f.i < len(f.l.pairs) {
			sz, child, elems, isArray := f.l.pairSize(f.i)
			f.i++
			f.size += sz
			if f.size < sz || f.size > maxPacked {
				return 0, nil, errTooBig
			}
			switch {
			case child == nil:
			case isArray:
				stack = append(stack, sizeFrame{l: child, size: listHeaderSize, slot: -1, elems: elems})
			default:
				childSizes = append(childSizes, 0)
				stack = append(stack, sizeFrame{l: child, size: listHeaderSize, slot: len(childSizes) - 1})
			}
			continue
		}
		done := *f
		stack = stack[:len(stack)-1]
		if len(stack) == 0 {
			return int(done.size), childSizes, nil
		}
		if done.slot >= 0 {
			childSizes[done.slot] = done.size
		}
		p := &stack[len(stack)-1]
		p.size += done.size + markerSize
		if p.size < done.size || p.size > maxPacked {
			return 0, nil, errTooBig
		}
		if len(done.elems) > 0 {
			stack = append(stack, sizeFrame{l: done.elems[0], size: listHeaderSize, slot: -1, elems: done.elems[1:]})
		}
	}
}

// pairSize returns the packed size of pair i without the lists it holds
// (math.MaxUint64 if it does not fit in 64 bits). For an nvlist pair it
// also returns the child; for an nvlist array, the first element, the
// elements after it, and isArray set.
func (l *List) pairSize(i int) (size uint64, child *List, elems []*List, isArray bool) {
	p := &l.pairs[i]
	size = pairHeaderSize + uint64(len(p.name)) + 1
	switch p.typ {
	case TypeNVList:
		return size, p.list(), nil, false
	case TypeNVListArray:
		// Elements never reached by the packed input this list was
		// decoded from are empty: header and marker only.
		hi, lo := bits.Mul64(l.quirk(i, quirkTail), listHeaderSize+markerSize)
		if hi != 0 || lo+size < lo {
			return math.MaxUint64, nil, nil, false
		}
		ls := p.lists()
		return size + lo, ls[0], ls[1:], true
	}
	return size + p.dataSize(), nil, nil, false
}

// dataSize returns nvph_datasize for a pair that is not a list.
func (p *pair) dataSize() uint64 {
	switch p.typ {
	case TypeBool:
		return 1
	case TypeNumber:
		return 8
	case TypeString:
		return p.n + 1
	case TypeBinary, TypeBoolArray:
		return p.n
	case TypeNumberArray:
		return 8 * p.n
	case TypeStringArray:
		var n uint64
		for _, s := range p.strings() {
			n += uint64(len(s)) + 1
		}
		return n
	}
	return 0
}

// writeFrame is a list being written.
type writeFrame struct {
	l       *List
	i       int     // next pair to write
	element bool    // the list is an element of an nvlist array
	elems   []*List // array elements after this one
	tail    uint64  // empty elements to write after elems
}

type packer struct {
	buf        []byte // zeroed, exactly the packed size
	off        int
	childSizes []uint64
	nextChild  int
}

func (w *packer) run(top *List) {
	w.header(top.flags)
	var buf [8]writeFrame // enough for most lists without allocating
	stack := append(buf[:0], writeFrame{l: top})
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.i < len(f.l.pairs) {
			i := f.i
			f.i++
			if next, ok := w.pair(f.l, i); ok {
				stack = append(stack, next)
			}
			continue
		}
		done := *f
		stack = stack[:len(stack)-1]
		switch {
		case len(stack) == 0:
		case !done.element:
			w.marker(typeUp)
		default:
			w.marker(typeArrayNext)
			if len(done.elems) > 0 {
				next := done.elems[0]
				w.header(next.flags)
				stack = append(stack, writeFrame{l: next, element: true, elems: done.elems[1:], tail: done.tail})
				continue
			}
			for range done.tail {
				w.header(0)
				w.marker(typeArrayNext)
			}
		}
	}
}

// header writes a list header. The buffer is zeroed, so only the fields
// that can be non-zero are stored.
func (w *packer) header(flags uint8) {
	b := w.buf[w.off : w.off+listHeaderSize]
	b[0] = headerMagic
	b[2] = flags
	binary.LittleEndian.PutUint64(b[11:], uint64(len(w.buf)-w.off-listHeaderSize))
	w.off += listHeaderSize
}

func (w *packer) marker(t Type) {
	w.buf[w.off] = byte(t)
	w.buf[w.off+1] = 1 // namesize: just the NUL
	w.off += markerSize
}

// pair writes pair i of l. For an nvlist or nvlist array pair it also
// writes the header of the (first) list it holds and returns the frame
// that continues inside that list.
func (w *packer) pair(l *List, i int) (writeFrame, bool) {
	p := &l.pairs[i]
	var datasize, nitems uint64
	switch p.typ {
	case TypeNVList:
		datasize = w.childSizes[w.nextChild]
		w.nextChild++
		nitems = l.quirk(i, quirkNitems)
	case TypeNVListArray:
		datasize = l.quirk(i, quirkDatasize)
		nitems = p.n + l.quirk(i, quirkTail)
	case TypeBoolArray, TypeNumberArray, TypeStringArray:
		datasize, nitems = p.dataSize(), p.n
	default:
		datasize, nitems = p.dataSize(), l.quirk(i, quirkNitems)
	}
	b := w.buf[w.off:]
	b[0] = byte(p.typ)
	binary.LittleEndian.PutUint16(b[1:], uint16(len(p.name)+1))
	binary.LittleEndian.PutUint64(b[3:], datasize)
	binary.LittleEndian.PutUint64(b[11:], nitems)
	w.off += pairHeaderSize + copy(b[pairHeaderSize:], p.name) + 1
	switch p.typ {
	case TypeNVList:
		c := p.list()
		w.header(c.flags)
		return writeFrame{l: c}, true
	case TypeNVListArray:
		ls := p.lists()
		w.header(ls[0].flags)
		return writeFrame{l: ls[0], element: true, elems: ls[1:], tail: l.quirk(i, quirkTail)}, true
	}
	w.data(p)
	return writeFrame{}, false
}

// data writes the value of a pair that is not a list.
func (w *packer) data(p *pair) {
	b := w.buf[w.off:]
	switch p.typ {
	case TypeBool:
		b[0] = byte(p.n)
		w.off++
	case TypeNumber:
		binary.LittleEndian.PutUint64(b, p.n)
		w.off += 8
	case TypeString:
		w.off += copy(b, p.str()) + 1
	case TypeBinary, TypeBoolArray:
		w.off += copy(b, p.bytes())
	case TypeNumberArray:
		for j, v := range p.numbers() {
			binary.LittleEndian.PutUint64(b[8*j:], v)
		}
		w.off += 8 * int(p.n)
	case TypeStringArray:
		n := 0
		for _, s := range p.strings() {
			n += copy(b[n:], s) + 1
		}
		w.off += n
	}
}
