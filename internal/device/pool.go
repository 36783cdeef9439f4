// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/wgbsd/wgbsd/internal/noise"
)

// element is one packet on its way through the engine, in a buffer with
// headroom for the transport header and tail room for padding and the tag,
// so that every step works in place.
//
// On the send path the IP packet sits at buf[bufferHeadroom:][:size];
// sealing writes the header into the headroom and the tag after the padded
// plaintext. On the receive path the datagram sits at buf[:size] and
// opening leaves the plaintext at buf[bufferHeadroom:], exactly where the
// TUN writes from.
type element struct {
	buf  []byte // the whole buffer, len(buf) == cap(buf)
	size int    // the packet's length (see above)

	// src is the source of a received datagram; on the send path it is
	// unused.
	src netip.AddrPort
	// plain is the length of the opened plaintext, -1 when opening failed.
	plain   int
	counter uint64

	// next links staged elements of a peer.
	next *element

	// owner is set on an element for one of the datagrams of a
	// coalesced message after the first: its buf is a slice of the
	// owner's, which goes back to the pool once the owner and every such
	// element have been put. refs counts them, the owner included, while
	// the buffer is shared.
	owner *element
	refs  atomic.Int32

	// used is the most bytes a read has written into buf, so the most
	// of it that can be resident; a receive pool keeps free buffers up to
	// a budget of such bytes.
	used int
}

// wrote records that a read wrote n bytes at the start of e's buffer.
func (e *element) wrote(n int) {
	e.used = max(e.used, min(n, len(e.buf)))
}

// residentBytes returns the memory e's buffer holds at most: the pages a
// read has written into, at least one.
func (e *element) residentBytes() int {
	const page = 4096
	return max((e.used+page-1)&^(page-1), page)
}

// elementPool is a bounded pool of elements. At most limit elements are
// out at once; get blocks while the pool is exhausted, which pushes back
// on the reader feeding the engine instead of growing memory. The free
// elements themselves live in a sync.Pool, so the garbage collector
// reclaims them while the engine is idle.
//
// A receive pool (initReceive) differs in two ways: its buffers hold the
// largest datagram whatever the MTU, and its free elements are kept in a
// stack of its own instead of a sync.Pool, so that a buffer, once
// allocated, is reused rather than freed and reallocated. The memory of a
// large buffer becomes resident only where datagrams were written into
// it: a 64 KiB buffer that only ever received 1,452-byte datagrams costs
// one page. Reallocating it would clear, and so touch, all sixteen. A
// coalesced message (UDP_GRO) fills a buffer, though, so the stack keeps
// free buffers only up to a budget of the bytes reads wrote into them
// (freeLimit); a buffer beyond it is left to the garbage collector.
type elementPool struct {
	mu      sync.Mutex
	cond    sync.Cond
	out     int
	limit   int
	size    int // buffer size of new elements
	closed  bool
	storage sync.Pool
	// fixed marks a receive pool: the size never changes and the free
	// elements are in free, the most recently returned last.
	fixed bool
	free  []*element
	// freeBytes is the resident size of the buffers in free (see
	// element.residentBytes), at most freeLimit.
	freeBytes int
	freeLimit int
}

// init prepares p for elements of size bytes, at most limit at once.
func (p *elementPool) init(size, limit int) {
	p.cond.L = &p.mu
	p.size = size
	p.limit = limit
}

// initReceive prepares p as a receive pool of buffers of
// receiveBufferSize bytes within a memory budget of budget bytes: as many
// elements at once as fit (but no fewer than receivers need, see
// poolLimit), and free buffers holding at most a quarter of it.
func (p *elementPool) initReceive(budget int) {
	p.init(receiveBufferSize, poolLimit(receiveBufferSize, budget))
	p.fixed = true
	p.freeLimit = budget / 4
}

// popFree takes the most recently returned free element of a receive
// pool, or nil. The caller holds p.mu.
func (p *elementPool) popFree() *element {
	k := len(p.free)
	if k == 0 {
		return nil
	}
	e := p.free[k-1]
	p.free[k-1] = nil
	p.free = p.free[:k-1]
	p.freeBytes -= e.residentBytes()
	return e
}

// setSize changes the buffer size of the elements handed out from now on;
// elements of another size are reallocated as they come back. A receive
// pool keeps its size.
func (p *elementPool) setSize(size int) {
	p.mu.Lock()
	if !p.fixed {
		p.size = size
	}
	p.mu.Unlock()
}

// bufferSize returns the current buffer size.
func (p *elementPool) bufferSize() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.size
}

// getN fills elems with len(elems) elements, blocking while the pool is
// exhausted. It returns false, with no elements taken, once the pool is
// closed.
func (p *elementPool) getN(elems []*element) bool {
	p.mu.Lock()
	for !p.closed && p.out+len(elems) > p.limit {
		p.cond.Wait()
	}
	if p.closed {
		p.mu.Unlock()
		return false
	}
	p.out += len(elems)
	size := p.size
	if p.fixed {
		for i := range elems {
			elems[i] = p.popFree()
		}
		p.mu.Unlock()
		for i, e := range elems {
			if e == nil {
				elems[i] = &element{buf: make([]byte, size)}
			}
		}
		return true
	}
	p.mu.Unlock()
	for i := range elems {
		elems[i] = p.fetch(size)
	}
	return true
}

// tryGet returns an element without blocking, or nil when the pool is
// exhausted or closed.
func (p *elementPool) tryGet() *element {
	p.mu.Lock()
	if p.closed || p.out >= p.limit {
		p.mu.Unlock()
		return nil
	}
	p.out++
	size := p.size
	if p.fixed {
		e := p.popFree()
		p.mu.Unlock()
		if e == nil {
			e = &element{buf: make([]byte, size)}
		}
		return e
	}
	p.mu.Unlock()
	return p.fetch(size)
}

// fetch takes a free element with a buffer of size bytes.
func (p *elementPool) fetch(size int) *element {
	e, _ := p.storage.Get().(*element)
	if e == nil {
		e = new(element)
	}
	if len(e.buf) != size {
		e.buf = make([]byte, size)
	}
	return e
}

// put returns e to the pool.
func (p *elementPool) put(e *element) {
	if o := e.owner; o != nil {
		e.reset()
		e.buf, e.owner = nil, nil
		segmentPool.Put(e)
		e = o
	}
	if e.refs.Load() > 0 && e.refs.Add(-1) > 0 {
		return // another datagram still uses the buffer
	}
	e.reset()
	if !p.fixed {
		p.storage.Put(e)
	}
	p.mu.Lock()
	if p.fixed {
		if n := e.residentBytes(); p.freeBytes+n <= p.freeLimit {
			p.free = append(p.free, e)
			p.freeBytes += n
		}
	}
	p.out--
	wake := p.out+MaxBatchSize >= p.limit
	p.mu.Unlock()
	if wake {
		p.cond.Broadcast()
	}
}

// reset clears what the engine recorded about e's packet.
func (e *element) reset() {
	e.size, e.src, e.plain, e.counter, e.next = 0, netip.AddrPort{}, 0, 0, nil
}

// segmentPool recycles the elements of the datagrams of a coalesced
// message after the first; they own no buffer.
var segmentPool = sync.Pool{New: func() any { return new(element) }}

// splitMessages counts the coalesced messages split, for tests and
// profiles.
var splitMessages atomic.Uint64

// split cuts the coalesced message in e, size bytes of datagrams of seg
// bytes each (the last possibly shorter), into one element per datagram,
// all sharing e's buffer, and appends them to out: e itself for the
// first, then one from segmentPool for each of the others. Every datagram
// stays where the kernel put it and is opened there; its plaintext and
// what a TUN write puts in front of it stay within its own bytes.
func split(e *element, size, seg int, out []*element) []*element {
	splitMessages.Add(1)
	k := (size + seg - 1) / seg
	e.size = seg
	e.refs.Store(int32(k))
	out = append(out, e)
	for off := seg; off < size; off += seg {
		end := min(off+seg, size)
		c := segmentPool.Get().(*element)
		c.buf = e.buf[off:end:end]
		c.size = end - off
		c.src = e.src
		c.owner = e
		out = append(out, c)
	}
	return out
}

// appendReceived appends to out the datagrams of e, which a read filled
// with size bytes: e itself, or, when it holds a coalesced message of
// datagrams of seg bytes, one element per datagram (see split). A
// coalesced message that claims more bytes than the buffer holds, or
// datagrams too short for any message (a transport message is the
// shortest), is dropped whole: e goes back to the pool.
func (p *elementPool) appendReceived(e *element, size, seg int, out []*element) []*element {
	if seg <= 0 || size <= seg {
		e.size = size
		return append(out, e)
	}
	if size > len(e.buf) || seg < noise.MessageTransportSize {
		p.put(e)
		return out
	}
	return split(e, size, seg, out)
}

// refill replaces the elements a read handed on, the first len(handed)
// of a reader's batch, with fresh ones, and points bufs at their buffers.
// It returns false when the pool is closed; the slots are then nil.
func (p *elementPool) refill(handed []*element, bufs [][]byte) bool {
	if len(handed) == 0 {
		return true
	}
	clear(handed)
	if !p.getN(handed) {
		return false
	}
	for i, e := range handed {
		bufs[i] = e.buf
	}
	return true
}

// putHeld returns the elements a reader still holds when it stops.
func (p *elementPool) putHeld(elems []*element) {
	for i, e := range elems {
		if e != nil {
			p.put(e)
			elems[i] = nil
		}
	}
}

// close wakes every waiter and makes further gets fail.
func (p *elementPool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cond.Broadcast()
}

// held returns how many free buffers a receive pool keeps and the bytes
// they can hold resident.
func (p *elementPool) held() (n, bytes int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free), p.freeBytes
}

// outstanding returns how many elements are out.
func (p *elementPool) outstanding() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out
}

// receiveBufferSize is the buffer size of a receive pool: the largest UDP
// datagram, so that a peer whose MTU is larger than ours is heard whole.
// A datagram sits at the start of its buffer and opens in place, so no
// head- or tail room is needed.
const receiveBufferSize = 65535

// bufferSizeFor returns the buffer size that carries packets of the given
// MTU with headroom and tail room, at least MinBufferSize.
func bufferSizeFor(mtu int) int {
	n := bufferHeadroom + mtu + bufferTailroom
	n = (n + 1023) &^ 1023
	return min(max(n, MinBufferSize), MaxBufferSize)
}

// poolLimit returns how many elements of size bytes fit in budget,
// within sane bounds.
func poolLimit(size, budget int) int {
	return min(max(budget/size, 4*MaxBatchSize), 8192)
}
