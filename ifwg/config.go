// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import "net/netip"

// Config is a SET request: the changes to apply to an interface. A nil
// pointer or a false flag means "leave as it is"; a pointer to a zero value
// means "set to zero" (no private key, port 0 = chosen by the system,
// fwmark off). This is exactly how key presence works on the wire.
type Config struct {
	// PrivateKey, when set, replaces the private key; the zero key removes
	// it, leaving the interface without an identity.
	PrivateKey *Key
	// ListenPort, when set, changes the UDP port; 0 lets the system choose.
	ListenPort *uint16
	// FwMark, when set, changes the fwmark (on FreeBSD the UDP sockets'
	// SO_USER_COOKIE, called user-cookie on the wire); 0 turns it off.
	FwMark *uint32
	// ReplacePeers removes every peer before Peers are applied.
	ReplacePeers bool
	// Peers are applied in order.
	Peers []PeerConfig
}

// PeerConfig is the change to one peer, named by its public key. A peer
// that does not exist is created unless Remove or UpdateOnly is set.
type PeerConfig struct {
	// PublicKey names the peer.
	PublicKey Key
	// Remove deletes the peer; every other field is then ignored.
	Remove bool
	// UpdateOnly changes the peer only if it exists. The UAPI protocol has
	// it; the kernel's nvlist protocol does not, so backends that speak
	// nvlist look the peer up first.
	UpdateOnly bool
	// PresharedKey, when set, replaces the preshared key; the zero key
	// removes it.
	PresharedKey *Key
	// Endpoint, when set, replaces the endpoint.
	Endpoint *Endpoint
	// PersistentKeepalive, when set, is the keepalive interval in
	// seconds; 0 turns it off.
	PersistentKeepalive *uint16
	// ReplaceAllowedIPs removes the peer's allowed IPs before AllowedIPs
	// are applied.
	ReplaceAllowedIPs bool
	// AllowedIPs are added, or removed, in order.
	AllowedIPs []AllowedIP
}

// AllowedIP is one allowed-IPs change: a prefix to add or, with Remove, to
// take away. The prefix is sent as given, host bits included; the receiving
// side masks it.
type AllowedIP struct {
	Prefix netip.Prefix
	Remove bool
}

// Ptr returns a pointer to a copy of v. It makes "set to this value" in a
// Config short to write: Config{ListenPort: ifwg.Ptr[uint16](51820)}.
func Ptr[T any](v T) *T { return &v }
