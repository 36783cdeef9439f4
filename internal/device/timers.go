// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wgbsd/wgbsd/internal/device/clock"
)

// The timer state machine of a peer follows the kernel's timers (Linux
// timers.c, FreeBSD wg_timers_*): events on the data path arm or disarm
// five one-shot timers, whose expiry sends handshakes and keepalives or
// erases keys. The timers are clock callbacks created on first use, so a
// peer that never had traffic owns none, and no goroutine waits on them.

// peerTimer is one of a peer's timers. Its fields are guarded by the
// peer's timers.mu.
type peerTimer struct {
	peer     *peer
	expired  func(*peer)
	t        clock.Timer // nil until first armed
	deadline time.Time
	pending  bool
}

// timers is the timer state of a peer.
type timers struct {
	mu                  sync.Mutex
	retransmitHandshake peerTimer
	sendKeepalive       peerTimer
	newHandshake        peerTimer
	zeroKeyMaterial     peerTimer
	persistentKeepalive peerTimer

	handshakeAttempts       atomic.Uint32
	needAnotherKeepalive    atomic.Bool
	sentLastMinuteHandshake atomic.Bool
}

// initTimers binds the timers of p to their expiry handlers.
func (p *peer) initTimers() {
	t := &p.timers
	for _, x := range []struct {
		pt *peerTimer
		fn func(*peer)
	}{
		{&t.retransmitHandshake, (*peer).expiredRetransmitHandshake},
		{&t.sendKeepalive, (*peer).expiredSendKeepalive},
		{&t.newHandshake, (*peer).expiredNewHandshake},
		{&t.zeroKeyMaterial, (*peer).expiredZeroKeyMaterial},
		{&t.persistentKeepalive, (*peer).expiredPersistentKeepalive},
	} {
		x.pt.peer, x.pt.expired = p, x.fn
	}
}

// mod arms pt to expire d from now, re-arming it if pending.
func (pt *peerTimer) mod(d time.Duration) {
	p := pt.peer
	c := p.device.clock
	p.timers.mu.Lock()
	defer p.timers.mu.Unlock()
	pt.pending = true
	pt.deadline = c.Now().Add(d)
	if pt.t == nil {
		pt.t = c.AfterFunc(d, pt.fire)
	} else {
		pt.t.Reset(d)
	}
}

// del disarms pt.
func (pt *peerTimer) del() {
	p := pt.peer
	p.timers.mu.Lock()
	defer p.timers.mu.Unlock()
	pt.stopLocked()
}

// stopLocked disarms pt with the timers' mutex held.
func (pt *peerTimer) stopLocked() {
	if pt.pending {
		pt.pending = false
		pt.t.Stop()
	}
}

// isPending reports whether pt is armed.
func (pt *peerTimer) isPending() bool {
	p := pt.peer
	p.timers.mu.Lock()
	defer p.timers.mu.Unlock()
	return pt.pending
}

// fire is the clock callback of pt. A callback that lost a race with del
// does nothing; one that comes before the deadline (the timer was
// re-armed for later after the clock had already started the call)
// re-arms the timer for the rest of the time.
func (pt *peerTimer) fire() {
	p := pt.peer
	p.timers.mu.Lock()
	if !pt.pending {
		p.timers.mu.Unlock()
		return
	}
	if left := pt.deadline.Sub(p.device.clock.Now()); left > 0 {
		pt.t.Reset(left)
		p.timers.mu.Unlock()
		return
	}
	pt.pending = false
	p.timers.mu.Unlock()
	if p.isActive() {
		pt.expired(p)
	}
}

// stopTimers disarms every timer of p.
func (p *peer) stopTimers() {
	t := &p.timers
	t.mu.Lock()
	defer t.mu.Unlock()
	t.retransmitHandshake.stopLocked()
	t.sendKeepalive.stopLocked()
	t.newHandshake.stopLocked()
	t.zeroKeyMaterial.stopLocked()
	t.persistentKeepalive.stopLocked()
}

// jitter returns a random delay below RekeyTimeoutJitterMax.
func jitter() time.Duration {
	return rand.N(RekeyTimeoutJitterMax)
}

// Expiry handlers.

// expiredRetransmitHandshake resends an unanswered initiation, or gives up
// after MaxTimerHandshakes retransmissions: staged packets are dropped and
// the keys are erased later.
func (p *peer) expiredRetransmitHandshake() {
	if attempts := p.timers.handshakeAttempts.Load(); attempts > uint32(MaxTimerHandshakes) {
		p.device.log.Verbosef("%v - Handshake did not complete after %d attempts, giving up", p, attempts+2)
		p.timers.sendKeepalive.del()
		p.flushStaged()
		if !p.timers.zeroKeyMaterial.isPending() {
			p.timers.zeroKeyMaterial.mod(ZeroKeyMaterialTimeout)
		}
		return
	}
	attempts := p.timers.handshakeAttempts.Add(1)
	p.device.log.Verbosef("%v - Handshake did not complete after %d seconds, retrying (try %d)",
		p, int(RekeyTimeout/time.Second), attempts+1)
	p.sendHandshakeInitiation(true)
}

// expiredSendKeepalive sends the keepalive owed after receiving data, and
// arms another if more data arrived while this one was pending.
func (p *peer) expiredSendKeepalive() {
	p.sendKeepalive()
	if p.timers.needAnotherKeepalive.Swap(false) {
		p.timers.sendKeepalive.mod(KeepaliveTimeout)
	}
}

// expiredNewHandshake starts a handshake because data sent got no answer.
func (p *peer) expiredNewHandshake() {
	p.device.log.Verbosef("%v - Retrying handshake because we stopped hearing back after %d seconds",
		p, int(NewHandshakeTimeout/time.Second))
	p.sendHandshakeInitiation(false)
}

// expiredZeroKeyMaterial erases every key of p.
func (p *peer) expiredZeroKeyMaterial() {
	p.device.log.Verbosef("%v - Removing all keys, since we haven't received a new one in %d seconds",
		p, int(ZeroKeyMaterialTimeout/time.Second))
	p.zeroKeyMaterial()
}

// expiredPersistentKeepalive sends the persistent keepalive.
func (p *peer) expiredPersistentKeepalive() {
	if p.persistentKeepalive.Load() > 0 {
		p.sendKeepalive()
	}
}

// Events.

// timersDataSent: a data packet (not a keepalive) was sent. Unless one is
// already pending, arm a new handshake in case nothing comes back.
func (p *peer) timersDataSent() {
	if !p.timers.newHandshake.isPending() {
		p.timers.newHandshake.mod(NewHandshakeTimeout + jitter())
	}
}

// timersDataReceived: a data packet (not a keepalive) was received. Owe
// the peer a keepalive unless we send something first.
func (p *peer) timersDataReceived() {
	if !p.timers.sendKeepalive.isPending() {
		p.timers.sendKeepalive.mod(KeepaliveTimeout)
	} else {
		p.timers.needAnotherKeepalive.Store(true)
	}
}

// timersAnyAuthenticatedPacketSent: any authenticated packet (handshake,
// keepalive or data) was sent, which pays the keepalive owed.
func (p *peer) timersAnyAuthenticatedPacketSent() {
	p.timers.sendKeepalive.del()
}

// timersAnyAuthenticatedPacketReceived: any authenticated packet was
// received, so the peer is alive and no new handshake is needed.
func (p *peer) timersAnyAuthenticatedPacketReceived() {
	p.timers.newHandshake.del()
}

// timersHandshakeInitiated: an initiation was sent; retransmit it unless
// answered.
func (p *peer) timersHandshakeInitiated() {
	p.timers.retransmitHandshake.mod(RekeyTimeout + jitter())
}

// timersHandshakeComplete: a handshake completed (a response consumed, or
// a responder session confirmed).
func (p *peer) timersHandshakeComplete() {
	p.timers.retransmitHandshake.del()
	p.timers.handshakeAttempts.Store(0)
	p.timers.sentLastMinuteHandshake.Store(false)
	p.lastHandshake.Store(p.device.clock.Now().UnixNano())
}

// timersSessionDerived: a new session was derived; its keys, and any
// older ones, are erased if no newer session follows in time.
func (p *peer) timersSessionDerived() {
	p.timers.zeroKeyMaterial.mod(ZeroKeyMaterialTimeout)
}

// timersAnyAuthenticatedPacketTraversal: any authenticated packet was sent
// or received; push back the persistent keepalive.
func (p *peer) timersAnyAuthenticatedPacketTraversal() {
	if ka := p.persistentKeepalive.Load(); ka > 0 {
		p.timers.persistentKeepalive.mod(time.Duration(ka) * time.Second)
	}
}
