// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"errors"
	"net/netip"

	"github.com/wgbsd/wgbsd/internal/cookie"
	"github.com/wgbsd/wgbsd/internal/noise"
)

// routineHandshake is a handshake worker: it consumes handshake messages
// from the bounded handshake queue.
func (d *Device) routineHandshake() {
	defer d.goroutines.Done()
	for {
		select {
		case m := <-d.queues.handshake:
			d.handleHandshake(m.buf[:m.n], m.src)
			handshakeMessagePool.Put(m)
			d.inflight.Add(-1)
		case <-d.closing:
			return
		}
	}
}

// handleHandshake processes one handshake message received from src.
//
// A cookie reply goes to the peer whose handshake it answers. An
// initiation or response must carry a valid mac1; while the device is
// under load it must also carry a valid mac2, else it is answered with a
// cookie reply and dropped, and a source sending valid ones is still
// subject to the rate limiter.
func (d *Device) handleHandshake(msg []byte, src netip.AddrPort) {
	if !d.up.Load() {
		return
	}
	t, err := noise.ParseMessageType(msg)
	if err != nil {
		return
	}
	if t == noise.MessageCookieReplyType {
		d.handleCookieReply(msg, src)
		return
	}
	id := d.identity.Load()
	if id == nil || (t != noise.MessageInitiationType && t != noise.MessageResponseType) {
		return
	}
	underLoad := d.isUnderLoad()
	if err := id.checker.Check(msg, src, underLoad); err != nil {
		if errors.Is(err, cookie.ErrInvalidMAC2) {
			d.sendCookieReply(id, msg, src)
		}
		return
	}
	if underLoad && !d.rateLimit(src.Addr()) {
		return
	}
	switch t {
	case noise.MessageInitiationType:
		d.handleInitiation(id, msg, src)
	case noise.MessageResponseType:
		d.handleResponse(msg, src)
	}
}

// handleCookieReply hands a cookie reply to the peer whose handshake
// message it answers.
func (d *Device) handleCookieReply(msg []byte, src netip.AddrPort) {
	var reply noise.MessageCookieReply
	if reply.UnmarshalBinary(msg) != nil {
		return
	}
	ent, ok := d.indices.lookup(reply.Receiver)
	if !ok || !ent.peer.isActive() {
		return
	}
	p := ent.peer
	if err := p.cookies.ConsumeReply(&reply); err != nil {
		d.log.Verbosef("%v - Could not decrypt invalid cookie response from %v", p, src)
		return
	}
	d.log.Verbosef("%v - Received cookie response from %v", p, src)
}

// sendCookieReply answers a handshake message that lacks a valid mac2
// while under load.
func (d *Device) sendCookieReply(id *identity, msg []byte, src netip.AddrPort) {
	reply, err := id.checker.CreateReply(msg, src)
	if err != nil {
		d.log.Errorf("Failed to create cookie reply: %v", err)
		return
	}
	var buf [noise.MessageCookieReplySize]byte
	out, _ := reply.AppendBinary(buf[:0])
	if err := d.sendTo(out, src); err != nil {
		d.log.Verbosef("Failed to send cookie reply to %v: %v", src, err)
	}
}

// handleInitiation consumes an initiation and answers it.
func (d *Device) handleInitiation(id *identity, msg []byte, src netip.AddrPort) {
	var init noise.MessageInitiation
	if init.UnmarshalBinary(msg) != nil {
		return
	}
	h, err := id.static.ConsumeInitiation(&init, d.lookupHandshake)
	if err != nil {
		d.log.Verbosef("Invalid handshake initiation from %v: %v", src, err)
		return
	}
	p := d.lookupPeer(h.RemoteStatic())
	if p == nil || p.handshake != h || !p.isActive() {
		return
	}
	p.receivedHandshakeMessage(noise.MessageInitiationType, len(msg), src)
	p.sendHandshakeResponse()
}

// receivedHandshakeMessage counts an authenticated handshake message of
// type t, n bytes from src: p's endpoint becomes src, and the timers see
// a packet received.
func (p *peer) receivedHandshakeMessage(t noise.MessageType, n int, src netip.AddrPort) {
	p.device.log.Verbosef("%v - Received %v", p, t)
	p.rxBytes.Add(uint64(n))
	p.setEndpoint(src)
	p.timersAnyAuthenticatedPacketTraversal()
	p.timersAnyAuthenticatedPacketReceived()
}

// handleResponse consumes the response to one of our initiations.
func (d *Device) handleResponse(msg []byte, src netip.AddrPort) {
	var resp noise.MessageResponse
	if resp.UnmarshalBinary(msg) != nil {
		return
	}
	ent, ok := d.indices.lookup(resp.Receiver)
	if !ok || ent.keypair != nil || !ent.peer.isActive() {
		return
	}
	p := ent.peer
	p.initiation.Lock()
	if p.initiation.index != resp.Receiver {
		p.initiation.Unlock()
		return
	}
	nk, err := p.handshake.ConsumeResponse(&resp)
	if err != nil {
		p.initiation.Unlock()
		d.log.Verbosef("%v - Invalid handshake response from %v: %v", p, src, err)
		return
	}
	p.initiation.index = 0
	kp := p.installKeypair(nk)
	p.initiation.Unlock()
	if kp == nil {
		return
	}

	if !p.isActive() {
		p.zeroKeyMaterial()
		return
	}
	p.receivedHandshakeMessage(noise.MessageResponseType, len(msg), src)
	p.timersSessionDerived()
	p.timersHandshakeComplete()
	p.sendKeepalive()
}

// sendHandshakeInitiation starts a handshake with p, unless p sent an
// initiation or a response less than RekeyTimeout ago. A retry (the
// retransmission timer) keeps the count of attempts; anything else
// resets it.
func (p *peer) sendHandshakeInitiation(isRetry bool) {
	d := p.device
	if !p.isActive() || d.identity.Load() == nil {
		return
	}
	if !isRetry {
		p.timers.handshakeAttempts.Store(0)
	}
	if hook := d.hook(func(h *testHooks) func(*peer) { return h.initiating }); hook != nil {
		hook(p)
	}
	now := d.now()
	p.initiation.Lock()
	last := p.initiation.lastSent
	// A Down or a removal since the check above has reset lastSent
	// under this lock; stamping now would outlive the reset.
	if !p.isActive() || (!last.IsZero() && now.Sub(last) < RekeyTimeout) {
		p.initiation.Unlock()
		return
	}
	p.initiation.lastSent = now
	old := p.initiation.index
	idx, err := d.indices.newIndex(indexEntry{peer: p})
	var init *noise.MessageInitiation
	if err == nil {
		init, err = p.handshake.CreateInitiation(idx)
		if err != nil {
			d.indices.remove(idx, indexEntry{peer: p})
		}
	}
	if err != nil {
		idx = 0
	}
	p.initiation.index = idx
	p.initiation.Unlock()
	if old != 0 {
		d.indices.remove(old, indexEntry{peer: p})
	}
	if err != nil {
		d.log.Errorf("%v - Failed to create initiation message: %v", p, err)
		return
	}

	var buf [noise.MessageInitiationSize]byte
	out, _ := init.AppendBinary(buf[:0])
	p.sendHandshakeMessage(noise.MessageInitiationType, out)
}

// sendHandshakeMessage adds the MACs to msg, a marshalled initiation or
// response (its type t), updates the timers of a packet sent and sends
// msg to p. The timers are updated before sending, so that the answer
// cannot arrive before the retransmission it cancels is armed.
func (p *peer) sendHandshakeMessage(t noise.MessageType, msg []byte) {
	d := p.device
	d.log.Verbosef("%v - Sending %v", p, t)
	if err := p.cookies.AddMACs(msg); err != nil {
		d.log.Errorf("%v - Failed to add MACs to %v: %v", p, t, err)
		return
	}
	p.timersAnyAuthenticatedPacketTraversal()
	p.timersAnyAuthenticatedPacketSent()
	if t == noise.MessageInitiationType {
		p.timersHandshakeInitiated()
	}
	if err := p.sendMessage(msg); err != nil {
		d.log.Verbosef("%v - Failed to send %v: %v", p, t, err)
	}
}

// sendHandshakeResponse answers the initiation p's handshake has just
// consumed, installing the new session as next. A response counts as a
// handshake sent: no initiation follows it within RekeyTimeout, as in
// if_wg, where noise_create_response stamps r_last_sent. A Down, a
// removal or a change of private key while the response is made voids
// it: it is neither stamped, installed nor sent, as in if_wg, where
// noise_create_response fails once the handshake has been cleared.
func (p *peer) sendHandshakeResponse() {
	d := p.device
	epoch := p.initiationEpoch()
	idx, err := d.indices.newIndex(indexEntry{peer: p})
	if err != nil {
		d.log.Errorf("%v - Failed to create response message: %v", p, err)
		return
	}
	resp, nk, err := p.handshake.CreateResponse(idx)
	if err != nil {
		d.indices.remove(idx, indexEntry{peer: p})
		d.log.Errorf("%v - Failed to create response message: %v", p, err)
		return
	}
	if hook := d.hook(func(h *testHooks) func(*peer) { return h.createdResponse }); hook != nil {
		hook(p)
	}
	kp, live := p.commitResponse(epoch, nk)
	if !live {
		d.indices.remove(idx, indexEntry{peer: p})
		return
	}
	if kp == nil {
		return
	}
	if !p.isActive() {
		p.zeroKeyMaterial()
		return
	}
	p.timersSessionDerived()

	var buf [noise.MessageResponseSize]byte
	out, _ := resp.AppendBinary(buf[:0])
	p.sendHandshakeMessage(noise.MessageResponseType, out)
}
