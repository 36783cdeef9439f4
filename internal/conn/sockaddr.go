// SPDX-License-Identifier: BSD-2-Clause

package conn

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"sync"
)

// sockaddrSize is sizeof(struct sockaddr_in6), the largest address a
// Bind handles, on Linux and on FreeBSD.
const sockaddrSize = 28

// sockaddr holds a struct sockaddr_in or sockaddr_in6 in the kernel's
// layout.
type sockaddr [sockaddrSize]byte

// sockaddrLayout describes how a system lays out struct sockaddr_in and
// sockaddr_in6. Linux starts with a 16-bit family in host order; the BSDs
// start with a length byte and a family byte. The port, the IPv4 address,
// and the IPv6 flow label, address and scope follow at the same offsets
// on both. The layouts hold no pointer or long, so they are the same on
// every ABI.
type sockaddrLayout struct {
	bsd             bool
	afInet, afInet6 uint16
}

var (
	linuxSockaddr = sockaddrLayout{afInet: 2, afInet6: 10}
	bsdSockaddr   = sockaddrLayout{bsd: true, afInet: 2, afInet6: 28}
)

const (
	sockaddrInSize  = 16
	saPortOff       = 2
	sa4AddrOff      = 4
	sa6AddrOff      = 8
	sa6ScopeOff     = 24
	bsdSaFamilyOff  = 1
	bsdSaLenOff     = 0
	linuxSaFamilyOf = 0
)

func (l sockaddrLayout) family(sa *sockaddr) uint16 {
	if l.bsd {
		return uint16(sa[bsdSaFamilyOff])
	}
	return binary.NativeEndian.Uint16(sa[linuxSaFamilyOf:])
}

func (l sockaddrLayout) setFamily(sa *sockaddr, af uint16, size int) {
	if l.bsd {
		sa[bsdSaLenOff], sa[bsdSaFamilyOff] = byte(size), byte(af)
		return
	}
	binary.NativeEndian.PutUint16(sa[linuxSaFamilyOf:], af)
}

// put stores ap in sa and returns the address length to pass to the
// kernel. An IPv4 address, mapped or not, becomes a sockaddr_in. A zone
// becomes the IPv6 scope: a number is taken as is, a name is looked up as
// an interface.
func (l sockaddrLayout) put(sa *sockaddr, ap netip.AddrPort) uint32 {
	*sa = sockaddr{}
	addr := ap.Addr()
	binary.BigEndian.PutUint16(sa[saPortOff:], ap.Port())
	if addr.Is4() || addr.Is4In6() {
		l.setFamily(sa, l.afInet, sockaddrInSize)
		a := addr.Unmap().As4()
		copy(sa[sa4AddrOff:], a[:])
		return sockaddrInSize
	}
	l.setFamily(sa, l.afInet6, sockaddrSize)
	a := addr.As16()
	copy(sa[sa6AddrOff:], a[:])
	if zone := addr.Zone(); zone != "" {
		binary.NativeEndian.PutUint32(sa[sa6ScopeOff:], zoneIndex(zone))
	}
	return sockaddrSize
}

// parse returns the address in sa, or the zero AddrPort for an address
// family other than IPv4 and IPv6. A non-zero IPv6 scope becomes the
// zone, spelled as the interface index.
func (l sockaddrLayout) parse(sa *sockaddr) netip.AddrPort {
	port := binary.BigEndian.Uint16(sa[saPortOff:])
	switch l.family(sa) {
	case l.afInet:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(sa[sa4AddrOff:])), port)
	case l.afInet6:
		addr := netip.AddrFrom16([16]byte(sa[sa6AddrOff:]))
		if scope := binary.NativeEndian.Uint32(sa[sa6ScopeOff:]); scope != 0 {
			addr = addr.WithZone(zoneName(scope))
		}
		return netip.AddrPortFrom(addr, port)
	}
	return netip.AddrPort{}
}

// zoneNames caches the decimal spelling of scope IDs, so that datagrams
// from link-local peers do not allocate.
var zoneNames sync.Map // uint32 -> string

func zoneName(scope uint32) string {
	if z, ok := zoneNames.Load(scope); ok {
		return z.(string)
	}
	z, _ := zoneNames.LoadOrStore(scope, strconv.FormatUint(uint64(scope), 10))
	return z.(string)
}

// zoneIndex turns a zone into an interface index: a number as is, a name
// through interfaceIndex. An unknown name gives 0.
func zoneIndex(zone string) uint32 {
	if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
		return uint32(n)
	}
	return interfaceIndex(zone)
}
