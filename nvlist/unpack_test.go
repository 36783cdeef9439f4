// SPDX-License-Identifier: BSD-2-Clause

package nvlist

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// wire assembles packed bytes by hand, for inputs Pack never produces. The
// size of every list header is filled in by bytes(), from where the header
// ends up, in the byte order of that header's flags.
type wire struct {
	b    []byte
	hdrs []int
	be   bool // byte order of the pair headers written next
}

func (w *wire) order() binary.AppendByteOrder {
	if w.be {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func (w *wire) header(flags byte) *wire {
	w.hdrs = append(w.hdrs, len(w.b))
	w.b = append(w.b, headerMagic, 0, flags)
	w.b = append(w.b, make([]byte, 16)...)
	return w
}

func (w *wire) pair(t Type, name string, datasize, nitems uint64, data ...byte) *wire {
	w.b = append(w.b, byte(t))
	w.b = w.order().AppendUint16(w.b, uint16(len(name)+1))
	w.b = w.order().AppendUint64(w.b, datasize)
	w.b = w.order().AppendUint64(w.b, nitems)
	w.b = append(append(w.b, name...), 0)
	w.b = append(w.b, data...)
	return w
}

func (w *wire) number(name string, v uint64) *wire {
	return w.pair(TypeNumber, name, 8, 0, w.order().AppendUint64(nil, v)...)
}

func (w *wire) marker(t Type) *wire { return w.pair(t, "", 0, 0) }

func (w *wire) bytes() []byte {
	for _, at := range w.hdrs {
		size := uint64(len(w.b) - at - listHeaderSize)
		if w.b[at+2]&flagBigEndian != 0 {
			binary.BigEndian.PutUint64(w.b[at+11:], size)
		} else {
			binary.LittleEndian.PutUint64(w.b[at+11:], size)
		}
	}
	return w.b
}

func mustUnpack(t *testing.T, b []byte) *List {
	t.Helper()
	l, err := Unpack(b)
	if err != nil {
		t.Fatalf("Unpack(%x): %v", b, err)
	}
	return l
}

// TestNestedByteOrderFlag: the byte-order flag of a nested list's header
// only applies to that header; the pairs after it keep the order of the
// enclosing list (libnv's nvpair_unpack_nvlist does not update isbe).
func TestNestedByteOrderFlag(t *testing.T) {
	w := &wire{}
	w.header(0).pair(TypeNVList, "c", 1, 0)
	w.header(flagBigEndian).number("x", 1).marker(typeUp)
	w.number("y", 2)
	l := mustUnpack(t, w.bytes())
	c, _ := l.NVList("c")
	if x, _ := c.Number("x"); x != 1 {
		t.Errorf("x = %#x, want 1 read little-endian", x)
	}
	if y, _ := l.Number("y"); y != 2 {
		t.Errorf("y = %#x", y)
	}
}

// TestArrayElementByteOrderFlag: an array element's header does set the
// byte order, and it stays set after the array (libnv passes &isbe when it
// reads element headers and never restores it).
func TestArrayElementByteOrderFlag(t *testing.T) {
	w := &wire{}
	w.header(0).pair(TypeNVListArray, "a", 0, 1)
	w.header(flagBigEndian)
	w.be = true
	w.number("x", 1).marker(typeArrayNext).number("y", 2)
	l := mustUnpack(t, w.bytes())
	a, _ := l.NVListArray("a")
	if x, _ := a[0].Number("x"); x != 1 {
		t.Errorf("x = %#x", x)
	}
	if y, _ := l.Number("y"); y != 2 {
		t.Errorf("y = %#x, want 2 read big-endian", y)
	}
	// The canonical packing is little-endian throughout.
	want := New()
	e := New()
	e.AddNumber("x", 1)
	want.AddNVListArray("a", []*List{e})
	want.AddNumber("y", 2)
	got, _ := l.Pack()
	if exp, _ := want.Pack(); !bytes.Equal(got, exp) {
		t.Errorf("re-pack %x, want %x", got, exp)
	}
}

// TestUnreachedElements: an input that ends inside the first of three
// array elements is accepted, and the two elements it never reached are
// empty lists, packed as such.
func TestUnreachedElements(t *testing.T) {
	w := &wire{}
	w.header(0).pair(TypeNVListArray, "a", 0, 3)
	w.header(FlagIgnoreCase).number("x", 1).pair(TypeBinary, "pad", 20, 0, make([]byte, 20)...)
	l := mustUnpack(t, w.bytes())
	a, ok := l.NVListArray("a")
	if !ok || len(a) != 3 {
		t.Fatalf("NVListArray: %d elements", len(a))
	}
	if a[0].Flags() != FlagIgnoreCase || a[0].Len() != 2 || a[1].Len() != 0 || a[2].Len() != 0 || a[2].Flags() != 0 {
		t.Error("wrong elements")
	}
	e0, e1, e2 := NewWithFlags(FlagIgnoreCase), New(), New()
	e0.AddNumber("x", 1)
	e0.AddBinary("pad", make([]byte, 20))
	want := New()
	want.AddNVListArray("a", []*List{e0, e1, e2})
	if !Equal(l, want) || !Equal(want, l) {
		t.Error("not equal to the list with two empty elements")
	}
	got, err := l.Pack()
	if err != nil {
		t.Fatal(err)
	}
	if exp, _ := want.Pack(); !bytes.Equal(got, exp) {
		t.Errorf("re-pack\n got %x\nwant %x", got, exp)
	}
	if v, ok := l.Pair(0).Value().([]*List); !ok || len(v) != 3 {
		t.Errorf("Value: %v", l.Pair(0).Value())
	}
}

// nestedArrays builds an input of size bytes that nests arrays in the
// first element of arrays, each announcing as many elements as the bytes
// left allow. libnv accepts it (the input ends inside the deepest element)
// and allocates all those lists, which grows with the square of the input
// size.
func nestedArrays(size int) []byte {
	w := &wire{}
	w.header(0)
	for size-len(w.b) >= 100 {
		left := uint64(size - len(w.b) - pairHeaderSize - len("a\x00"))
		w.pair(TypeNVListArray, "a", 0, left/listHeaderSize)
		w.header(0)
	}
	w.pair(TypeNull, strings.Repeat("n", size-len(w.b)-pairHeaderSize-1), 0, 0)
	return w.bytes()
}

// unpackAlloc returns the bytes allocated by one Unpack of in.
func unpackAlloc(t *testing.T, in []byte) (*List, uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	l, err := Unpack(in)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	return l, after.TotalAlloc - before.TotalAlloc
}

// TestNestedArraysMemory checks that Unpack allocates in proportion to
// its input even for nested arrays whose announced elements add up to far
// more than the input could hold (about 5000 times the input here).
func TestNestedArraysMemory(t *testing.T) {
	small := nestedArrays(64 << 10)
	_, a1 := unpackAlloc(t, small)
	l, a2 := unpackAlloc(t, nestedArrays(128<<10))
	if a1 > 32*uint64(len(small)) || a2 > 3*a1 {
		t.Errorf("Unpack allocated %d bytes for 64 KiB, %d bytes for 128 KiB", a1, a2)
	}
	// The unreached elements are still there, as empty lists.
	if a, _ := l.NVListArray("a"); len(a) < 6000 || a[len(a)-1].Len() != 0 {
		t.Fatalf("top array has %d elements", len(a))
	}
	depth := 0
	for x := l; x.Len() == 1 && x.pairs[0].typ == TypeNVListArray; depth++ {
		x = x.pairs[0].lists()[0]
	}
	if depth < 3000 {
		t.Errorf("depth %d", depth)
	}
}

// interleaved builds a list whose n pairs each follow a nested list with
// one pair, so that the outer list's pairs are interrupted n times.
func interleaved(n int) []byte {
	l := New()
	for i := range n {
		c := New()
		c.AddNumber("x", uint64(i))
		l.AddNVList(fmt.Sprintf("c%d", i), c)
		l.AddNumber(fmt.Sprintf("k%d", i), uint64(i))
	}
	b, err := l.Pack()
	if err != nil {
		panic(err)
	}
	return b
}

// TestInterleavedMemory checks that a list interrupted by nested lists
// again and again is not copied again and again.
func TestInterleavedMemory(t *testing.T) {
	small := interleaved(5000)
	_, a1 := unpackAlloc(t, small)
	_, a2 := unpackAlloc(t, interleaved(10000))
	if a1 > 8*uint64(len(small)) || a2 > 3*a1 {
		t.Errorf("Unpack allocated %d bytes for %d bytes, %d bytes for twice as many pairs", a1, len(small), a2)
	}
}

func TestUnpackCopiesInput(t *testing.T) {
	l := New()
	l.AddString("s", "value")
	l.AddBinary("b", []byte{1, 2, 3})
	in, _ := l.Pack()
	back := mustUnpack(t, in)
	clear(in)
	if back.Pair(0).Name() != "s" || back.Pair(1).Name() != "b" {
		t.Errorf("names changed with the input: %q %q", back.Pair(0).Name(), back.Pair(1).Name())
	}
	if s, _ := back.String("s"); s != "value" {
		t.Errorf("string changed with the input: %q", s)
	}
	if b, _ := back.Binary("b"); !bytes.Equal(b, []byte{1, 2, 3}) {
		t.Errorf("binary changed with the input: %x", b)
	}
	// Appending to a returned value must not write over the list.
	b, _ := back.Binary("b")
	_ = append(b, 0xff, 0xff, 0xff, 0xff)
	if s, _ := back.String("s"); s != "value" {
		t.Errorf("append to a binary value changed a string: %q", s)
	}
}

// deepList builds n lists nested in each other, with a pair after each.
func deepList(n int) *List {
	inner := New()
	inner.AddNumber("leaf", 1)
	for range n {
		l := New()
		l.AddNVList("d", inner)
		l.AddString("after", "x")
		inner = l
	}
	return inner
}

// TestDeepNesting packs and unpacks lists nested far deeper than a
// recursive implementation could go on a small stack.
func TestDeepNesting(t *testing.T) {
	for _, n := range []int{1000, 100000} {
		l := deepList(n)
		b, err := l.Pack()
		if err != nil {
			t.Fatal(err)
		}
		back := mustUnpack(t, b)
		if !Equal(l, back) {
			t.Fatalf("depth %d: round trip differs", n)
		}
		again, _ := back.Pack()
		if !bytes.Equal(again, b) {
			t.Fatalf("depth %d: re-pack differs", n)
		}
		// The deepest list differs: Equal must notice.
		x := back
		for range n {
			x, _ = x.NVList("d")
		}
		x.AddNull("extra")
		if Equal(l, back) {
			t.Fatalf("depth %d: Equal missed a difference at the bottom", n)
		}
	}
}

func TestUnpackErrorText(t *testing.T) {
	w := &wire{}
	w.header(0).number("first", 1).pair(TypeBool, "flag", 1, 0, 7)
	_, err := Unpack(w.bytes())
	e := wantErr(t, err, syscall.EINVAL)
	clear(w.b) // the error must not refer to the input
	if e.Offset != 52 || e.Name != "flag" {
		t.Errorf("error at %d, pair %q; want 52, \"flag\"", e.Offset, e.Name)
	}
	msg := err.Error()
	for _, part := range []string{"offset 52", `"flag"`, "value 7"} {
		if !strings.Contains(msg, part) {
			t.Errorf("%q does not mention %s", msg, part)
		}
	}
	if msg != strings.ToLower(msg) {
		t.Errorf("%q is not lower case", msg)
	}
}

// TestMarkersAtTop checks both markers at the top level, where libnv has
// no parent to return to.
func TestMarkersAtTop(t *testing.T) {
	for _, m := range []Type{typeUp, typeArrayNext} {
		w := &wire{}
		w.header(0).marker(m)
		_, err := Unpack(w.bytes())
		wantErr(t, err, syscall.EINVAL)
	}
}

// TestPackTooBig: the crafted input of TestNestedArraysMemory, 1 MiB long,
// announces so many unreached elements that packing what it decodes to
// would take tens of gigabytes. Pack refuses before allocating.
func TestPackTooBig(t *testing.T) {
	l := mustUnpack(t, nestedArrays(1<<20))
	_, err := l.Pack()
	wantErr(t, err, syscall.ENOMEM)
	_, err = l.PackedSize()
	wantErr(t, err, syscall.ENOMEM)
}
