// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"syscall"

	"github.com/wgbsd/wgbsd/nvlist"
)

// This file applies a SIOCSWG request as FreeBSD's wgc_set and
// wg_peer_add do: keys are looked up by name and type (a key of another
// type is not there), applied in the kernel's fixed order whatever their
// order in the buffer, and the first bad value stops the request with the
// kernel's errno, keeping every step already taken.

// SetTarget is what ApplySet changes: an interface's configuration, one
// step at a time, each taking effect at once (nothing is rolled back when a
// later step fails, as in the kernel). Keys are the raw 32 bytes. The wgd
// engine implements it.
type SetTarget interface {
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
	Peer(pub [32]byte) SetPeerTarget
	// CreatePeer creates a peer at the end of the peer list; the error
	// carries ENOSPC when the interface has as many peers as it can hold.
	CreatePeer(pub [32]byte) (SetPeerTarget, error)
	// RemovePeer destroys the peer with that public key, if any.
	RemovePeer(pub [32]byte)
}

// SetPeerTarget is one peer of a SetTarget.
type SetPeerTarget interface {
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

// ApplySet applies the SET request l to tx as the kernel's wgc_set does:
// replace-peers, listen-port, private-key, user-cookie, then each element
// of peers in order, with keys looked up by name and type, unknown ones
// ignored, and the first bad value stopping the request with the kernel's
// errno (a *SetError, or the target's own errno) while every step already
// taken stays taken. DecodeSet reads the same request all or nothing.
func ApplySet(tx SetTarget, l *nvlist.List) error {
	if v, ok := l.Bool(NVReplacePeers); ok && v {
		tx.ReplacePeers()
	}
	if v, ok := l.Number(NVListenPort); ok {
		if err := SetListenPort(tx, v); err != nil {
			return err
		}
	}
	if b, ok := l.Binary(NVPrivateKey); ok {
		if len(b) != KeyLen {
			return SetErrorf(syscall.EINVAL, "private-key of %d bytes", len(b))
		}
		tx.SetPrivateKey([KeyLen]byte(b))
	}
	if v, ok := l.Number(NVUserCookie); ok {
		if v > math.MaxUint32 {
			return SetErrorf(syscall.EINVAL, "user-cookie %d out of range", v)
		}
		if err := tx.SetUserCookie(uint32(v)); err != nil {
			return WithErrno(err, syscall.EINVAL, "failed to set user-cookie")
		}
	}
	peers, _ := l.NVListArray(NVPeers)
	for i, p := range peers {
		if err := wgPeerAdd(tx, p); err != nil {
			return fmt.Errorf("peer %d: %w", i, err)
		}
	}
	return nil
}

// PortTarget is the part of a SetTarget that holds the listen port.
type PortTarget interface {
	ListenPort() uint16
	SetListenPort(port uint16) error
}

// SetListenPort changes tx's port to v unless it is the current one, as
// the kernel compares with the port its sockets have: EINVAL for a value
// out of range, EADDRINUSE (wrapping the bind's error) for a port that
// cannot be bound. It is the one place both protocols of wgd set a port.
func SetListenPort(tx PortTarget, v uint64) error {
	if v > math.MaxUint16 {
		return SetErrorf(syscall.EINVAL, "listen-port %d out of range", v)
	}
	if uint16(v) == tx.ListenPort() {
		return nil
	}
	if err := tx.SetListenPort(uint16(v)); err != nil {
		return WithErrno(err, syscall.EADDRINUSE, "failed to set listen-port")
	}
	return nil
}

// wgPeerAdd applies one element of peers. An element naming the
// interface's own public key is ignored, remove included; remove ignores
// the element's other keys; a peer this element created is destroyed again
// when a later key of the element fails.
func wgPeerAdd(tx SetTarget, l *nvlist.List) error {
	b, ok := l.Binary(NVPublicKey)
	if !ok {
		return SetErrorf(syscall.EINVAL, "peer without public-key")
	}
	if len(b) != KeyLen {
		return SetErrorf(syscall.EINVAL, "public-key of %d bytes", len(b))
	}
	pub := [KeyLen]byte(b)
	if own, ok := tx.PublicKey(); ok && own == pub {
		return nil
	}
	peer := tx.Peer(pub)
	if v, ok := l.Bool(NVRemove); ok && v {
		if peer != nil {
			tx.RemovePeer(pub)
		}
		return nil
	}
	if v, ok := l.Bool(NVReplaceAllowedIPs); ok && v && peer != nil {
		peer.RemoveAllowedIPs()
	}
	created := peer == nil
	if created {
		p, err := tx.CreatePeer(pub)
		if err != nil {
			return WithErrno(err, syscall.ENOSPC, "failed to create "+keyAbbrev(pub))
		}
		peer = p
	}
	if err := wgPeerSet(peer, l); err != nil {
		if created {
			peer.Destroy()
		}
		return err
	}
	return nil
}

// wgPeerSet applies a peer element's endpoint, preshared-key,
// persistent-keepalive-interval and allowed-ips, in that order.
func wgPeerSet(peer SetPeerTarget, l *nvlist.List) error {
	if b, ok := l.Binary(NVEndpoint); ok {
		if len(b) > MaxSockaddrLen {
			return SetErrorf(syscall.EINVAL, "endpoint of %d bytes", len(b))
		}
		peer.SetEndpoint(sockaddrEndpoint(b))
	}
	if b, ok := l.Binary(NVPresharedKey); ok {
		if len(b) != KeyLen {
			return SetErrorf(syscall.EINVAL, "preshared-key of %d bytes", len(b))
		}
		peer.SetPresharedKey([KeyLen]byte(b))
	}
	if v, ok := l.Number(NVKeepalive); ok {
		if v > math.MaxUint16 {
			return SetErrorf(syscall.EINVAL, "persistent-keepalive-interval %d out of range", v)
		}
		peer.SetPersistentKeepalive(uint16(v))
	}
	aips, _ := l.NVListArray(NVAllowedIPs)
	for _, a := range aips {
		if err := wgAllowedIP(peer, a); err != nil {
			return err
		}
	}
	return nil
}

// wgAllowedIP applies one element of allowed-ips, as decodeSetAllowedIP
// reads it: an element without cidr, or without ipv4 and ipv6, is
// skipped; ipv4 wins over ipv6; flags other than remove are EOPNOTSUPP,
// checked before the address. The prefix is masked.
func wgAllowedIP(peer SetPeerTarget, l *nvlist.List) error {
	a, ok, err := decodeSetAllowedIP(l)
	if err != nil || !ok {
		return err
	}
	p := a.Prefix.Masked()
	if a.Remove {
		peer.RemoveAllowedIP(p)
		return nil
	}
	if err := peer.AddAllowedIP(p); err != nil {
		return WithErrno(err, syscall.ENOMEM, "failed to add allowed-ip")
	}
	return nil
}

// sockaddrEndpoint returns the endpoint in a FreeBSD sockaddr of at most
// 28 bytes, which the kernel stores without checking: a family other than
// AF_INET or AF_INET6 leaves the peer without an endpoint. Two deviations:
// bytes not sent read as zero, where the kernel keeps the stored
// sockaddr's (only a sockaddr shorter than wg(8) ever sends shows it), and
// the IPv6 flow label is not kept.
func sockaddrEndpoint(b []byte) netip.AddrPort {
	var sa [MaxSockaddrLen]byte
	copy(sa[:], b)
	e, err := UnmarshalSockaddr(sa[:])
	if err != nil {
		return netip.AddrPort{}
	}
	return e.AddrPort()
}

// WithErrno returns err, wrapped with what failed, when it carries an
// errno; otherwise a *SetError with the fallback errno.
func WithErrno(err error, fallback syscall.Errno, what string) error {
	var en syscall.Errno
	if errors.As(err, &en) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return &SetError{Errno: fallback, Reason: what + ": " + err.Error()}
}

// keyAbbrev abbreviates a public key for an error text: peer(AbCd…WxYz).
func keyAbbrev(pub [32]byte) string {
	s := Key(pub).String()
	return "peer(" + s[:4] + "…" + s[39:43] + ")"
}
