// SPDX-License-Identifier: BSD-2-Clause

package device

import "testing"

// TestReceivePoolHoldsLargestDatagram checks that a receive pool's
// buffers hold a 65,535-byte datagram whatever the MTU, also after an MTU
// change, and that returned elements are reused rather than reallocated.
func TestReceivePoolHoldsLargestDatagram(t *testing.T) {
	var p elementPool
	p.initReceive(poolLimit(bufferSizeFor(DefaultMTU), DefaultBufferMemory))
	p.setSize(bufferSizeFor(576))
	elems := make([]*element, MaxBatchSize)
	if !p.getN(elems) {
		t.Fatal("getN failed on an open pool")
	}
	seen := make(map[*element]bool)
	for _, e := range elems {
		if len(e.buf) != 65535 {
			t.Fatalf("receive buffer of %d bytes, want 65535", len(e.buf))
		}
		seen[e] = true
	}
	p.putHeld(elems)
	if out := p.outstanding(); out != 0 {
		t.Fatalf("%d elements out after putHeld", out)
	}
	if !p.getN(elems[:MaxBatchSize/2]) {
		t.Fatal("getN failed")
	}
	e := p.tryGet()
	for _, g := range append(elems[:MaxBatchSize/2], e) {
		if !seen[g] {
			t.Fatal("a returned element was reallocated instead of reused")
		}
	}
}

// TestReceivePoolLimit checks that a receive pool blocks nobody below its
// limit and refuses tryGet at it.
func TestReceivePoolLimit(t *testing.T) {
	var p elementPool
	p.initReceive(4 * MaxBatchSize)
	elems := make([]*element, 4*MaxBatchSize)
	if !p.getN(elems) {
		t.Fatal("getN failed")
	}
	if e := p.tryGet(); e != nil {
		t.Fatal("tryGet beyond the limit returned an element")
	}
	p.put(elems[0])
	if e := p.tryGet(); e != elems[0] {
		t.Fatal("tryGet did not return the freed element")
	}
	p.close()
	if p.getN(elems[:1]) {
		t.Fatal("getN succeeded on a closed pool")
	}
}
