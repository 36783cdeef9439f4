// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"fmt"
	"net/netip"
	"syscall"

	"github.com/wgbsd/wgbsd/internal/cookie"
	"github.com/wgbsd/wgbsd/internal/noise"
)

// Configure runs fn with the device's configuration lock held, as if_wg
// holds its softc lock during SIOCSWG. Each ConfigTx and PeerTx call takes
// effect at once, except that packets are routed by the new allowed IPs
// only once fn returns: changes made by fn before it returns an error stay
// made, as in the kernel. Keepalives owed to peers whose persistent keepalive
// was turned on are sent after fn returns. Configure returns fn's error,
// or ErrClosed (wrapped) without calling fn once the device is closed.
func (d *Device) Configure(fn func(tx *ConfigTx) error) error {
	d.config.Lock()
	defer d.config.Unlock()
	if d.closed.Load() {
		return fmt.Errorf("configure: %w", ErrClosed)
	}
	tx := &ConfigTx{d: d}
	// Packets are routed by the allowed IPs fn changes only once it
	// returns, all together, which keeps loading n peers O(n) (see
	// allowedips.Table.Hold).
	err := func() error {
		d.allowedIPs.Hold()
		defer d.allowedIPs.Release()
		return fn(tx)
	}()
	tx.d = nil
	for _, p := range tx.keepalives {
		if !p.removed.Load() && p.persistentKeepalive.Load() > 0 {
			p.sendKeepalive()
		}
	}
	return err
}

// ConfigTx changes a device's configuration inside Configure. It must not
// be used after fn returns.
type ConfigTx struct {
	d *Device
	// keepalives lists the peers whose persistent keepalive was turned on.
	keepalives []*peer
}

// PeerTx changes one peer inside Configure.
type PeerTx struct {
	tx *ConfigTx
	p  *peer
}

// ReplacePeers removes every peer.
func (tx *ConfigTx) ReplacePeers() {
	tx.d.removeAllPeers()
}

// ListenPort returns the UDP port: the bound port while the device is up,
// the configured one while it is down.
func (tx *ConfigTx) ListenPort() uint16 {
	return tx.d.net.port
}

// SetListenPort changes the UDP port. A port equal to the current one
// changes nothing. While the device is up the sockets are rebound at once
// (0 lets the system choose, and the bound port becomes the port); a bind
// failure, such as EADDRINUSE, is returned wrapping its syscall.Errno, and
// the device keeps its previous sockets where it can reopen them. While
// the device is down the port is only stored.
func (tx *ConfigTx) SetListenPort(port uint16) error {
	d := tx.d
	if port == d.net.port {
		return nil
	}
	if !d.up.Load() {
		d.net.port = port
		return nil
	}
	return d.rebind(port)
}

// SetPrivateKey sets the device's private key, stored clamped. If key
// equals the stored key, nothing happens. Otherwise the peer whose public
// key is the new public key, if any, is destroyed, every peer's handshake
// is rebound to the new identity with its sessions expired for sending,
// and the cookie checker is replaced.
//
// As in if_wg, key is compared with the stored clamped key before it is
// clamped, so re-sending an equivalent unclamped key counts as a change,
// and every key gives an identity, the all-zero key included: it clamps
// to 2^254, whose public key is L+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q=
// (noise_local_private derives the identity from the clamped key). Only
// a device that never had a key is without identity.
func (tx *ConfigTx) SetPrivateKey(key [32]byte) {
	d := tx.d
	if d.identity.Load() != nil && noise.PrivateKey(key) == d.privateKey {
		return
	}
	priv := noise.PrivateKey(key)
	clampKey(&priv)
	var id *identity
	if static, err := noise.NewStaticIdentity(priv); err == nil && !static.PublicKey().IsZero() {
		id = &identity{static: static, checker: cookie.NewChecker(static.PublicKey(), d.clock.Now)}
		if p := d.lookupPeer(static.PublicKey()); p != nil {
			d.removePeer(p)
		}
	}
	d.privateKey = priv
	clear(priv[:])
	d.identity.Store(id)
	var static *noise.StaticIdentity
	if id != nil {
		static = id.static
	}
	for p := d.firstPeer(); p != nil; p = p.nextPeer {
		p.rebindIdentity(static)
	}
}

// PublicKey returns the device's public key, with ok false when the
// device has no identity.
func (tx *ConfigTx) PublicKey() (pub [32]byte, ok bool) {
	id := tx.d.identity.Load()
	if id == nil {
		return pub, false
	}
	return id.static.PublicKey(), true
}

// SetUserCookie sets the user cookie of the UDP sockets (SO_USER_COOKIE on
// FreeBSD, SO_MARK on Linux; wg(8)'s fwmark), 0 for none. It is stored
// even while the device is down; while up it is applied to the sockets
// and a failure is returned wrapping its syscall.Errno.
func (tx *ConfigTx) SetUserCookie(cookie uint32) error {
	d := tx.d
	d.net.userCookie = cookie
	if !d.up.Load() {
		return nil
	}
	if err := d.bind.SetMark(cookie); err != nil {
		return fmt.Errorf("set user cookie: %w", err)
	}
	return nil
}

// Peer returns the peer whose public key is pub, or nil.
func (tx *ConfigTx) Peer(pub [32]byte) *PeerTx {
	p := tx.d.lookupPeer(pub)
	if p == nil {
		return nil
	}
	return &PeerTx{tx: tx, p: p}
}

// CreatePeer creates a peer for pub after all existing peers; the peer
// must not exist. It fails with an error wrapping syscall.ENOSPC once the
// device has its maximum number of peers (MaxPeers, or Options.MaxPeers).
// The control protocol, not the engine, ignores a peer equal to the
// device's own public key.
func (tx *ConfigTx) CreatePeer(pub [32]byte) (*PeerTx, error) {
	d := tx.d
	if p := d.lookupPeer(pub); p != nil {
		return &PeerTx{tx: tx, p: p}, nil
	}
	if d.peerCount() >= d.maxPeers {
		return nil, fmt.Errorf("create peer: %d peers: %w", d.maxPeers, syscall.ENOSPC)
	}
	p := d.addPeer(pub)
	d.log.Verbosef("%v - Created", p)
	return &PeerTx{tx: tx, p: p}, nil
}

// RemovePeer destroys the peer whose public key is pub, if any.
func (tx *ConfigTx) RemovePeer(pub [32]byte) {
	if p := tx.d.lookupPeer(pub); p != nil {
		tx.d.removePeer(p)
	}
}

// SetEndpoint sets the peer's endpoint. The zero AddrPort leaves the peer
// without a usable endpoint; an IPv6 scope is a numeric zone such as
// "2".
func (ptx *PeerTx) SetEndpoint(ep netip.AddrPort) {
	ptx.p.setEndpoint(ep)
}

// SetPresharedKey sets the peer's preshared key; the zero key removes it.
func (ptx *PeerTx) SetPresharedKey(psk [32]byte) {
	p := ptx.p
	p.psk = psk
	p.handshake.SetPresharedKey(psk)
}

// SetPersistentKeepalive sets the persistent keepalive interval in
// seconds; 0 turns it off. Turning it on while the device is up sends a
// keepalive when Configure's function returns.
func (ptx *PeerTx) SetPersistentKeepalive(seconds uint16) {
	p := ptx.p
	old := p.persistentKeepalive.Swap(uint32(seconds))
	switch {
	case seconds == 0:
		p.timers.persistentKeepalive.del()
	case old == 0 && p.isActive():
		ptx.tx.keepalives = append(ptx.tx.keepalives, p)
	}
}

// RemoveAllowedIPs removes every allowed IP of the peer.
func (ptx *PeerTx) RemoveAllowedIPs() {
	ptx.p.device.allowedIPs.RemoveByPeer(ptx.p)
}

// AddAllowedIP adds prefix, with its host bits cleared, to the peer's
// allowed IPs, taking it from any other peer that has it. An added or
// moved prefix comes first in the peer's list.
func (ptx *PeerTx) AddAllowedIP(prefix netip.Prefix) error {
	if err := ptx.p.device.allowedIPs.Insert(prefix, ptx.p); err != nil {
		return fmt.Errorf("add allowed IP: %w", syscall.EINVAL)
	}
	return nil
}

// RemoveAllowedIP removes prefix, with its host bits cleared, from the
// peer's allowed IPs if the peer has it; otherwise nothing changes.
func (ptx *PeerTx) RemoveAllowedIP(prefix netip.Prefix) {
	ptx.p.device.allowedIPs.Remove(prefix, ptx.p)
}

// Destroy removes the peer, as RemovePeer does.
func (ptx *PeerTx) Destroy() {
	ptx.p.device.removePeer(ptx.p)
}

// rebindIdentity binds p's handshake to a new local identity: the
// handshake in progress is abandoned, the sessions may no longer send, so
// that the next packet starts a handshake at once, and receiving with them
// continues until they are replaced, as if_wg's noise_local_private does.
func (p *peer) rebindIdentity(static *noise.StaticIdentity) {
	p.resetLastSent()
	p.handshake.SetStaticIdentity(static)
	p.clearHandshake()
	p.keypairs.mu.Lock()
	for _, kp := range []*keypair{p.keypairs.current, p.keypairs.next} {
		if kp != nil {
			kp.cannotSend.Store(true)
		}
	}
	p.keypairs.mu.Unlock()
}

// clampKey applies Curve25519 clamping to a private key.
func clampKey(k *noise.PrivateKey) {
	k[0] &= 248
	k[31] = (k[31] & 127) | 64
}
