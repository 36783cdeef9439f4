// SPDX-License-Identifier: BSD-2-Clause

package replay

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// step is one counter fed to a Window and the verdict expected.
type step struct {
	counter uint64
	want    bool
}

func runSteps(t *testing.T, w *Window, steps []step) {
	t.Helper()
	for i, s := range steps {
		if got := w.Check(s.counter); got != s.want {
			t.Fatalf("step %d: Check(%d) = %v, want %v", i, s.counter, got, s.want)
		}
		if got := w.Validate(s.counter); got != s.want {
			t.Fatalf("step %d: Validate(%d) = %v, want %v", i, s.counter, got, s.want)
		}
	}
}

func TestConstants(t *testing.T) {
	if WindowSize != 8128 {
		t.Errorf("WindowSize = %d, want 8128", WindowSize)
	}
	// 2^64 − 2^13 − 1, written out.
	if RejectAfterMessages != 0xffffffffffffdfff {
		t.Errorf("RejectAfterMessages = %#x, want 0xffffffffffffdfff", uint64(RejectAfterMessages))
	}
}

func TestInOrder(t *testing.T) {
	var w Window
	for c := uint64(0); c < 3*WindowSize; c++ {
		if !w.Validate(c) {
			t.Fatalf("Validate(%d) = false on first sight", c)
		}
	}
	for _, c := range []uint64{0, 1, 2*WindowSize - 1, 3*WindowSize - 1} {
		if w.Validate(c) {
			t.Errorf("Validate(%d) = true on second sight", c)
		}
	}
}

func TestOutOfOrderAndDuplicates(t *testing.T) {
	var w Window
	runSteps(t, &w, []step{
		{0, true},
		{0, false},
		{5, true},
		{3, true},
		{4, true},
		{1, true},
		{2, true},
		{3, false},
		{5, false},
		{100, true},
		{64, true},
		{63, true},
		{64, false},
		{99, true},
		{101, true},
		{100, false},
	})
}

func TestWindowBoundary(t *testing.T) {
	const top = 20000
	var w Window
	runSteps(t, &w, []step{
		{top, true},
		{top - WindowSize - 1, false}, // one too old
		{top - WindowSize, true},      // exactly WindowSize behind
		{top - WindowSize, false},
		{top - 1, true},
	})
	// Moving the top by one pushes the previous oldest out.
	runSteps(t, &w, []step{
		{top + 1, true},
		{top - WindowSize, false},
		{top + 1 - WindowSize, true},
	})
}

func TestBoundaryAtEveryBlockOffset(t *testing.T) {
	// The boundary must not depend on where the top falls inside a block.
	for off := uint64(0); off < 2*blockBits; off++ {
		var w Window
		top := 10*WindowSize + off
		if !w.Validate(top) {
			t.Fatalf("off %d: top rejected", off)
		}
		if w.Validate(top - WindowSize - 1) {
			t.Fatalf("off %d: counter WindowSize+1 behind accepted", off)
		}
		for c := top - WindowSize; c < top; c++ {
			if !w.Validate(c) {
				t.Fatalf("off %d: counter %d (%d behind) rejected", off, c, top-c)
			}
		}
	}
}

func TestFarJump(t *testing.T) {
	var w Window
	for c := uint64(0); c < 200; c++ {
		w.Validate(c)
	}
	far := uint64(1) << 40
	runSteps(t, &w, []step{
		{far, true},
		{far, false},
		{199, false},             // far behind now
		{far - WindowSize, true}, // cleared by the jump, never seen
		{far - 1, true},
		{far + 1, true},
		{far + 7*blockBits, true},
		{far + 7*blockBits - 1, true},
		{far + 7*blockBits, false},
		// A jump of exactly one ring reuses the same slot and must see a
		// cleared block.
		{far + 7*blockBits + ringBlocks*blockBits, true},
		{far + 7*blockBits + ringBlocks*blockBits - blockBits, true},
	})
}

func TestLimit(t *testing.T) {
	var w Window
	runSteps(t, &w, []step{
		{RejectAfterMessages, false},
		{^uint64(0), false},
		{RejectAfterMessages - 1, true},
		{RejectAfterMessages - 1, false},
		{RejectAfterMessages, false},
		{RejectAfterMessages - 2, true},
		{RejectAfterMessages - 1 - WindowSize, true},
		{RejectAfterMessages - 2 - WindowSize, false},
	})
}

func TestReset(t *testing.T) {
	var w Window
	for c := uint64(0); c < 1000; c++ {
		w.Validate(c)
	}
	w.Validate(1 << 50)
	w.Reset()
	if w != (Window{}) {
		t.Fatal("Reset left state behind")
	}
	runSteps(t, &w, []step{{0, true}, {999, true}, {0, false}})
}

func TestCheckDoesNotRecord(t *testing.T) {
	var w Window
	for i := 0; i < 3; i++ {
		if !w.Check(42) {
			t.Fatal("Check(42) = false on a fresh window")
		}
	}
	if !w.Validate(42) || w.Check(42) || w.Validate(42) {
		t.Fatal("Check did not agree with Validate after recording")
	}
	before := w
	w.Check(1 << 30)
	if w != before {
		t.Fatal("Check of a far counter changed the window")
	}
}

// reference is the ideal replay filter the Window must be
// indistinguishable from: an exact set of accepted counters.
type reference struct {
	seen map[uint64]bool
	last uint64
}

func (r *reference) validate(c uint64) bool {
	if c >= RejectAfterMessages || r.seen[c] {
		return false
	}
	if c <= r.last && r.last-c > WindowSize {
		return false
	}
	r.seen[c] = true
	if c > r.last {
		r.last = c
		r.prune()
	}
	return true
}

// prune drops counters that can never be accepted again, so the map stays
// small; it does not change any verdict.
func (r *reference) prune() {
	if len(r.seen) < 4*WindowSize {
		return
	}
	for c := range r.seen {
		if r.last-c > WindowSize {
			delete(r.seen, c)
		}
	}
}

// nextCounter derives a counter from the current top and a selector,
// favouring the interesting places: near the top, around the window edge,
// small and large jumps, and the reject limit.
func nextCounter(last uint64, sel uint8, arg uint64) uint64 {
	switch sel % 8 {
	case 0, 1:
		return last + arg%4
	case 2:
		return last - arg%(WindowSize+3)
	case 3:
		return last - WindowSize + 2 - arg%5
	case 4:
		return last + arg%(3*ringBlocks*blockBits)
	case 5:
		return last - arg%256
	case 6:
		return RejectAfterMessages - 3 + arg%6 - 3*(arg>>8%2)*WindowSize
	default:
		return arg
	}
}

func TestDifferentialRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 20; round++ {
		var w Window
		ref := reference{seen: map[uint64]bool{}}
		for i := 0; i < 20000; i++ {
			sel := uint8(rng.Uint32())
			if sel%8 == 7 {
				sel = 0 // keep absolute jumps rare
			}
			c := nextCounter(ref.last, sel, rng.Uint64())
			if want, got := ref.validate(c), w.Validate(c); got != want {
				t.Fatalf("round %d step %d: Validate(%d) = %v, want %v (last %d)",
					round, i, c, got, want, ref.last)
			}
		}
	}
}

// FuzzWindow drives a Window and the reference with the same counters,
// nine bytes per step: a selector and an argument.
func FuzzWindow(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0x40, 0x1f, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{7, 0xff, 0xdf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 6, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		var w Window
		ref := reference{seen: map[uint64]bool{}}
		for len(data) >= 9 {
			c := nextCounter(ref.last, data[0], binary.LittleEndian.Uint64(data[1:9]))
			data = data[9:]
			check := w.Check(c)
			want, got := ref.validate(c), w.Validate(c)
			if got != want || check != want {
				t.Fatalf("counter %d: Validate %v, Check %v, want %v (last %d)",
					c, got, check, want, ref.last)
			}
		}
	})
}

func TestZeroAllocations(t *testing.T) {
	var w Window
	c := uint64(0)
	allocs := testing.AllocsPerRun(1000, func() {
		c += 3
		w.Validate(c)
		w.Check(c - 1)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per call, want 0", allocs)
	}
}

func BenchmarkValidateInOrder(b *testing.B) {
	var w Window
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w.Validate(uint64(i))
	}
}

func BenchmarkValidateReordered(b *testing.B) {
	// Counters arrive in blocks of 64 reversed, as from parallel queues.
	var w Window
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c := uint64(i)
		w.Validate(c ^ 63)
	}
}

func BenchmarkValidateReplay(b *testing.B) {
	var w Window
	w.Validate(1000)
	b.ReportAllocs()
	for b.Loop() {
		w.Validate(1000)
	}
}
