// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"net/netip"

	"github.com/wgbsd/wgbsd/ifwg"
)

// Engine is what a Server needs from the WireGuard engine: a way to change
// its configuration and a way to read its state. device.go adapts
// *device.Device to it.
type Engine interface {
	// Configure runs fn with the configuration lock held. Each Tx call
	// takes effect at once; nothing is rolled back when fn fails, as in
	// the kernel. Configure returns fn's error, or an error of its own
	// when fn could not run (the engine is closed).
	Configure(fn func(tx Tx) error) error
	// Snapshot returns the current state, secrets included; the Server
	// leaves them out for callers that may not read them. PrivateKey and
	// PublicKey are nil without an identity; peers are in creation order
	// with their allowed IPs newest first.
	Snapshot() *ifwg.Device
}

// Tx changes the interface inside Engine.Configure. Keys are the raw 32
// bytes.
type Tx interface {
	// ReplacePeers removes every peer.
	ReplacePeers()
	// ListenPort returns the port: the bound one while the interface is
	// up, the configured one while it is down.
	ListenPort() uint16
	// SetListenPort changes the port (0 lets the system choose),
	// rebinding at once while the interface is up; the error is the
	// bind's (an errno such as EADDRINUSE).
	SetListenPort(port uint16) error
	// SetPrivateKey replaces the private key (clamping it; the zero key
	// removes the identity) unless it equals the stored one, and
	// destroys the peer whose public key equals the new public key.
	SetPrivateKey(key [32]byte)
	// PublicKey returns the interface's public key and whether it has an
	// identity.
	PublicKey() ([32]byte, bool)
	// SetUserCookie changes the UDP sockets' user cookie (FreeBSD's
	// SO_USER_COOKIE, wg(8)'s fwmark); 0 turns it off.
	SetUserCookie(cookie uint32) error
	// Peer returns the peer with that public key, or nil.
	Peer(pub [32]byte) PeerTx
	// CreatePeer creates a peer at the end of the peer list; the error
	// carries ENOSPC when the interface has as many peers as it can hold.
	CreatePeer(pub [32]byte) (PeerTx, error)
	// RemovePeer destroys the peer with that public key, if any.
	RemovePeer(pub [32]byte)
}

// PeerTx changes one peer inside Engine.Configure.
type PeerTx interface {
	// SetEndpoint replaces the endpoint; an IPv6 scope is a numeric zone,
	// and the zero AddrPort means none.
	SetEndpoint(ep netip.AddrPort)
	// SetPresharedKey replaces the preshared key; the zero key removes
	// it.
	SetPresharedKey(key [32]byte)
	// SetPersistentKeepalive changes the keepalive interval in seconds;
	// 0 turns it off.
	SetPersistentKeepalive(seconds uint16)
	// RemoveAllowedIPs removes every allowed IP of the peer.
	RemoveAllowedIPs()
	// AddAllowedIP adds a masked prefix, taking it from any other peer
	// that has it.
	AddAllowedIP(prefix netip.Prefix) error
	// RemoveAllowedIP removes a masked prefix if the peer has it.
	RemoveAllowedIP(prefix netip.Prefix)
	// Destroy removes the peer.
	Destroy()
}
