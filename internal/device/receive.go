// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/wgbsd/wgbsd/internal/conn"
	"github.com/wgbsd/wgbsd/internal/noise"
)

// The receive path (UDP → TUN):
//
//  1. A receiver per socket reads a batch of datagrams into pool buffers
//     and classifies them. Transport data is looked up by its receiver
//     index; packets for one keypair are grouped into batches, appended
//     to the peer's ordered receive queue and handed to the decryption
//     workers. Handshake messages are copied onto the bounded handshake
//     queue, or dropped when it is full.
//  2. A decryption worker opens every packet in place, marks the batch
//     done and delivers, in order, the done batches at the head of the
//     peer's queue: replay check, key confirmation, inner header and
//     source checks, then one TUN write per batch, the endpoint update
//     (roaming), the receive counter and the timers.

// startReceivers starts a receiver per socket of the open bind, one that
// takes coalesced datagrams where the bind offers it. The device must
// already be marked up: a receiver whose first read fails while it is not
// takes the failure for a shutdown and exits. The caller holds the
// configuration lock.
func (d *Device) startReceivers() {
	if sb, ok := d.bind.(conn.SegmentBind); ok {
		for _, fn := range sb.SegmentReceiveFuncs() {
			d.net.receivers.Add(1)
			go d.receiver(fn)
		}
		return
	}
	for _, fn := range d.bind.ReceiveFuncs() {
		d.net.receivers.Add(1)
		go d.receiver(func(bufs [][]byte, sizes, segs []int, eps []conn.Endpoint) (int, error) {
			clear(segs)
			return fn(bufs, sizes, eps)
		})
	}
}

// receiver reads datagrams with one receive function until it fails
// because the bind was closed. Other errors are logged and retried after
// a pause that grows with each failure in a row. A coalesced message is
// split into its datagrams, which share its buffer.
func (d *Device) receiver(recv conn.SegmentReceiveFunc) {
	defer d.net.receivers.Done()
	n := min(max(d.bind.BatchSize(), 1), MaxBatchSize)
	r := newReceiveScratch(n)
	// The receiver holds a full batch of buffers. A read hands the ones it
	// filled to the pipeline and only those are fetched again; the rest
	// wait for the next read, and go back to the pool when it ends.
	if !d.rxPool.getN(r.elems) {
		return
	}
	defer d.rxPool.putHeld(r.elems)
	for i, e := range r.elems {
		r.bufs[i] = e.buf
	}
	failures := 0
	for {
		count, err := recv(r.bufs, r.sizes, r.segs, r.srcs)
		dgrams := r.elems[:count]
		if slices.ContainsFunc(r.segs[:count], func(s int) bool { return s > 0 }) {
			dgrams = r.dgrams[:0]
			for i, e := range r.elems[:count] {
				e.wrote(r.sizes[i])
				e.src = r.srcs[i].Dst
				dgrams = d.rxPool.appendReceived(e, r.sizes[i], r.segs[i], dgrams)
			}
			r.dgrams = dgrams
		} else {
			for i, e := range dgrams {
				e.wrote(r.sizes[i])
				e.size = r.sizes[i]
				e.src = r.srcs[i].Dst
			}
		}
		d.handleDatagrams(dgrams)
		if len(r.dgrams) > 0 {
			clear(r.dgrams)
			r.dgrams = r.dgrams[:0]
		}
		if !d.rxPool.refill(r.elems[:count], r.bufs) {
			return
		}
		if err == nil {
			failures = 0
			continue
		}
		if d.closed.Load() || !d.up.Load() || isClosedErr(err) {
			return
		}
		failures++
		d.log.Errorf("Failed to receive packets: %v", err)
		select {
		case <-time.After(min(time.Duration(failures)*receiveRetryPause, time.Second)):
		case <-d.closing:
			return
		}
	}
}

// receiveRetryPause is the pause after a failed receive, multiplied by
// the number of failures in a row (up to a second).
const receiveRetryPause = 10 * time.Millisecond

// receiveScratch holds a receiver's reusable slices.
type receiveScratch struct {
	elems []*element
	bufs  [][]byte
	sizes []int
	segs  []int
	srcs  []conn.Endpoint
	// dgrams holds the datagrams of a read with coalesced messages.
	dgrams []*element
}

func newReceiveScratch(n int) *receiveScratch {
	return &receiveScratch{
		elems: make([]*element, n),
		bufs:  make([][]byte, n),
		sizes: make([]int, n),
		segs:  make([]int, n),
		srcs:  make([]conn.Endpoint, n),
	}
}

// handleDatagrams dispatches received datagrams: transport data to the
// decryption workers in per-keypair batches, handshake messages to the
// handshake queue. Everything else is dropped.
func (d *Device) handleDatagrams(elems []*element) {
	now := d.now()
	var cur *batch
	for _, e := range elems {
		msg := e.buf[:min(e.size, len(e.buf))]
		t, err := noise.ParseMessageType(msg)
		if err != nil || e.size > len(e.buf) {
			d.rxPool.put(e)
			continue
		}
		if t != noise.MessageTransportType {
			d.queueHandshake(msg, e.src)
			d.rxPool.put(e)
			continue
		}
		kp := d.transportKeypair(msg, now)
		if kp == nil {
			d.rxPool.put(e)
			continue
		}
		if cur != nil && (cur.keypair != kp || len(cur.elems) == cap(cur.elems)) {
			d.dispatchReceive(cur)
			cur = nil
		}
		if cur == nil {
			cur = newBatch(kp)
		}
		cur.elems = append(cur.elems, e)
	}
	if cur != nil {
		d.dispatchReceive(cur)
	}
}

// transportKeypair returns the keypair that the transport data message msg
// is addressed to, or nil if there is none, it has expired, or the
// counter has obviously been seen before.
func (d *Device) transportKeypair(msg []byte, now time.Time) *keypair {
	idx := binary.LittleEndian.Uint32(msg[noise.MessageTransportOffsetReceiver:])
	ent, ok := d.indices.lookup(idx)
	if !ok || ent.keypair == nil {
		return nil
	}
	kp := ent.keypair
	if kp.expired(now) {
		return nil
	}
	counter := binary.LittleEndian.Uint64(msg[noise.MessageTransportOffsetCounter:])
	kp.replayMu.Lock()
	fresh := kp.replay.Check(counter)
	kp.replayMu.Unlock()
	if !fresh {
		return nil
	}
	return kp
}

// dispatchReceive queues a batch of transport data for decryption.
func (d *Device) dispatchReceive(b *batch) {
	p := b.peer
	if !p.rxQueue.push(b, true) {
		releaseBatch(&d.rxPool, b)
		return
	}
	d.inflight.Add(1)
	if !d.enqueue(d.queues.decryption, b, true) {
		dropBatch(b)
		p.rxQueue.complete(b, deliverReceive)
	}
}

// routineDecryption is a decryption worker.
func (d *Device) routineDecryption() {
	defer d.goroutines.Done()
	for {
		select {
		case b := <-d.queues.decryption:
			openBatch(b)
			b.peer.rxQueue.complete(b, deliverReceive)
		case <-d.closing:
			return
		}
	}
}

// openBatch opens every packet of b in place, recording the plaintext
// length, or -1 for a packet that fails authentication.
func openBatch(b *batch) {
	for _, e := range b.elems {
		if e.plain < 0 {
			continue
		}
		pt, counter, err := b.keypair.Open(e.buf[:e.size])
		if err != nil {
			e.plain = -1
			continue
		}
		e.plain = len(pt)
		e.counter = counter
	}
}

// deliverReceive finishes a decrypted batch: it is called in order for
// each peer.
func deliverReceive(b *batch) {
	p := b.peer
	d := p.device
	kp := b.keypair
	bufs := b.bufs[:0]
	var rx uint64
	var src netip.AddrPort
	valid, dataReceived := false, false
	elems := b.elems
	if p.removed.Load() {
		elems = nil
	}
	// One pass under the replay lock marks replayed packets, so the lock
	// is taken once per batch and never held across what follows.
	kp.replayMu.Lock()
	for _, e := range elems {
		if e.plain >= 0 && !kp.replay.Validate(e.counter) {
			e.plain = -1
		}
	}
	kp.replayMu.Unlock()
	for _, e := range elems {
		if e.plain < 0 {
			continue
		}
		// Only the first authentic packet can confirm the keypair.
		if !valid && p.receivedWith(kp) {
			p.timersHandshakeComplete()
			p.sendStaged(false)
		}
		valid = true
		src = e.src
		rx += uint64(e.size)
		if e.plain == 0 {
			continue // keepalive
		}
		dataReceived = true
		n, inner, ok := innerPacket(e.buf[bufferHeadroom : bufferHeadroom+e.plain])
		if !ok {
			continue
		}
		if owner, ok := d.allowedIPs.Lookup(inner); !ok || owner != p {
			continue
		}
		bufs = append(bufs, e.buf[:bufferHeadroom+n])
	}
	if valid {
		p.setEndpoint(src)
		p.rxBytes.Add(rx)
		p.timersAnyAuthenticatedPacketTraversal()
		p.timersAnyAuthenticatedPacketReceived()
		if dataReceived {
			p.timersDataReceived()
		}
	}
	if len(bufs) > 0 {
		if _, err := d.tun.Write(bufs, bufferHeadroom); err != nil && !d.closed.Load() {
			d.log.Errorf("Failed to write packets to TUN device: %v", err)
		}
	}
	clear(bufs)
	b.bufs = bufs[:0]
	releaseBatch(&d.rxPool, b)
	if valid {
		p.keepKeyFreshReceiving()
	}
	d.inflight.Add(-1)
}

// keepKeyFreshReceiving starts one last handshake when the initiator's
// current session is RekeyAfterTimeRecv old, so that a new session exists
// before the current one expires for receiving.
func (p *peer) keepKeyFreshReceiving() {
	if p.timers.sentLastMinuteHandshake.Load() {
		return
	}
	kp := p.currentKeypair()
	if kp == nil || !kp.IsInitiator() || p.device.now().Sub(kp.Created()) <= RekeyAfterTimeRecv {
		return
	}
	p.timers.sentLastMinuteHandshake.Store(true)
	p.sendHandshakeInitiation(false)
}

// handshakeMessage is a handshake message waiting for a handshake worker,
// copied out of its receive buffer so that the queue holds no large
// buffers.
type handshakeMessage struct {
	buf [noise.MessageInitiationSize]byte
	n   int
	src netip.AddrPort
}

var handshakeMessagePool = sync.Pool{New: func() any { return new(handshakeMessage) }}

// queueHandshake copies a handshake message onto the handshake queue, or
// drops it when the queue is full.
func (d *Device) queueHandshake(msg []byte, src netip.AddrPort) {
	m := handshakeMessagePool.Get().(*handshakeMessage)
	m.n = copy(m.buf[:], msg)
	m.src = src
	d.inflight.Add(1)
	select {
	case d.queues.handshake <- m:
	default:
		d.inflight.Add(-1)
		handshakeMessagePool.Put(m)
	}
}
