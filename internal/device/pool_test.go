// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"testing"

	"github.com/wgbsd/wgbsd/internal/noise"
)

// TestReceivePoolHoldsLargestDatagram checks that a receive pool's
// buffers hold a 65,535-byte datagram whatever the MTU, also after an MTU
// change, and that returned elements are reused rather than reallocated.
func TestReceivePoolHoldsLargestDatagram(t *testing.T) {
	var p elementPool
	p.initReceive(DefaultBufferMemory)
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
	p.initReceive(DefaultBufferMemory)
	elems := make([]*element, p.limit)
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

// TestSplitSharesBuffer checks that split cuts a coalesced message into
// elements over the owner's buffer, and that the buffer goes back to the
// pool only when the owner and every other datagram's element are put,
// in any order.
func TestSplitSharesBuffer(t *testing.T) {
	var p elementPool
	p.initReceive(DefaultBufferMemory)
	owner := p.tryGet()
	for i := range owner.buf[:2500] {
		owner.buf[i] = byte(i / 1000)
	}
	dgrams := split(owner, 2500, 1000, nil)
	if len(dgrams) != 3 || dgrams[0] != owner {
		t.Fatalf("split into %d elements, the first the owner: %v", len(dgrams), dgrams[0] == owner)
	}
	for i, e := range dgrams {
		want := min(1000, 2500-1000*i)
		if e.size != want || len(e.buf) < e.size || e.buf[0] != byte(i) || e.buf[e.size-1] != byte(i) {
			t.Fatalf("datagram %d: size %d, buffer of %d from %d", i, e.size, len(e.buf), e.buf[0])
		}
		if i > 0 && cap(e.buf) != e.size {
			t.Fatalf("datagram %d can grow into the next: cap %d", i, cap(e.buf))
		}
	}
	for _, e := range []*element{dgrams[1], owner, dgrams[2]} {
		if p.outstanding() != 1 {
			t.Fatal("the shared buffer went back before its last datagram")
		}
		p.put(e)
	}
	if p.outstanding() != 0 {
		t.Fatalf("%d out after every datagram was put", p.outstanding())
	}
	if e := p.tryGet(); e != owner || e.refs.Load() != 0 || e.owner != nil {
		t.Fatal("the owner did not come back clean")
	}
}

// TestReceivePoolMemoryBound checks that a receive pool stays within its
// memory budget: it hands out no more 64 KiB buffers at once than the
// budget holds (or receivers need), and after a burst that filled every
// buffer (coalesced messages do) it keeps free buffers of at most a
// quarter of the budget, leaving the rest to the garbage collector. Free
// buffers that reads only touched the start of stay cheap and are kept.
func TestReceivePoolMemoryBound(t *testing.T) {
	const budget = DefaultBufferMemory
	var p elementPool
	p.initReceive(budget)
	if max := max(budget, 4*MaxBatchSize*receiveBufferSize); p.limit*receiveBufferSize > max {
		t.Fatalf("pool limit %d elements of %d bytes: %d bytes, want at most %d",
			p.limit, receiveBufferSize, p.limit*receiveBufferSize, max)
	}

	burst := make([]*element, p.limit)
	if !p.getN(burst) {
		t.Fatal("getN failed")
	}
	for _, e := range burst {
		e.wrote(receiveBufferSize)
	}
	p.putHeld(burst)
	n, bytes := p.held()
	if bytes > budget/4 || n*receiveBufferSize > budget/4+receiveBufferSize {
		t.Fatalf("after a full burst the pool keeps %d free buffers, %d bytes; want at most %d bytes",
			n, bytes, budget/4)
	}
	if n == 0 {
		t.Fatal("the pool kept no free buffer at all")
	}
	// Buffers that only saw small datagrams cost a page each, and a
	// pool's worth of them is kept.
	var q elementPool
	q.initReceive(budget)
	if !q.getN(burst) {
		t.Fatal("getN failed")
	}
	for _, e := range burst {
		e.wrote(1452)
	}
	q.putHeld(burst)
	if n, bytes := q.held(); n != q.limit || bytes > budget/4 {
		t.Fatalf("the pool kept %d of %d small free buffers, %d bytes", n, q.limit, bytes)
	}
}

// TestAppendReceivedDropsBadCoalesced checks that a coalesced message is
// split only when it fits its buffer and its datagrams can hold a
// message: one claiming more bytes than the buffer, or cut into
// datagrams shorter than a transport message, is dropped whole and its
// buffer goes back, while a plain datagram and a valid message pass.
func TestAppendReceivedDropsBadCoalesced(t *testing.T) {
	var p elementPool
	p.initReceive(DefaultBufferMemory)
	for _, tc := range []struct {
		name      string
		size, seg int
		want      int // datagrams appended
	}{
		{"plain", 1452, 0, 1},
		{"one segment", 1452, 1452, 1},
		{"coalesced", 3 * 1452, 1452, 3},
		{"smallest segments", 4 * noise.MessageTransportSize, noise.MessageTransportSize, 4},
		{"larger than the buffer", receiveBufferSize + 1452, 1452, 0},
		{"segments too short", 1000, noise.MessageTransportSize - 1, 0},
		{"one-byte segments", receiveBufferSize, 1, 0},
	} {
		e := p.tryGet()
		out := p.appendReceived(e, tc.size, tc.seg, nil)
		if len(out) != tc.want {
			t.Errorf("%s: %d datagrams, want %d", tc.name, len(out), tc.want)
		}
		total := 0
		for _, g := range out {
			if g.size <= 0 || g.size > len(g.buf) {
				t.Errorf("%s: datagram of %d bytes in a buffer of %d", tc.name, g.size, len(g.buf))
			}
			total += g.size
		}
		if tc.want > 0 && total != tc.size {
			t.Errorf("%s: datagrams of %d bytes in all, want %d", tc.name, total, tc.size)
		}
		for _, g := range out {
			p.put(g)
		}
		if n := p.outstanding(); n != 0 {
			t.Fatalf("%s: %d elements out after every datagram was put", tc.name, n)
		}
	}
}
