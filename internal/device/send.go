// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"

	"github.com/wgbsd/wgbsd/internal/noise"
)

// The send path (TUN → UDP):
//
//  1. routineReadFromTUN reads a batch of packets into pool buffers,
//     at bufferHeadroom, looks up each destination in the allowed-IPs
//     table and stages the packet on its peer.
//  2. sendStaged takes a peer's staged packets once it has a usable
//     session, numbers them with the session's counter, appends them as a
//     batch to the peer's ordered send queue and hands the batch to the
//     encryption workers. Without a session it starts a handshake and the
//     packets wait.
//  3. An encryption worker pads and seals every packet in place, marks
//     the batch done and delivers, in order, whatever batches at the head
//     of the peer's queue are done: one bind.Send per batch, then the
//     timers and the transmit counter.

// routineReadFromTUN is the single reader of the TUN.
func (d *Device) routineReadFromTUN() {
	defer d.goroutines.Done()
	n := min(max(d.tun.BatchSize(), 1), MaxBatchSize)
	elems := make([]*element, n)
	bufs := make([][]byte, n)
	sizes := make([]int, n)
	peers := make([]*peer, n)
	group := make([]*element, 0, n)
	// The reader holds a full batch of buffers and fetches again only
	// those a read handed on (see receiver).
	if !d.txPool.getN(elems) {
		return
	}
	defer d.txPool.putHeld(elems)
	for i, e := range elems {
		bufs[i] = e.buf
	}
	failures := 0
	for {
		count, err := d.tun.Read(bufs, sizes, bufferHeadroom)
		for i := range count {
			e := elems[i]
			e.size = sizes[i]
			e.plain = sizes[i]
			peers[i] = d.route(e)
		}
		d.stagePackets(elems[:count], peers[:count], group)
		if !d.txPool.refill(elems[:count], bufs) {
			return
		}
		if err == nil {
			failures = 0
			continue
		}
		if d.closed.Load() || errors.Is(err, os.ErrClosed) {
			return
		}
		d.log.Errorf("Failed to read packet from TUN device: %v", err)
		if failures++; failures >= maxTUNErrors {
			d.log.Errorf("Too many TUN read errors, closing the device")
			go d.Close()
			return
		}
	}
}

// maxTUNErrors is how many TUN read errors in a row close the device.
const maxTUNErrors = 10

// route returns the peer that the packet in e goes to, or nil (after
// releasing e) when it must be dropped: the device is down, the packet is
// not IPv4 or IPv6, or no peer's allowed IPs cover its destination.
func (d *Device) route(e *element) *peer {
	if d.up.Load() && e.size <= len(e.buf)-bufferHeadroom {
		if dst, ok := destination(e.buf[bufferHeadroom : bufferHeadroom+e.size]); ok {
			if p, ok := d.allowedIPs.Lookup(dst); ok {
				return p
			}
		}
	}
	d.txPool.put(e)
	return nil
}

// destination returns the destination address of an IP packet.
func destination(pkt []byte) (netip.Addr, bool) {
	if len(pkt) == 0 {
		return netip.Addr{}, false
	}
	switch pkt[0] >> 4 {
	case 4:
		if len(pkt) >= ipv4HeaderSize {
			return netip.AddrFrom4([4]byte(pkt[16:20])), true
		}
	case 6:
		if len(pkt) >= ipv6HeaderSize {
			return netip.AddrFrom16([16]byte(pkt[24:40])), true
		}
	}
	return netip.Addr{}, false
}

// stagePackets stages each routed packet on its peer, grouping the
// packets of one peer, and then lets every peer concerned send.
func (d *Device) stagePackets(elems []*element, peers []*peer, group []*element) {
	for i, p := range peers {
		if p == nil {
			continue
		}
		group = group[:0]
		for j := i; j < len(peers); j++ {
			if peers[j] == p {
				group = append(group, elems[j])
				if j > i {
					peers[j] = nil
				}
			}
		}
		p.stage(group)
	}
	clear(group[:cap(group)])
	for i, p := range peers {
		if p != nil {
			p.sendStaged(true)
			peers[i] = nil
		}
	}
	clear(elems)
}

// sendStaged moves p's staged packets into the send pipeline if p has a
// usable session, and starts a handshake otherwise. mayBlock says whether
// the caller may wait for room in the encryption queue; workers and timer
// callbacks may not, and drop instead.
func (p *peer) sendStaged(mayBlock bool) {
	d := p.device
	if !p.isActive() {
		p.flushStaged()
		return
	}
	for {
		kp := p.sendKeypair(d.now())
		if kp == nil {
			if !p.stagedEmpty() {
				p.sendHandshakeInitiation(false)
			}
			return
		}
		b, exhausted := p.takeBatch(kp, mayBlock)
		if b == nil {
			if exhausted {
				p.sendHandshakeInitiation(false)
			}
			return
		}
		if !d.enqueue(d.queues.encryption, b, mayBlock) {
			dropBatch(b)
			p.txQueue.complete(b, deliverSend)
		}
	}
}

// takeBatch takes up to one batch of staged packets, numbers them with
// kp's counter and appends the batch to p's send queue, waiting for room
// if mayBlock. It returns nil when nothing is staged, when the send queue
// is full and mayBlock is false or the peer is gone (the packets are
// dropped), or when kp has run out of counters (exhausted; the packets
// stay staged).
func (p *peer) takeBatch(kp *keypair, mayBlock bool) (b *batch, exhausted bool) {
	d := p.device
	q := &p.staged
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return nil, false
	}
	b = newBatch(kp)
	b.elems = q.take(d, b.elems, d.sendBatchSize())
	for i, e := range b.elems {
		c, err := kp.NextCounter()
		if err != nil {
			q.unshift(d, b.elems[i:])
			clear(b.elems[i:])
			b.elems = b.elems[:i]
			exhausted = true
			break
		}
		e.counter = c
	}
	if len(b.elems) == 0 {
		freeBatch(b)
		return nil, exhausted
	}
	if !p.txQueue.push(b, mayBlock) {
		releaseBatch(&d.txPool, b)
		return nil, exhausted
	}
	d.inflight.Add(1)
	return b, exhausted
}

// enqueue hands b to a crypto queue. Unless mayBlock it gives up when the
// queue is full; it always gives up when the device closes.
func (d *Device) enqueue(q chan *batch, b *batch, mayBlock bool) bool {
	if mayBlock {
		select {
		case q <- b:
			return true
		case <-d.closing:
			return false
		}
	}
	select {
	case q <- b:
		return true
	default:
		return false
	}
}

// routineEncryption is an encryption worker.
func (d *Device) routineEncryption() {
	defer d.goroutines.Done()
	for {
		select {
		case b := <-d.queues.encryption:
			d.sealBatch(b)
			b.peer.txQueue.complete(b, deliverSend)
		case <-d.closing:
			return
		}
	}
}

// sealBatch pads and seals every packet of b in place. A packet that
// cannot be sealed is marked dropped.
func (d *Device) sealBatch(b *batch) {
	mtu := int(d.mtu.Load())
	for _, e := range b.elems {
		if e.plain < 0 {
			continue
		}
		padded := noise.PaddedLen(e.plain, mtu)
		end := bufferHeadroom + padded
		if end+noise.TagSize > len(e.buf) {
			e.plain = -1
			continue
		}
		clear(e.buf[bufferHeadroom+e.plain : end])
		msg, err := b.keypair.Seal(e.buf[:end], e.counter)
		if err != nil {
			e.plain = -1
			continue
		}
		e.size = len(msg)
	}
}

// deliverSend sends a sealed batch to its peer's endpoint and runs the
// send-side timers. It is called in order for each peer.
func deliverSend(b *batch) {
	p := b.peer
	d := p.device
	bufs := b.bufs[:0]
	var total uint64
	dataSent := false
	for _, e := range b.elems {
		if e.plain < 0 {
			continue
		}
		bufs = append(bufs, e.buf[:e.size])
		total += uint64(e.size)
		dataSent = dataSent || e.plain > 0
	}
	if len(bufs) > 0 && p.isActive() {
		p.timersAnyAuthenticatedPacketTraversal()
		p.timersAnyAuthenticatedPacketSent()
		if dataSent {
			// Armed before sending, so that an answer cannot arrive
			// before the timer it cancels.
			p.timersDataSent()
		}
		if err := p.send(bufs); err != nil {
			d.log.Verbosef("%v - Failed to send data packets: %v", p, err)
		} else {
			p.txBytes.Add(total)
		}
	}
	clear(bufs)
	b.bufs = bufs[:0]
	releaseBatch(&d.txPool, b)
	p.keepKeyFreshSending()
	d.inflight.Add(-1)
}

// send sends datagrams to p's endpoint.
func (p *peer) send(bufs [][]byte) error {
	ep := p.getEndpoint()
	if !ep.Dst.IsValid() || ep.Dst.Port() == 0 {
		return errNoEndpoint
	}
	return p.device.bind.Send(bufs, ep)
}

// sendMessage sends one handshake message to p and counts it.
func (p *peer) sendMessage(msg []byte) error {
	bufs := [1][]byte{msg}
	if err := p.send(bufs[:]); err != nil {
		return err
	}
	p.txBytes.Add(uint64(len(msg)))
	return nil
}

// errNoEndpoint reports a peer with no endpoint to send to.
var errNoEndpoint = errors.New("no known endpoint for peer")

// sendKeepalive sends a keepalive, or the staged packets if there are
// any, starting a handshake if there is no session.
func (p *peer) sendKeepalive() {
	if !p.isActive() {
		return
	}
	if p.stagedEmpty() {
		e := p.device.txPool.tryGet()
		if e == nil {
			return
		}
		e.size, e.plain = 0, 0
		p.stage([]*element{e})
	}
	p.sendStaged(false)
}

// keepKeyFreshSending starts a handshake when the current session has sent
// RekeyAfterMessages packets or, on the initiator, is RekeyAfterTime old.
func (p *peer) keepKeyFreshSending() {
	kp := p.currentKeypair()
	if kp == nil {
		return
	}
	if kp.SendCounter() > RekeyAfterMessages ||
		(kp.IsInitiator() && p.device.now().Sub(kp.Created()) > RekeyAfterTime) {
		p.sendHandshakeInitiation(false)
	}
}

// dropBatch marks every packet of b dropped.
func dropBatch(b *batch) {
	for _, e := range b.elems {
		e.plain = -1
	}
}

// releaseBatch returns the elements of b to pool and recycles b.
func releaseBatch(pool *elementPool, b *batch) {
	for _, e := range b.elems {
		pool.put(e)
	}
	freeBatch(b)
}

// sendBatchSize is how many packets one bind.Send carries.
func (d *Device) sendBatchSize() int {
	return min(max(d.bind.BatchSize(), 1), MaxBatchSize)
}

// IP header sizes and fields the engine reads.
const (
	ipv4HeaderSize = 20
	ipv6HeaderSize = 40
)

// innerPacket checks the IP header of a decrypted packet and returns the
// packet's length according to the header (padding excluded) and its
// source address.
func innerPacket(pkt []byte) (n int, src netip.Addr, ok bool) {
	if len(pkt) == 0 {
		return 0, netip.Addr{}, false
	}
	switch pkt[0] >> 4 {
	case 4:
		if len(pkt) < ipv4HeaderSize {
			return 0, netip.Addr{}, false
		}
		n = int(binary.BigEndian.Uint16(pkt[2:4]))
		if n < ipv4HeaderSize || n > len(pkt) {
			return 0, netip.Addr{}, false
		}
		return n, netip.AddrFrom4([4]byte(pkt[12:16])), true
	case 6:
		if len(pkt) < ipv6HeaderSize {
			return 0, netip.Addr{}, false
		}
		n = int(binary.BigEndian.Uint16(pkt[4:6])) + ipv6HeaderSize
		if n > len(pkt) {
			return 0, netip.Addr{}, false
		}
		return n, netip.AddrFrom16([16]byte(pkt[8:24])), true
	}
	return 0, netip.Addr{}, false
}
