// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"net/netip"
	"slices"

	"github.com/wgbsd/wgbsd/nvlist"
)

// deviceModel is a SetTarget over a Device: ApplySet on it predicts what a
// SET request does to an interface. Allowed IPs are kept as if_wg keeps
// them: masked, newest first, one owner per prefix, and a prefix added to
// a peer taken from the peer that held it. With addOnRemove it behaves as
// kernels before allowed-IP removal, which ignore the flags key and add a
// prefix sent for removal.
type deviceModel struct {
	// dev is the modelled state; ApplySet changes it in place.
	dev Device
	// addOnRemove makes RemoveAllowedIP add the prefix.
	addOnRemove bool
}

var _ SetTarget = (*deviceModel)(nil)

// predictSet returns d as the SET request l leaves it on a kernel with
// (addOnRemove false) or without allowed-IP removal. The request's error,
// if any, is returned with the state up to the failing step.
func predictSet(d *Device, l *nvlist.List, addOnRemove bool) (*Device, error) {
	m := &deviceModel{dev: cloneDevice(d), addOnRemove: addOnRemove}
	err := ApplySet(m, l)
	return &m.dev, err
}

// cloneDevice copies d deeply enough for a model to change the copy:
// the peer list and each peer's allowed IPs.
func cloneDevice(d *Device) Device {
	c := *d
	c.Peers = slices.Clone(d.Peers)
	for i := range c.Peers {
		c.Peers[i].AllowedIPs = slices.Clone(c.Peers[i].AllowedIPs)
	}
	return c
}

// ReplacePeers removes every peer.
func (m *deviceModel) ReplacePeers() { m.dev.Peers = nil }

// ListenPort returns the stored port.
func (m *deviceModel) ListenPort() uint16 { return m.dev.ListenPort }

// SetListenPort stores the port.
func (m *deviceModel) SetListenPort(p uint16) error { m.dev.ListenPort = p; return nil }

// SetUserCookie stores the cookie as the fwmark.
func (m *deviceModel) SetUserCookie(c uint32) error { m.dev.FwMark = c; return nil }

// SetPrivateKey stores the key and its public key (none for the zero key)
// and destroys the peer whose public key equals the new public key, unless
// the key is the stored one.
func (m *deviceModel) SetPrivateKey(k [32]byte) {
	key := Key(k)
	if key.IsZero() {
		m.dev.PrivateKey, m.dev.PublicKey = nil, nil
		return
	}
	key = key.Clamped()
	if m.dev.PrivateKey != nil && *m.dev.PrivateKey == key {
		return
	}
	pub := key.PublicKey()
	m.dev.PrivateKey, m.dev.PublicKey = &key, &pub
	m.RemovePeer(pub)
}

// PublicKey returns the stored public key.
func (m *deviceModel) PublicKey() ([32]byte, bool) {
	if m.dev.PublicKey == nil {
		return [32]byte{}, false
	}
	return *m.dev.PublicKey, true
}

// Peer returns the peer with that public key, or nil.
func (m *deviceModel) Peer(pub [32]byte) SetPeerTarget {
	if m.find(pub) < 0 {
		return nil
	}
	return &modelPeer{m, pub}
}

// CreatePeer appends a peer.
func (m *deviceModel) CreatePeer(pub [32]byte) (SetPeerTarget, error) {
	m.dev.Peers = append(m.dev.Peers, Peer{PublicKey: pub})
	return &modelPeer{m, pub}, nil
}

// RemovePeer removes the peer with that public key, if any.
func (m *deviceModel) RemovePeer(pub [32]byte) {
	if i := m.find(pub); i >= 0 {
		m.dev.Peers = slices.Delete(m.dev.Peers, i, i+1)
	}
}

func (m *deviceModel) find(pub Key) int {
	return slices.IndexFunc(m.dev.Peers, func(p Peer) bool { return p.PublicKey == pub })
}

// modelPeer is one peer of a deviceModel.
type modelPeer struct {
	m   *deviceModel
	key Key
}

func (p *modelPeer) peer() *Peer { return &p.m.dev.Peers[p.m.find(p.key)] }

func (p *modelPeer) SetEndpoint(ep netip.AddrPort) {
	e, _ := EndpointFromAddrPort(ep)
	p.peer().Endpoint = e
}

func (p *modelPeer) SetPresharedKey(k [32]byte)      { p.peer().PresharedKey = Ptr(Key(k)) }
func (p *modelPeer) SetPersistentKeepalive(s uint16) { p.peer().PersistentKeepalive = s }
func (p *modelPeer) RemoveAllowedIPs()               { p.peer().AllowedIPs = nil }
func (p *modelPeer) Destroy()                        { p.m.RemovePeer(p.key) }

func (p *modelPeer) RemoveAllowedIP(pfx netip.Prefix) {
	if p.m.addOnRemove {
		p.add(pfx)
		return
	}
	p.peer().AllowedIPs = slices.DeleteFunc(p.peer().AllowedIPs, func(q netip.Prefix) bool { return q == pfx })
}

func (p *modelPeer) AddAllowedIP(pfx netip.Prefix) error {
	p.add(pfx)
	return nil
}

// add follows wg_aip_add in sys/dev/wg/if_wg.c: a new prefix goes to the
// head of the peer's list, a prefix held by another peer is moved to its
// head, and a prefix the peer already holds stays where it is.
func (p *modelPeer) add(pfx netip.Prefix) {
	if slices.Contains(p.peer().AllowedIPs, pfx) {
		return
	}
	for i := range p.m.dev.Peers {
		o := &p.m.dev.Peers[i]
		o.AllowedIPs = slices.DeleteFunc(o.AllowedIPs, func(q netip.Prefix) bool { return q == pfx })
	}
	p.peer().AllowedIPs = append([]netip.Prefix{pfx}, p.peer().AllowedIPs...)
}
