// SPDX-License-Identifier: BSD-2-Clause

package device

import "sync"

// batch is a vector of packets of one peer that travels through the
// crypto workers together and is then delivered in one system call: a
// send to the peer's endpoint, or a write to the TUN. Every packet of a
// batch uses the same keypair.
type batch struct {
	peer    *peer
	keypair *keypair
	elems   []*element
	// bufs is scratch space for the system call that delivers the batch.
	bufs [][]byte
	// done is set, under the peer queue's lock, once the crypto is done.
	done bool
	next *batch
}

// batchPool recycles batches; their element slices keep their capacity.
var batchPool = sync.Pool{New: func() any {
	return &batch{
		elems: make([]*element, 0, MaxBatchSize),
		bufs:  make([][]byte, 0, MaxBatchSize),
	}
}}

// newBatch returns an empty batch of kp's peer.
func newBatch(kp *keypair) *batch {
	b := batchPool.Get().(*batch)
	b.peer, b.keypair = kp.peer, kp
	return b
}

// freeBatch recycles b; its elements must already be released.
func freeBatch(b *batch) {
	clear(b.elems)
	b.elems = b.elems[:0]
	b.peer, b.keypair, b.next, b.done = nil, nil, nil, false
	batchPool.Put(b)
}

// orderedQueue is a peer's queue of batches in one direction, in the
// order their packets were numbered (send) or received. The crypto of
// different batches finishes in any order on the device's workers;
// batches leave the queue strictly from its head, and only one goroutine
// at a time delivers them, which keeps each peer's packets in order with
// no goroutine of the peer's own. An idle queue holds nothing.
type orderedQueue struct {
	mu         sync.Mutex
	room       sync.Cond // signalled when batches leave the queue
	head, tail *batch
	packets    int  // packets in the queue
	delivering bool // a goroutine is delivering from the head
	closed     bool // the peer is gone: push fails
}

// push appends b unless that would exceed MaxQueuedPackets, and reports
// whether it did. If mayBlock, it waits for room instead, which pushes
// back on the reader feeding the peer; it fails once the queue is closed.
func (q *orderedQueue) push(b *batch, mayBlock bool) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !q.closed && q.packets+len(b.elems) > MaxQueuedPackets {
		if !mayBlock {
			return false
		}
		if q.room.L == nil {
			q.room.L = &q.mu
		}
		q.room.Wait()
	}
	if q.closed {
		return false
	}
	q.packets += len(b.elems)
	if q.tail == nil {
		q.head = b
	} else {
		q.tail.next = b
	}
	q.tail = b
	return true
}

// complete marks b, which is in q, as done and then delivers every done
// batch at the head of q, in order, with deliver. If another goroutine is
// already delivering, it will pick up b.
func (q *orderedQueue) complete(b *batch, deliver func(*batch)) {
	q.mu.Lock()
	b.done = true
	if q.delivering {
		q.mu.Unlock()
		return
	}
	q.delivering = true
	for {
		h := q.head
		if h == nil || !h.done {
			q.delivering = false
			q.mu.Unlock()
			return
		}
		q.head = h.next
		if q.head == nil {
			q.tail = nil
		}
		q.packets -= len(h.elems)
		h.next = nil
		if q.room.L != nil {
			q.room.Broadcast()
		}
		q.mu.Unlock()
		deliver(h)
		q.mu.Lock()
	}
}

// close makes q refuse batches from now on and wakes pushers waiting for
// room. Batches already queued are still delivered.
func (q *orderedQueue) close() {
	q.mu.Lock()
	q.closed = true
	if q.room.L != nil {
		q.room.Broadcast()
	}
	q.mu.Unlock()
}

// stagedQueue holds a peer's outgoing packets while it has no session:
// at most MaxStagedPackets, the oldest dropped first to make room.
type stagedQueue struct {
	mu         sync.Mutex
	head, tail *element
	n          int
}

// stage appends the packets of elems to p's staged queue and releases
// the packets that do not fit. A peer holds at most MaxStagedPackets and
// the device at most half its send-side buffers in staged packets: beyond
// either limit the peer's oldest staged packet is dropped to make room, or
// the new one if the peer has none. A removed peer stages nothing.
func (p *peer) stage(elems []*element) {
	d := p.device
	q := &p.staged
	limit := int64(d.txPool.limit / 2)
	var dropped *element
	q.mu.Lock()
	for _, e := range elems {
		if p.removed.Load() {
			e.next = dropped
			dropped = e
			continue
		}
		if q.n >= MaxStagedPackets || d.stagedTotal.Load() >= limit {
			if q.head == nil {
				e.next = dropped
				dropped = e
				continue
			}
			old := q.head
			q.head = old.next
			if q.head == nil {
				q.tail = nil
			}
			q.n--
			d.stagedTotal.Add(-1)
			old.next = dropped
			dropped = old
		}
		e.next = nil
		if q.tail == nil {
			q.head = e
		} else {
			q.tail.next = e
		}
		q.tail = e
		q.n++
		d.stagedTotal.Add(1)
	}
	q.mu.Unlock()
	for dropped != nil {
		e := dropped
		dropped = e.next
		d.txPool.put(e)
	}
}

// take removes up to max staged packets, oldest first, into dst. The
// caller holds q.mu.
func (q *stagedQueue) take(d *Device, dst []*element, max int) []*element {
	for q.head != nil && len(dst) < max {
		e := q.head
		q.head = e.next
		e.next = nil
		q.n--
		d.stagedTotal.Add(-1)
		dst = append(dst, e)
	}
	if q.head == nil {
		q.tail = nil
	}
	return dst
}

// unshift puts elems back at the front of the queue, in their order. The
// caller holds q.mu.
func (q *stagedQueue) unshift(d *Device, elems []*element) {
	for i := len(elems) - 1; i >= 0; i-- {
		e := elems[i]
		e.next = q.head
		q.head = e
		if q.tail == nil {
			q.tail = e
		}
		q.n++
		d.stagedTotal.Add(1)
	}
}

// flushStaged drops every staged packet of p.
func (p *peer) flushStaged() {
	q := &p.staged
	q.mu.Lock()
	e := q.head
	p.device.stagedTotal.Add(-int64(q.n))
	q.head, q.tail, q.n = nil, nil, 0
	q.mu.Unlock()
	for e != nil {
		next := e.next
		p.device.txPool.put(e)
		e = next
	}
}

// stagedEmpty reports whether p has no staged packet.
func (p *peer) stagedEmpty() bool {
	p.staged.mu.Lock()
	defer p.staged.mu.Unlock()
	return p.staged.n == 0
}
