// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"

	"github.com/wgbsd/wgbsd/nvlist"
)

// lastHandshakeLen is the size of last-handshake-time: seconds and
// nanoseconds as two 64-bit little-endian (host order) integers.
const lastHandshakeLen = 16

// EncodeGet builds the SIOCGWG reply for d exactly as the kernel's wgc_get
// does: listen-port and user-cookie only when not zero, public-key and then
// private-key only when the interface has a key (the private key only for a
// privileged caller), peers only when there are any. Per peer: public-key,
// preshared-key (privileged callers only, 32 zero bytes when none),
// endpoint (only when it has an address), last-handshake-time,
// persistent-keepalive-interval, rx-bytes, tx-bytes, and allowed-ips (only
// when any) with ipv4 or ipv6 before cidr.
func EncodeGet(d *Device, privileged bool) (*nvlist.List, error) {
	l := nvlist.New()
	if d.ListenPort != 0 {
		l.AddNumber(NVListenPort, uint64(d.ListenPort))
	}
	if d.FwMark != 0 {
		l.AddNumber(NVUserCookie, uint64(d.FwMark))
	}
	if d.PublicKey != nil {
		l.AddBinary(NVPublicKey, keyBytes(*d.PublicKey))
		if privileged && d.PrivateKey != nil {
			l.AddBinary(NVPrivateKey, keyBytes(*d.PrivateKey))
		}
	}
	err := addPeers(l, d.Peers, func(p *Peer) (*nvlist.List, error) { return encodeGetPeer(p, privileged) })
	if err != nil {
		return nil, err
	}
	if err := l.Err(); err != nil {
		return nil, fmt.Errorf("failed to build get reply: %w", err)
	}
	return l, nil
}

func encodeGetPeer(p *Peer, privileged bool) (*nvlist.List, error) {
	l := nvlist.New()
	l.AddBinary(NVPublicKey, keyBytes(p.PublicKey))
	if privileged {
		var psk Key
		if p.PresharedKey != nil {
			psk = *p.PresharedKey
		}
		l.AddBinary(NVPresharedKey, keyBytes(psk))
	}
	if p.Endpoint.IsValid() {
		sa, err := p.Endpoint.MarshalSockaddr()
		if err != nil {
			return nil, err
		}
		l.AddBinary(NVEndpoint, sa)
	}
	hs := make([]byte, lastHandshakeLen)
	binary.LittleEndian.PutUint64(hs, uint64(p.LastHandshake.Sec))
	binary.LittleEndian.PutUint64(hs[8:], uint64(p.LastHandshake.Nsec))
	l.AddBinary(NVLastHandshakeTime, hs)
	l.AddNumber(NVKeepalive, uint64(p.PersistentKeepalive))
	l.AddNumber(NVRxBytes, p.RxBytes)
	l.AddNumber(NVTxBytes, p.TxBytes)
	if len(p.AllowedIPs) > 0 {
		aips := make([]*nvlist.List, len(p.AllowedIPs))
		for i, pfx := range p.AllowedIPs {
			al := nvlist.New()
			al.AddBinary(addrKey(pfx.Addr(), new([16]byte)))
			al.AddNumber(NVCIDR, uint64(pfx.Bits()))
			aips[i] = al
		}
		l.AddNVListArray(NVAllowedIPs, aips)
	}
	return l, nil
}

// addrKey returns the allowed-IP key of a's family (ipv4 or ipv6) and a's
// 4 or 16 bytes, held in buf.
func addrKey(a netip.Addr, buf *[16]byte) (key string, b []byte) {
	if a.Is4() {
		b4 := a.As4()
		return NVIPv4, append(buf[:0], b4[:]...)
	}
	*buf = a.As16()
	return NVIPv6, buf[:]
}

// DecodeGet reads a SIOCGWG reply as wg(8) reads it: every key is looked
// up by name and type and is optional; numbers out of range and keys of the
// wrong size are ignored; an all-zero preshared key means none; an endpoint
// counts only when it is 16 to 28 bytes of family AF_INET or AF_INET6; an
// allowed-IP element without cidr or without an address is skipped; a cidr
// too large for its family, or an address of the wrong size, is an error.
// Unknown keys are ignored.
func DecodeGet(l *nvlist.List) (*Device, error) {
	d := &Device{}
	if v, ok := l.Number(NVListenPort); ok && v <= math.MaxUint16 {
		d.ListenPort = uint16(v)
	}
	if v, ok := l.Number(NVUserCookie); ok && v <= math.MaxUint32 {
		d.FwMark = uint32(v)
	}
	if b, ok := l.Binary(NVPublicKey); ok && len(b) == KeyLen {
		d.PublicKey = Ptr(Key(b))
	}
	if b, ok := l.Binary(NVPrivateKey); ok && len(b) == KeyLen {
		d.PrivateKey = Ptr(Key(b))
	}
	peers, ok := l.NVListArray(NVPeers)
	if !ok {
		return d, nil
	}
	d.Peers = make([]Peer, 0, len(peers))
	for i, pl := range peers {
		p, err := decodeGetPeer(pl)
		if err != nil {
			return nil, fmt.Errorf("peer %d: %w", i, err)
		}
		d.Peers = append(d.Peers, p)
	}
	return d, nil
}

func decodeGetPeer(l *nvlist.List) (Peer, error) {
	var p Peer
	if b, ok := l.Binary(NVPublicKey); ok && len(b) == KeyLen {
		p.PublicKey = Key(b)
	}
	if b, ok := l.Binary(NVPresharedKey); ok && len(b) == KeyLen {
		p.PresharedKey = Ptr(Key(b))
	}
	if v, ok := l.Number(NVKeepalive); ok && v <= math.MaxUint16 {
		p.PersistentKeepalive = uint16(v)
	}
	if b, ok := l.Binary(NVEndpoint); ok {
		if e, err := UnmarshalSockaddr(b); err == nil {
			p.Endpoint = e
		}
	}
	p.RxBytes, _ = l.Number(NVRxBytes)
	p.TxBytes, _ = l.Number(NVTxBytes)
	if b, ok := l.Binary(NVLastHandshakeTime); ok && len(b) == lastHandshakeLen {
		p.LastHandshake = Timespec{
			Sec:  int64(binary.LittleEndian.Uint64(b)),
			Nsec: int64(binary.LittleEndian.Uint64(b[8:])),
		}
	}
	aips, ok := l.NVListArray(NVAllowedIPs)
	if !ok {
		return p, nil
	}
	for j, al := range aips {
		pfx, ok, err := allowedIPPrefix(al)
		if err != nil {
			return Peer{}, fmt.Errorf("allowed-ip %d: %w", j, err)
		}
		if ok {
			p.AllowedIPs = append(p.AllowedIPs, pfx)
		}
	}
	return p, nil
}

// allowedIPPrefix returns the prefix of one allowed-ips element as if_wg
// reads it, not masked: cidr with ipv4, or with ipv6 when there is no
// ipv4. It returns false for an element without cidr or without either
// address, which the kernel skips, and an error for an address of the
// wrong length or a cidr longer than the address.
func allowedIPPrefix(l *nvlist.List) (netip.Prefix, bool, error) {
	cidr, ok := l.Number(NVCIDR)
	if !ok {
		return netip.Prefix{}, false, nil
	}
	var addr netip.Addr
	var maxBits uint64
	if b, ok := l.Binary(NVIPv4); ok {
		if len(b) != 4 {
			return netip.Prefix{}, false, fmt.Errorf("ipv4 of %d bytes", len(b))
		}
		addr, maxBits = netip.AddrFrom4([4]byte(b)), 32
	} else if b, ok := l.Binary(NVIPv6); ok {
		if len(b) != 16 {
			return netip.Prefix{}, false, fmt.Errorf("ipv6 of %d bytes", len(b))
		}
		addr, maxBits = netip.AddrFrom16([16]byte(b)), 128
	} else {
		return netip.Prefix{}, false, nil
	}
	if cidr > maxBits {
		return netip.Prefix{}, false, fmt.Errorf("cidr %d too large for %v", cidr, addr)
	}
	return netip.PrefixFrom(addr, int(cidr)), true, nil
}
