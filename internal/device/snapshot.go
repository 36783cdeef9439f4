// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"net/netip"
	"time"
)

// State is a device's configuration and statistics as a GET reports them.
type State struct {
	// PrivateKey is the clamped private key and PublicKey its public key;
	// both are zero unless HasIdentity.
	PrivateKey, PublicKey [32]byte
	// HasIdentity reports whether the device has a usable private key.
	HasIdentity bool
	// ListenPort is the bound port while the device is up, the configured
	// port while it is down.
	ListenPort uint16
	// UserCookie is the sockets' user cookie (fwmark), 0 for none.
	UserCookie uint32
	// Peers lists the peers in creation order.
	Peers []PeerState
}

// PeerState is one peer's configuration and statistics.
type PeerState struct {
	// PublicKey identifies the peer; PresharedKey is all zeros when the
	// peer has none.
	PublicKey, PresharedKey [32]byte
	// Endpoint is the configured or last authenticated source address,
	// invalid when there is none; an IPv6 scope is a numeric zone.
	Endpoint netip.AddrPort
	// LastHandshake is the wall-clock time of the last completed
	// handshake, zero when there was none.
	LastHandshake time.Time
	// RxBytes and TxBytes count WireGuard UDP payload bytes received from
	// and sent to the peer: handshake messages at their full size and data
	// messages with their header and tag, as if_wg counts them.
	RxBytes, TxBytes uint64
	// PersistentKeepalive is the keepalive interval in seconds, 0 when off.
	PersistentKeepalive uint16
	// AllowedIPs lists the peer's prefixes, masked, newest first.
	AllowedIPs []netip.Prefix
}

// Snapshot returns the state a GET reports, peers in creation order,
// allowed IPs newest first. It holds the configuration lock for reading,
// so it never sees half of a Configure.
func (d *Device) Snapshot() State {
	d.config.RLock()
	defer d.config.RUnlock()
	s := State{
		ListenPort: d.net.port,
		UserCookie: d.net.userCookie,
	}
	if id := d.identity.Load(); id != nil {
		s.HasIdentity = true
		s.PrivateKey = d.privateKey
		s.PublicKey = id.static.PublicKey()
	}
	s.Peers = make([]PeerState, 0, d.peerCount())
	for p := d.firstPeer(); p != nil; p = p.nextPeer {
		s.Peers = append(s.Peers, p.state())
	}
	return s
}

// state returns p's PeerState; the caller holds the configuration lock.
func (p *peer) state() PeerState {
	ps := PeerState{
		PublicKey:           p.key,
		PresharedKey:        p.psk,
		Endpoint:            p.getEndpoint().Dst,
		RxBytes:             p.rxBytes.Load(),
		TxBytes:             p.txBytes.Load(),
		PersistentKeepalive: uint16(p.persistentKeepalive.Load()),
		AllowedIPs:          p.device.allowedIPs.EntriesForPeer(p),
	}
	if ns := p.lastHandshake.Load(); ns != 0 {
		ps.LastHandshake = time.Unix(0, ns)
	}
	return ps
}
