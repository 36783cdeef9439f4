// SPDX-License-Identifier: BSD-2-Clause

package nvlist

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// wantErr checks that err is an *Error with the given errno.
func wantErr(t *testing.T, err error, errno syscall.Errno) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want *Error with %v", err, err, errno)
	}
	if e.Errno != errno || !errors.Is(err, errno) {
		t.Fatalf("errno %v, want %v (%v)", e.Errno, errno, err)
	}
	return e
}

func TestDuplicateName(t *testing.T) {
	l := New()
	l.AddNumber("a", 1)
	l.AddString("a", "x") // same name, another type: still a duplicate
	e := wantErr(t, l.Err(), syscall.EEXIST)
	if e.Name != "a" || e.Op != "add" {
		t.Errorf("error %+v", e)
	}
	if l.Len() != 1 {
		t.Errorf("Len = %d after a failed add", l.Len())
	}
	if _, err := l.Pack(); !errors.Is(err, syscall.EEXIST) {
		t.Errorf("Pack: %v, want the sticky EEXIST", err)
	}
}

func TestStickyError(t *testing.T) {
	l := New()
	l.AddBinary("empty", nil)
	l.AddNumber("n", 1) // ignored: the list has an error
	l.AddNumber("n", 2)
	wantErr(t, l.Err(), syscall.EINVAL)
	if l.Len() != 0 {
		t.Errorf("Len = %d, want 0", l.Len())
	}
	if _, err := l.Pack(); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Pack: %v", err)
	}
	// A list inside another one: Pack finds the error too.
	top, child := New(), New()
	top.AddNVList("c", child)
	child.AddNumberArray("x", nil)
	if _, err := top.Pack(); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Pack of parent of a failed list: %v", err)
	}
	if _, err := top.PackedSize(); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("PackedSize of parent of a failed list: %v", err)
	}
}

func TestCaseSensitiveByDefault(t *testing.T) {
	l := New()
	l.AddNumber("A", 1)
	l.AddNumber("a", 2)
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	if v, ok := l.Number("a"); !ok || v != 2 {
		t.Errorf("Number(a) = %d, %v", v, ok)
	}
	if l.Exists("B") || !l.Exists("A") {
		t.Error("Exists is wrong")
	}
}

func TestIgnoreCase(t *testing.T) {
	l := NewWithFlags(FlagIgnoreCase)
	l.AddNumber("Listen-Port", 51820)
	if v, ok := l.Number("LISTEN-port"); !ok || v != 51820 {
		t.Errorf("Number = %d, %v", v, ok)
	}
	l.AddString("listen-PORT", "x")
	wantErr(t, l.Err(), syscall.EEXIST)
	// Only ASCII letters fold, as with strcasecmp in the C locale.
	m := NewWithFlags(FlagIgnoreCase)
	m.AddNumber("\u00e9", 1)
	m.AddNumber("\u00c9", 2)
	if err := m.Err(); err != nil {
		t.Errorf("non-ASCII letters folded: %v", err)
	}
}

func TestNoUnique(t *testing.T) {
	l := NewWithFlags(FlagNoUnique)
	l.AddNumber("k", 1)
	l.AddNumber("k", 2)
	l.AddString("k", "s")
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	if v, _ := l.Number("k"); v != 1 {
		t.Errorf("Number(k) = %d, want the first pair", v)
	}
	if s, _ := l.String("k"); s != "s" {
		t.Errorf("String(k) = %q", s)
	}
	b, err := l.Pack()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Unpack(b); !errors.Is(err, syscall.EILSEQ) {
		t.Errorf("Unpack with flags 0: %v, want EILSEQ", err)
	}
	back, err := UnpackWithFlags(b, FlagNoUnique)
	if err != nil || !Equal(back, l) {
		t.Errorf("UnpackWithFlags: %v", err)
	}
}

func TestNewWithBadFlags(t *testing.T) {
	l := NewWithFlags(0x80 | FlagNoUnique)
	wantErr(t, l.Err(), syscall.EINVAL)
	if l.Flags() != FlagNoUnique {
		t.Errorf("Flags = %#x", l.Flags())
	}
}

func TestTypedLookups(t *testing.T) {
	child := New()
	elem := New()
	l := New()
	l.AddNull("null")
	l.AddBool("bool", true)
	l.AddNumber("number", 7)
	l.AddString("string", "hi")
	l.AddNVList("nvlist", child)
	l.AddBinary("binary", []byte{1, 2})
	l.AddBoolArray("bool_array", []bool{true, false})
	l.AddNumberArray("number_array", []uint64{1, 2})
	l.AddStringArray("string_array", []string{"a", ""})
	l.AddNVListArray("nvlist_array", []*List{elem})
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []Type{TypeNull, TypeBool, TypeNumber, TypeString, TypeNVList, TypeBinary,
		TypeBoolArray, TypeNumberArray, TypeStringArray, TypeNVListArray} {
		name := typ.String()
		if !l.ExistsType(name, typ) || !l.Exists(name) {
			t.Errorf("%s: not found", name)
		}
		// Every lookup of another type misses, as nvlist_exists_<type> does.
		for _, other := range []Type{TypeNull, TypeBool, TypeNumber, TypeString, TypeNVList,
			TypeBinary, TypeBoolArray, TypeNumberArray, TypeStringArray, TypeNVListArray} {
			if other != typ && l.ExistsType(name, other) {
				t.Errorf("%s found as %s", name, other)
			}
		}
	}
	if v, ok := l.Bool("bool"); !ok || !v {
		t.Error("Bool")
	}
	if _, ok := l.Bool("number"); ok {
		t.Error("Bool found a number")
	}
	if v, ok := l.Number("number"); !ok || v != 7 {
		t.Error("Number")
	}
	if _, ok := l.Number("string"); ok {
		t.Error("Number found a string")
	}
	if v, ok := l.String("string"); !ok || v != "hi" {
		t.Error("String")
	}
	if v, ok := l.NVList("nvlist"); !ok || v != child {
		t.Error("NVList does not return the added list")
	}
	if v, ok := l.Binary("binary"); !ok || string(v) != "\x01\x02" {
		t.Error("Binary")
	}
	if v, ok := l.BoolArray("bool_array"); !ok || !slices.Equal(v, []bool{true, false}) {
		t.Error("BoolArray")
	}
	if v, ok := l.NumberArray("number_array"); !ok || !slices.Equal(v, []uint64{1, 2}) {
		t.Error("NumberArray")
	}
	if v, ok := l.StringArray("string_array"); !ok || !slices.Equal(v, []string{"a", ""}) {
		t.Error("StringArray")
	}
	if v, ok := l.NVListArray("nvlist_array"); !ok || len(v) != 1 || v[0] != elem {
		t.Error("NVListArray")
	}
	if _, ok := l.Binary("missing"); ok || l.Exists("missing") || l.ExistsType("null", 0) {
		t.Error("found a missing pair")
	}
}

func TestNameLimits(t *testing.T) {
	l := New()
	l.AddNumber(strings.Repeat("n", MaxNameLen), 1)
	l.AddNumber("", 2) // the empty name is legal
	if err := l.Err(); err != nil {
		t.Fatalf("name of %d bytes: %v", MaxNameLen, err)
	}
	l.AddNumber(strings.Repeat("m", MaxNameLen+1), 1)
	wantErr(t, l.Err(), syscall.ENAMETOOLONG)

	m := New()
	m.AddNull("a\x00b")
	wantErr(t, m.Err(), syscall.EINVAL)
}

func TestInvalidValues(t *testing.T) {
	for name, add := range map[string]func(l *List){
		"string with NUL":       func(l *List) { l.AddString("s", "a\x00") },
		"empty binary":          func(l *List) { l.AddBinary("b", []byte{}) },
		"empty bool array":      func(l *List) { l.AddBoolArray("b", nil) },
		"empty number array":    func(l *List) { l.AddNumberArray("n", []uint64{}) },
		"empty string array":    func(l *List) { l.AddStringArray("s", nil) },
		"string array with NUL": func(l *List) { l.AddStringArray("s", []string{"ok", "\x00"}) },
		"nil nvlist":            func(l *List) { l.AddNVList("c", nil) },
		"empty nvlist array":    func(l *List) { l.AddNVListArray("c", nil) },
		"nil array element":     func(l *List) { l.AddNVListArray("c", []*List{New(), nil}) },
	} {
		l := New()
		add(l)
		if err := l.Err(); !errors.Is(err, syscall.EINVAL) || l.Len() != 0 {
			t.Errorf("%s: Err = %v, Len = %d", name, err, l.Len())
		}
	}
}

func TestOwnership(t *testing.T) {
	a, b, c := New(), New(), New()
	a.AddNVList("b", b)
	a.AddNVList("b2", b) // b already belongs to a
	wantErr(t, a.Err(), syscall.EINVAL)

	b.AddNVList("c", c)
	c.AddNVList("a", a) // a contains c: a cycle
	wantErr(t, c.Err(), syscall.EINVAL)

	d := New()
	d.AddNVList("self", d)
	wantErr(t, d.Err(), syscall.EINVAL)

	// An element given twice is refused, and nothing is taken.
	e, x := New(), New()
	e.AddNVListArray("arr", []*List{x, x})
	wantErr(t, e.Err(), syscall.EINVAL)
	f := New()
	f.AddNVListArray("arr", []*List{x})
	if err := f.Err(); err != nil {
		t.Errorf("x was kept by a failed add: %v", err)
	}

	// An array element that contains the list it is added to.
	g, k, root := New(), New(), New()
	root.AddNVList("g", g)
	k.AddNVListArray("r", []*List{root})
	g.AddNVListArray("k", []*List{k}) // k contains root, which contains g
	wantErr(t, g.Err(), syscall.EINVAL)
}

func TestChildError(t *testing.T) {
	child := New()
	child.AddNumber("x", 1)
	child.AddNumber("x", 2)
	l := New()
	l.AddNVList("c", child)
	wantErr(t, l.Err(), syscall.EEXIST)
	m := New()
	m.AddNVListArray("a", []*List{New(), child})
	wantErr(t, m.Err(), syscall.EEXIST)
}

// TestMoveSemantics checks that an added list is stored, not copied.
func TestMoveSemantics(t *testing.T) {
	child := New()
	l := New()
	l.AddNVList("c", child)
	child.AddNumber("late", 5)
	b, err := l.Pack()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unpack(b)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := back.NVList("c")
	if v, ok := c.Number("late"); !ok || v != 5 {
		t.Error("a pair added to the child after AddNVList was not packed")
	}
}

// TestBigList exercises the name index of lists with many pairs, built
// with Add and decoded with Unpack.
func TestBigList(t *testing.T) {
	for _, flags := range []int{0, FlagIgnoreCase} {
		l := NewWithFlags(flags)
		for i := range 100 {
			l.AddNumber(fmt.Sprintf("Key%d", i), uint64(i))
		}
		if err := l.Err(); err != nil {
			t.Fatal(err)
		}
		b, err := l.Pack()
		if err != nil {
			t.Fatal(err)
		}
		back, err := UnpackWithFlags(b, flags)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range []*List{l, back} {
			for i := range 100 {
				name := fmt.Sprintf("Key%d", i)
				if flags == FlagIgnoreCase {
					name = strings.ToUpper(name)
				}
				if v, ok := x.Number(name); !ok || v != uint64(i) {
					t.Errorf("flags %d: Number(%s) = %d, %v", flags, name, v, ok)
				}
			}
			if _, ok := x.Number("Key100"); ok {
				t.Error("found Key100")
			}
			if _, ok := x.String("Key5"); ok {
				t.Error("found Key5 as a string")
			}
			x.AddString("Key99", "dup")
			wantErr(t, x.Err(), syscall.EEXIST)
		}
	}
}

func TestPairs(t *testing.T) {
	l := New()
	l.AddNull("n")
	l.AddBool("b", true)
	l.AddNumber("x", 3)
	l.AddString("s", "v")
	l.AddBinary("bin", []byte{9})
	l.AddBoolArray("ba", []bool{false, true})
	l.AddNumberArray("na", []uint64{4})
	l.AddStringArray("sa", []string{"p"})
	c := New()
	l.AddNVList("c", c)
	l.AddNVListArray("ca", []*List{New()})
	want := []struct {
		name string
		typ  Type
		val  string
	}{
		{"n", TypeNull, "<nil>"}, {"b", TypeBool, "true"}, {"x", TypeNumber, "3"},
		{"s", TypeString, "v"}, {"bin", TypeBinary, "[9]"}, {"ba", TypeBoolArray, "[false true]"},
		{"na", TypeNumberArray, "[4]"}, {"sa", TypeStringArray, "[p]"},
		{"c", TypeNVList, fmt.Sprint(c)}, {"ca", TypeNVListArray, ""},
	}
	i := 0
	for p := range l.Pairs() {
		w := want[i]
		if p.Name() != w.name || p.Type() != w.typ {
			t.Errorf("pair %d: %s %s", i, p.Name(), p.Type())
		}
		if got := fmt.Sprint(p.Value()); w.val != "" && got != w.val {
			t.Errorf("pair %s: Value %s, want %s", p.Name(), got, w.val)
		}
		if l.Pair(i) != p {
			t.Errorf("Pair(%d) differs from the iterator", i)
		}
		i++
	}
	if i != len(want) {
		t.Errorf("%d pairs", i)
	}
	if v, ok := l.Pair(9).Value().([]*List); !ok || len(v) != 1 {
		t.Errorf("nvlist array value %T", l.Pair(9).Value())
	}
	for p := range l.Pairs() {
		if p.Name() == "s" {
			break // the iterator stops when asked
		}
	}
	if p, ok := l.Lookup("x"); !ok || p.Value() != uint64(3) {
		t.Error("Lookup")
	}
	if _, ok := l.Lookup("nope"); ok {
		t.Error("Lookup found a missing name")
	}
}

func TestTypeString(t *testing.T) {
	for typ, want := range map[Type]string{
		TypeNull: "null", TypeNVListArray: "nvlist_array", TypeDescriptor: "descriptor",
		0: "Type(0)", 13: "Type(13)", 254: "nvlist_array_next", 255: "nvlist_up",
	} {
		if got := typ.String(); got != want {
			t.Errorf("Type(%d).String() = %q, want %q", typ, got, want)
		}
	}
}

// TestAddAfterError checks that every Add method does nothing once the
// list has an error, and keeps the first error.
func TestAddAfterError(t *testing.T) {
	l := New()
	l.AddNull("x")
	l.AddNull("x")
	first := l.Err()
	child, elem := New(), New()
	l.AddNull("a")
	l.AddBool("b", true)
	l.AddNumber("c", 1)
	l.AddString("d", "s")
	l.AddNVList("e", child)
	l.AddBinary("f", []byte{1})
	l.AddBoolArray("g", []bool{true})
	l.AddNumberArray("h", []uint64{1})
	l.AddStringArray("i", []string{"s"})
	l.AddNVListArray("j", []*List{elem})
	if l.Len() != 1 || l.Err() != first {
		t.Fatalf("Len %d, Err %v; want 1, %v", l.Len(), l.Err(), first)
	}
	// The lists were not taken.
	m := New()
	m.AddNVList("e", child)
	m.AddNVListArray("j", []*List{elem})
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestEqual(t *testing.T) {
	a, b := New(), New()
	if !Equal(nil, nil) || Equal(a, nil) || Equal(nil, b) || !Equal(a, b) {
		t.Fatal("Equal with nil or empty lists")
	}
	build := func(mod func(l *List)) *List {
		l := New()
		l.AddBool("b", true)
		l.AddNumber("n", 1)
		l.AddString("s", "x")
		l.AddBinary("bin", []byte{1})
		l.AddBoolArray("ba", []bool{true})
		l.AddNumberArray("na", []uint64{1})
		l.AddStringArray("sa", []string{"x"})
		c := New()
		c.AddNull("z")
		l.AddNVList("c", c)
		e := New()
		e.AddNull("z")
		l.AddNVListArray("ca", []*List{e})
		mod(l)
		return l
	}
	base := build(func(*List) {})
	for name, mod := range map[string]func(l *List){
		"bool":         func(l *List) { l.pairs[0].n = 0 },
		"number":       func(l *List) { l.pairs[1].n = 2 },
		"name":         func(l *List) { l.pairs[1].name = "m" },
		"type":         func(l *List) { l.pairs[0].typ = TypeNumber },
		"string":       func(l *List) { l.pairs[2] = stringPair("s", "y") },
		"binary":       func(l *List) { l.pairs[3].bytes()[0] = 2 },
		"bool array":   func(l *List) { l.pairs[4].bytes()[0] = 2 },
		"number array": func(l *List) { l.pairs[5].numbers()[0] = 2 },
		"string array": func(l *List) { l.pairs[6].strings()[0] = "y" },
		"nested":       func(l *List) { l.pairs[7].list().AddNull("extra") },
		"element":      func(l *List) { l.pairs[8].lists()[0].AddNull("extra") },
		"flags":        func(l *List) { l.flags = FlagNoUnique },
		"array length": func(l *List) {
			l.pairs = l.pairs[:8]
			l.AddNVListArray("ca", []*List{New(), New()})
		},
		"length": func(l *List) { l.AddNull("extra") },
	} {
		if Equal(base, build(mod)) {
			t.Errorf("%s: Equal missed the difference", name)
		}
	}
	if !Equal(base, build(func(*List) {})) {
		t.Error("equal lists differ")
	}
}
