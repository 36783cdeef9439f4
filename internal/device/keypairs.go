// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/wgbsd/wgbsd/internal/noise"
	"github.com/wgbsd/wgbsd/internal/replay"
)

// keypair is a transport session of a peer: the noise keypair, the peer it
// belongs to, and the receive-side replay window.
type keypair struct {
	*noise.Keypair
	peer *peer
	// cannotSend is set when the device's identity changes: the session
	// may still receive, but sending needs a new handshake.
	cannotSend atomic.Bool

	// replayMu guards replay; packets of one keypair are checked in the
	// order the peer's receive queue delivers them.
	replayMu sync.Mutex
	replay   replay.Window
}

// expired reports whether kp is too old to send or receive with at now.
func (kp *keypair) expired(now time.Time) bool {
	return now.Sub(kp.Created()) >= RejectAfterTime
}

// keypairs holds a peer's sessions. current is the one we send with.
// next is a responder's session waiting for key confirmation: the first
// packet received with it promotes it to current. previous is the session
// before current, still accepted for packets that were in flight.
type keypairs struct {
	mu       sync.RWMutex
	previous *keypair
	current  *keypair
	next     *keypair
}

// sendKeypair returns the current keypair if it may still seal at now.
func (p *peer) sendKeypair(now time.Time) *keypair {
	p.keypairs.mu.RLock()
	kp := p.keypairs.current
	p.keypairs.mu.RUnlock()
	if kp == nil || kp.cannotSend.Load() || kp.expired(now) || kp.SendCounter() >= RejectAfterMessages {
		return nil
	}
	return kp
}

// currentKeypair returns the current keypair, usable or not.
func (p *peer) currentKeypair() *keypair {
	p.keypairs.mu.RLock()
	defer p.keypairs.mu.RUnlock()
	return p.keypairs.current
}

// installKeypair registers a keypair derived by a handshake of p. An
// initiator's keypair becomes current at once, the old current becoming
// previous (or, if a responder session was still unconfirmed, that one
// becomes previous instead). A responder's keypair becomes next, replacing
// any unconfirmed one, and previous is dropped, as the kernel does.
//
// The keypair's local index, which must still stand for p's handshake, is
// pointed at it before the keypair joins p, as wireguard-go's
// SwapIndexForKeypair does: a clearKeypairs running in between finds
// nothing to drop, and one running after drops the index with the
// keypair. The other order would let a clearKeypairs in between drop the
// keypair while its index still named the handshake, and the index would
// then lead to keys p no longer holds. installKeypair returns nil, and
// installs nothing, if the index is no longer p's.
func (p *peer) installKeypair(nk *noise.Keypair) *keypair {
	kp := &keypair{Keypair: nk, peer: p}
	d := p.device
	if !d.indices.setKeypair(kp.LocalIndex(), p, kp) {
		return nil
	}
	if hook := d.hook(func(h *testHooks) func(*peer) { return h.installKeypair }); hook != nil {
		hook(p)
	}
	var drop [2]*keypair
	p.keypairs.mu.Lock()
	k := &p.keypairs
	if nk.IsInitiator() {
		drop[0] = k.previous
		if k.next != nil {
			drop[1] = k.current
			k.previous, k.next = k.next, nil
		} else {
			k.previous = k.current
		}
		k.current = kp
	} else {
		drop[0], drop[1] = k.next, k.previous
		k.next, k.previous = kp, nil
	}
	p.keypairs.mu.Unlock()
	for _, old := range drop {
		p.device.dropKeypair(old)
	}
	return kp
}

// receivedWith reports whether kp was waiting for key confirmation, and
// promotes it to current if so: the old current becomes previous and the
// old previous is dropped.
func (p *peer) receivedWith(kp *keypair) bool {
	p.keypairs.mu.RLock()
	confirm := p.keypairs.next == kp
	p.keypairs.mu.RUnlock()
	if !confirm {
		return false
	}
	p.keypairs.mu.Lock()
	k := &p.keypairs
	if k.next != kp {
		p.keypairs.mu.Unlock()
		return false
	}
	old := k.previous
	k.previous, k.current, k.next = k.current, kp, nil
	p.keypairs.mu.Unlock()
	p.device.dropKeypair(old)
	return true
}

// clearKeypairs drops every session of p.
func (p *peer) clearKeypairs() {
	p.keypairs.mu.Lock()
	k := &p.keypairs
	old := [3]*keypair{k.previous, k.current, k.next}
	k.previous, k.current, k.next = nil, nil, nil
	p.keypairs.mu.Unlock()
	for _, kp := range old {
		p.device.dropKeypair(kp)
	}
}

// dropKeypair frees the index of kp, so that packets addressed to it are
// no longer accepted. nil is ignored.
func (d *Device) dropKeypair(kp *keypair) {
	if kp == nil {
		return
	}
	d.indices.remove(kp.LocalIndex(), indexEntry{peer: kp.peer, keypair: kp})
}
