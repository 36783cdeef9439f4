// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"syscall"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/nvlist"
)

// This file applies a SIOCSWG request as FreeBSD's wgc_set and
// wg_peer_add do: keys are looked up by name and type (a key of another
// type is not there), applied in the kernel's fixed order whatever their
// order in the buffer, and the first bad value stops the request with the
// kernel's errno, keeping every step already taken.

// kernelKeyLen is the size of every key the kernel accepts.
const kernelKeyLen = 32

// wgcSet applies the SET request l to tx: replace-peers, listen-port,
// private-key, user-cookie, then each element of peers in order. The error
// carries the errno the kernel answers with.
func wgcSet(tx Tx, l *nvlist.List) error {
	if v, ok := l.Bool(ifwg.NVReplacePeers); ok && v {
		tx.ReplacePeers()
	}
	if v, ok := l.Number(ifwg.NVListenPort); ok {
		if err := wgcSetListenPort(tx, v); err != nil {
			return err
		}
	}
	if b, ok := l.Binary(ifwg.NVPrivateKey); ok {
		if len(b) != kernelKeyLen {
			return setErrorf(syscall.EINVAL, "private-key of %d bytes", len(b))
		}
		tx.SetPrivateKey([kernelKeyLen]byte(b))
	}
	if v, ok := l.Number(ifwg.NVUserCookie); ok {
		if v > math.MaxUint32 {
			return setErrorf(syscall.EINVAL, "user-cookie %d out of range", v)
		}
		if err := tx.SetUserCookie(uint32(v)); err != nil {
			return withErrno(err, syscall.EINVAL, "failed to set user-cookie")
		}
	}
	peers, _ := l.NVListArray(ifwg.NVPeers)
	for i, p := range peers {
		if err := wgPeerAdd(tx, p); err != nil {
			return fmt.Errorf("peer %d: %w", i, err)
		}
	}
	return nil
}

// wgcSetListenPort changes the port unless it is the current one, as the
// kernel compares with the port its sockets have.
func wgcSetListenPort(tx Tx, v uint64) error {
	if v > math.MaxUint16 {
		return setErrorf(syscall.EINVAL, "listen-port %d out of range", v)
	}
	if uint16(v) == tx.ListenPort() {
		return nil
	}
	if err := tx.SetListenPort(uint16(v)); err != nil {
		return withErrno(err, syscall.EADDRINUSE, "failed to set listen-port")
	}
	return nil
}

// wgPeerAdd applies one element of peers. An element naming the
// interface's own public key is ignored, remove included; remove ignores
// the element's other keys; a peer this element created is destroyed again
// when a later key of the element fails.
func wgPeerAdd(tx Tx, l *nvlist.List) error {
	b, ok := l.Binary(ifwg.NVPublicKey)
	if !ok {
		return setErrorf(syscall.EINVAL, "peer without public-key")
	}
	if len(b) != kernelKeyLen {
		return setErrorf(syscall.EINVAL, "public-key of %d bytes", len(b))
	}
	pub := [kernelKeyLen]byte(b)
	if own, ok := tx.PublicKey(); ok && own == pub {
		return nil
	}
	peer := tx.Peer(pub)
	if v, ok := l.Bool(ifwg.NVRemove); ok && v {
		if peer != nil {
			tx.RemovePeer(pub)
		}
		return nil
	}
	if v, ok := l.Bool(ifwg.NVReplaceAllowedIPs); ok && v && peer != nil {
		peer.RemoveAllowedIPs()
	}
	created := peer == nil
	if created {
		p, err := tx.CreatePeer(pub)
		if err != nil {
			return withErrno(err, syscall.ENOSPC, "failed to create "+peerName(pub))
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
func wgPeerSet(peer PeerTx, l *nvlist.List) error {
	if b, ok := l.Binary(ifwg.NVEndpoint); ok {
		if len(b) > ifwg.MaxSockaddrLen {
			return setErrorf(syscall.EINVAL, "endpoint of %d bytes", len(b))
		}
		peer.SetEndpoint(sockaddrEndpoint(b))
	}
	if b, ok := l.Binary(ifwg.NVPresharedKey); ok {
		if len(b) != kernelKeyLen {
			return setErrorf(syscall.EINVAL, "preshared-key of %d bytes", len(b))
		}
		peer.SetPresharedKey([kernelKeyLen]byte(b))
	}
	if v, ok := l.Number(ifwg.NVKeepalive); ok {
		if v > math.MaxUint16 {
			return setErrorf(syscall.EINVAL, "persistent-keepalive-interval %d out of range", v)
		}
		peer.SetPersistentKeepalive(uint16(v))
	}
	aips, _ := l.NVListArray(ifwg.NVAllowedIPs)
	for _, a := range aips {
		if err := wgAllowedIP(peer, a); err != nil {
			return err
		}
	}
	return nil
}

// wgAllowedIP applies one element of allowed-ips. An element without cidr,
// or without ipv4 and ipv6, is skipped; ipv4 wins over ipv6; flags other
// than remove are EOPNOTSUPP, checked before the address.
func wgAllowedIP(peer PeerTx, l *nvlist.List) error {
	cidr, ok := l.Number(ifwg.NVCIDR)
	if !ok {
		return nil
	}
	flags, _ := l.Number(ifwg.NVFlags)
	if flags&^ifwg.AllowedIPValidFlags != 0 {
		return setErrorf(syscall.EOPNOTSUPP, "allowed-ip flags %#x", flags)
	}
	p, ok, err := allowedIPPrefix(l, cidr)
	if err != nil || !ok {
		return err
	}
	if flags&ifwg.AllowedIPRemoveMe != 0 {
		peer.RemoveAllowedIP(p)
		return nil
	}
	if err := peer.AddAllowedIP(p); err != nil {
		return withErrno(err, syscall.ENOMEM, "failed to add allowed-ip")
	}
	return nil
}

// allowedIPPrefix returns the masked prefix of an allowed-ips element,
// false when it has no address.
func allowedIPPrefix(l *nvlist.List, cidr uint64) (netip.Prefix, bool, error) {
	var addr netip.Addr
	if b, ok := l.Binary(ifwg.NVIPv4); ok {
		if len(b) != 4 || cidr > 32 {
			return netip.Prefix{}, false, setErrorf(syscall.EINVAL, "ipv4 of %d bytes with cidr %d", len(b), cidr)
		}
		addr = netip.AddrFrom4([4]byte(b))
	} else if b, ok := l.Binary(ifwg.NVIPv6); ok {
		if len(b) != 16 || cidr > 128 {
			return netip.Prefix{}, false, setErrorf(syscall.EINVAL, "ipv6 of %d bytes with cidr %d", len(b), cidr)
		}
		addr = netip.AddrFrom16([16]byte(b))
	} else {
		return netip.Prefix{}, false, nil
	}
	return netip.PrefixFrom(addr, int(cidr)).Masked(), true, nil
}

// sockaddrEndpoint returns the endpoint in a FreeBSD sockaddr of at most
// 28 bytes, which the kernel stores without checking: a family other than
// AF_INET or AF_INET6 leaves the peer without an endpoint. Two deviations:
// bytes not sent read as zero, where the kernel keeps the stored
// sockaddr's (only a sockaddr shorter than wg(8) ever sends shows it), and
// the IPv6 flow label is not kept.
func sockaddrEndpoint(b []byte) netip.AddrPort {
	var sa [ifwg.MaxSockaddrLen]byte
	copy(sa[:], b)
	e, err := ifwg.UnmarshalSockaddr(sa[:])
	if err != nil {
		return netip.AddrPort{}
	}
	return e.AddrPort()
}

// setErrorf returns the errno of a refused step with its reason.
func setErrorf(en syscall.Errno, format string, args ...any) error {
	return &ifwg.SetError{Errno: en, Reason: fmt.Sprintf(format, args...)}
}

// withErrno returns err, wrapped with what failed, when it carries an
// errno; otherwise a SetError with the fallback errno.
func withErrno(err error, fallback syscall.Errno, what string) error {
	var en syscall.Errno
	if errors.As(err, &en) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return &ifwg.SetError{Errno: fallback, Reason: what + ": " + err.Error()}
}

// errnoOf returns 0 for a nil err, otherwise the errno err carries, or
// fallback when it carries none.
func errnoOf(err error, fallback syscall.Errno) syscall.Errno {
	if err == nil {
		return 0
	}
	var en syscall.Errno
	if errors.As(err, &en) && en != 0 {
		return en
	}
	return fallback
}
