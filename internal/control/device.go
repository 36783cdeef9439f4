// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/internal/device"
)

// DeviceEngine returns d as the Engine a Server drives.
func DeviceEngine(d *device.Device) Engine { return deviceEngine{d} }

// deviceEngine adapts *device.Device to Engine.
type deviceEngine struct{ d *device.Device }

// Configure runs fn inside the device's Configure.
func (e deviceEngine) Configure(fn func(tx Tx) error) error {
	return e.d.Configure(func(tx *device.ConfigTx) error { return fn(deviceTx{tx}) })
}

// Snapshot returns the device's state in ifwg's model.
func (e deviceEngine) Snapshot() *ifwg.Device { return stateDevice(e.d.Snapshot()) }

// deviceTx adapts *device.ConfigTx to Tx: only the methods that return a
// peer differ, so that a missing peer is a nil interface.
type deviceTx struct{ *device.ConfigTx }

// Peer returns the peer with that public key, or nil.
func (t deviceTx) Peer(pub [32]byte) PeerTx {
	if p := t.ConfigTx.Peer(pub); p != nil {
		return p
	}
	return nil
}

// CreatePeer creates a peer.
func (t deviceTx) CreatePeer(pub [32]byte) (PeerTx, error) {
	p, err := t.ConfigTx.CreatePeer(pub)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// stateDevice converts a device.State.
func stateDevice(s device.State) *ifwg.Device {
	d := &ifwg.Device{ListenPort: s.ListenPort, FwMark: s.UserCookie}
	if s.HasIdentity {
		priv, pub := ifwg.Key(s.PrivateKey), ifwg.Key(s.PublicKey)
		d.PrivateKey, d.PublicKey = &priv, &pub
	}
	d.Peers = make([]ifwg.Peer, len(s.Peers))
	for i, p := range s.Peers {
		psk := ifwg.Key(p.PresharedKey)
		// The engine's zones are numeric, which always convert.
		ep, _ := ifwg.EndpointFromAddrPort(p.Endpoint)
		d.Peers[i] = ifwg.Peer{
			PublicKey:           p.PublicKey,
			PresharedKey:        &psk,
			Endpoint:            ep,
			LastHandshake:       ifwg.TimespecOf(p.LastHandshake),
			PersistentKeepalive: p.PersistentKeepalive,
			RxBytes:             p.RxBytes,
			TxBytes:             p.TxBytes,
			AllowedIPs:          p.AllowedIPs,
		}
	}
	return d
}
