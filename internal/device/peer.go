// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wgbsd/wgbsd/internal/conn"
	"github.com/wgbsd/wgbsd/internal/cookie"
	"github.com/wgbsd/wgbsd/internal/noise"
)

// peer is a remote WireGuard peer of a Device, identified by its static
// public key. A peer owns no goroutine: its timers are clock callbacks and
// its packets are processed by the device's workers.
type peer struct {
	device *Device
	key    noise.PublicKey

	handshake *noise.Handshake
	cookies   *cookie.Generator

	// prevPeer and nextPeer link the device's peers in creation order;
	// they are guarded by the device's peers lock.
	prevPeer, nextPeer *peer
	removed            atomic.Bool

	// Configuration, guarded by the device's configuration lock.
	psk noise.PresharedKey

	endpoint struct {
		sync.Mutex
		ep conn.Endpoint // Dst invalid when none
	}
	keypairs keypairs

	rxBytes             atomic.Uint64
	txBytes             atomic.Uint64
	lastHandshake       atomic.Int64 // wall clock, Unix nanoseconds; 0 if never
	persistentKeepalive atomic.Uint32

	// initiation is the state of the handshakes we initiate.
	initiation struct {
		sync.Mutex
		lastSent time.Time // our last initiation or response; zero if none
		index    uint32    // local index of our outstanding handshake, or 0
		// epoch counts the resets of lastSent (Down, removal, change
		// of private key), so that a response made before a reset does
		// not stamp its time after it.
		epoch uint64
	}
	timers timers

	staged  stagedQueue
	txQueue orderedQueue
	rxQueue orderedQueue
}

// newPeer returns a peer of d for the static public key key, bound to the
// device's identity id (nil for none).
func newPeer(d *Device, key noise.PublicKey, id *identity) *peer {
	p := &peer{device: d, key: key}
	var static *noise.StaticIdentity
	if id != nil {
		static = id.static
	}
	p.handshake = noise.NewHandshake(static, key, noise.PresharedKey{}, d.clock.Now)
	p.cookies = cookie.NewGenerator(key, d.clock.Now)
	p.initTimers()
	return p
}

// String returns the peer's name for logs: an abbreviation of its public
// key.
func (p *peer) String() string {
	return "peer(" + p.key.String() + ")"
}

// isActive reports whether p may send: the device is up and p has not
// been removed.
func (p *peer) isActive() bool {
	return p.device.up.Load() && !p.removed.Load()
}

// setEndpoint replaces the peer's endpoint with addr (configuration or
// roaming). The zero AddrPort leaves the peer without a usable endpoint.
func (p *peer) setEndpoint(addr netip.AddrPort) {
	p.endpoint.Lock()
	p.endpoint.ep.Dst = addr
	p.endpoint.Unlock()
}

// getEndpoint returns the peer's endpoint, whose Dst is invalid when
// there is none.
func (p *peer) getEndpoint() conn.Endpoint {
	p.endpoint.Lock()
	defer p.endpoint.Unlock()
	return p.endpoint.ep
}

// stop returns p to its idle state when the device goes down or p is
// removed: timers stopped, sessions, handshake and staged packets erased.
func (p *peer) stop() {
	p.resetLastSent()
	p.stopTimers()
	p.zeroKeyMaterial()
	p.flushStaged()
}

// resetLastSent forgets when p last sent a handshake message, so that
// the next initiation is not held back, and voids any response being
// made, as noise_remote_handshake_clear does in if_wg. It comes first
// in a reset, so that a response committed before it loses its keypair
// to the rest of the reset.
func (p *peer) resetLastSent() {
	p.initiation.Lock()
	p.initiation.lastSent = time.Time{}
	p.initiation.epoch++
	p.initiation.Unlock()
}

// initiationEpoch returns the count of resets of p's last-sent time.
func (p *peer) initiationEpoch() uint64 {
	p.initiation.Lock()
	defer p.initiation.Unlock()
	return p.initiation.epoch
}

// commitResponse stamps the time of a response that p sends now and
// installs its keypair nk, unless p's handshake state was reset since
// epoch or p may no longer send. Both happen under the initiation lock,
// which a reset takes first: a reset either voids the response or comes
// after it and erases or expires its keypair. It reports whether the
// response is still live, with the installed keypair (nil if its index
// is gone).
func (p *peer) commitResponse(epoch uint64, nk *noise.Keypair) (*keypair, bool) {
	p.initiation.Lock()
	defer p.initiation.Unlock()
	if p.initiation.epoch != epoch || !p.isActive() {
		return nil, false
	}
	p.initiation.lastSent = p.device.now()
	return p.installKeypair(nk), true
}

// zeroKeyMaterial erases the peer's sessions and any handshake in
// progress.
func (p *peer) zeroKeyMaterial() {
	p.clearKeypairs()
	p.clearHandshake()
}

// clearHandshake abandons the handshake in progress and frees its index.
func (p *peer) clearHandshake() {
	p.initiation.Lock()
	idx := p.initiation.index
	p.initiation.index = 0
	p.handshake.Clear()
	p.initiation.Unlock()
	if idx != 0 {
		p.device.indices.remove(idx, indexEntry{peer: p})
	}
}

// firstPeer returns the oldest peer; with nextPeer it walks the peers in
// creation order. The caller holds the configuration lock, which keeps
// the list stable.
func (d *Device) firstPeer() *peer {
	d.peers.RLock()
	defer d.peers.RUnlock()
	return d.peers.first
}

// lookupPeer returns the peer with public key key, or nil.
func (d *Device) lookupPeer(key noise.PublicKey) *peer {
	d.peers.RLock()
	defer d.peers.RUnlock()
	return d.peers.byKey[key]
}

// lookupHandshake is the noise.PeerLookup of the device.
func (d *Device) lookupHandshake(key noise.PublicKey) *noise.Handshake {
	if p := d.lookupPeer(key); p != nil {
		return p.handshake
	}
	return nil
}

// addPeer creates the peer for key at the end of the creation order. The
// caller holds the configuration lock and has checked that none exists.
func (d *Device) addPeer(key noise.PublicKey) *peer {
	p := newPeer(d, key, d.identity.Load())
	d.peers.Lock()
	defer d.peers.Unlock()
	d.peers.byKey[key] = p
	p.prevPeer = d.peers.last
	if d.peers.last != nil {
		d.peers.last.nextPeer = p
	} else {
		d.peers.first = p
	}
	d.peers.last = p
	d.peers.n++
	return p
}

// removePeer destroys p: it leaves the peer list and the allowed-IPs
// table, its timers stop and its keys and staged packets are erased.
// Packets already in the crypto queues are dropped when they come out.
// The caller holds the configuration lock.
func (d *Device) removePeer(p *peer) {
	d.peers.Lock()
	if d.peers.byKey[p.key] != p {
		d.peers.Unlock()
		return
	}
	delete(d.peers.byKey, p.key)
	if p.prevPeer != nil {
		p.prevPeer.nextPeer = p.nextPeer
	} else {
		d.peers.first = p.nextPeer
	}
	if p.nextPeer != nil {
		p.nextPeer.prevPeer = p.prevPeer
	} else {
		d.peers.last = p.prevPeer
	}
	d.peers.n--
	p.prevPeer, p.nextPeer = nil, nil
	p.removed.Store(true)
	d.peers.Unlock()
	clear(p.psk[:])
	p.handshake.SetPresharedKey(noise.PresharedKey{})

	d.allowedIPs.RemoveByPeer(p)
	p.txQueue.close()
	p.rxQueue.close()
	p.stop()
	d.log.Verbosef("%v - Removed", p)
}

// removeAllPeers destroys every peer. The caller holds the configuration
// lock.
func (d *Device) removeAllPeers() {
	for {
		d.peers.RLock()
		p := d.peers.first
		d.peers.RUnlock()
		if p == nil {
			return
		}
		d.removePeer(p)
	}
}

// peerCount returns the number of peers.
func (d *Device) peerCount() int {
	d.peers.RLock()
	defer d.peers.RUnlock()
	return d.peers.n
}
