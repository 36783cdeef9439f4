// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strconv"
)

// FreeBSD's address family numbers and sockaddr sizes. The if_wg wire
// protocol carries FreeBSD sockaddrs whatever the host operating system.
const (
	afInet        = 2
	afInet6       = 28
	sockaddrInLen = 16
	sockaddrIn6   = 28
)

// MaxSockaddrLen is the largest endpoint the kernel accepts in a SET: the
// size of a FreeBSD sockaddr_in6.
const MaxSockaddrLen = sockaddrIn6

// Endpoint is a peer's UDP address as if_wg stores it: an IPv4 or IPv6
// address and port, plus the IPv6 flow information and scope (interface
// index) a sockaddr_in6 carries. The zero Endpoint has no address and means
// "no endpoint".
type Endpoint struct {
	// Addr is the address, without a zone; IsValid reports false for the
	// zero Endpoint. An IPv4-mapped IPv6 address stays IPv6.
	Addr netip.Addr
	// Port is the UDP port.
	Port uint16
	// FlowInfo is sin6_flowinfo; it is zero for IPv4.
	FlowInfo uint32
	// ScopeID is sin6_scope_id, the interface index of a link-local IPv6
	// address; it is zero for IPv4.
	ScopeID uint32
}

// EndpointFromAddrPort returns the Endpoint of ap. A numeric zone on an IPv6
// address becomes the scope; a named zone must be turned into an interface
// index by the caller, so it is an error here.
func EndpointFromAddrPort(ap netip.AddrPort) (Endpoint, error) {
	a := ap.Addr()
	e := Endpoint{Addr: a.WithZone(""), Port: ap.Port()}
	if z := a.Zone(); z != "" {
		id, err := strconv.ParseUint(z, 10, 32)
		if err != nil {
			return Endpoint{}, fmt.Errorf("endpoint zone %q is not an interface index", z)
		}
		e.ScopeID = uint32(id)
	}
	return e, nil
}

// IsValid reports whether the endpoint has an address.
func (e Endpoint) IsValid() bool { return e.Addr.IsValid() }

// AddrPort returns the endpoint as a netip.AddrPort, with the scope as a
// numeric zone when it is not zero.
func (e Endpoint) AddrPort() netip.AddrPort {
	a := e.Addr
	if e.ScopeID != 0 && a.Is6() {
		a = a.WithZone(strconv.FormatUint(uint64(e.ScopeID), 10))
	}
	return netip.AddrPortFrom(a, e.Port)
}

// ZoneName returns the text of the endpoint's IPv6 scope as getnameinfo(3)
// writes it: the interface's name for a link-local unicast or multicast
// address (on FreeBSD also an interface-local multicast one) when an
// interface has that index, otherwise the index in decimal; "" when there
// is no scope.
func (e Endpoint) ZoneName() string {
	if e.ScopeID == 0 || !e.Addr.Is6() {
		return ""
	}
	a := e.Addr
	named := a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		(runtime.GOOS == "freebsd" && a.IsInterfaceLocalMulticast())
	if named && e.ScopeID <= 1<<31-1 {
		if ifi, err := net.InterfaceByIndex(int(e.ScopeID)); err == nil {
			return ifi.Name
		}
	}
	return strconv.FormatUint(uint64(e.ScopeID), 10)
}

// String returns the endpoint as host:port, with IPv6 in brackets and a
// non-zero scope as a numeric zone.
func (e Endpoint) String() string {
	if !e.IsValid() {
		return "(none)"
	}
	return e.AddrPort().String()
}

// errSockaddr reports endpoint bytes that are not a FreeBSD sockaddr_in or
// sockaddr_in6.
var errSockaddr = errors.New("not an AF_INET or AF_INET6 sockaddr")

// MarshalSockaddr returns the endpoint as FreeBSD sockaddr bytes: a 16-byte
// sockaddr_in for IPv4 or a 28-byte sockaddr_in6 for IPv6, starting with
// sa_len, the port in network order and the scope in little-endian host
// order (every FreeBSD platform wgbsd targets is little-endian).
func (e Endpoint) MarshalSockaddr() ([]byte, error) {
	return e.appendSockaddr(nil)
}

// appendSockaddr appends the endpoint's sockaddr bytes to b.
func (e Endpoint) appendSockaddr(b []byte) ([]byte, error) {
	switch {
	case e.Addr.Is4():
		a := e.Addr.As4()
		b = append(b, sockaddrInLen, afInet)
		b = binary.BigEndian.AppendUint16(b, e.Port)
		b = append(b, a[:]...)
		return append(b, make([]byte, 8)...), nil
	case e.Addr.Is6():
		a := e.Addr.As16()
		b = append(b, sockaddrIn6, afInet6)
		b = binary.BigEndian.AppendUint16(b, e.Port)
		b = binary.BigEndian.AppendUint32(b, e.FlowInfo)
		b = append(b, a[:]...)
		return binary.LittleEndian.AppendUint32(b, e.ScopeID), nil
	}
	return nil, fmt.Errorf("endpoint has no address: %w", errSockaddr)
}

// UnmarshalSockaddr parses FreeBSD sockaddr bytes as wg(8) does for a GET
// reply: 16 to 28 bytes with family AF_INET or AF_INET6. Bytes missing from
// a short sockaddr_in6 read as zero, as wg(8) copies them into a zeroed
// buffer. The sa_len byte is not checked, as neither the kernel nor wg(8)
// checks it.
func UnmarshalSockaddr(b []byte) (Endpoint, error) {
	if len(b) < sockaddrInLen || len(b) > sockaddrIn6 {
		return Endpoint{}, fmt.Errorf("sockaddr of %d bytes: %w", len(b), errSockaddr)
	}
	var sa [sockaddrIn6]byte
	copy(sa[:], b)
	switch sa[1] {
	case afInet:
		return Endpoint{
			Addr: netip.AddrFrom4([4]byte(sa[4:8])),
			Port: binary.BigEndian.Uint16(sa[2:]),
		}, nil
	case afInet6:
		return Endpoint{
			Addr:     netip.AddrFrom16([16]byte(sa[8:24])),
			Port:     binary.BigEndian.Uint16(sa[2:]),
			FlowInfo: binary.BigEndian.Uint32(sa[4:]),
			ScopeID:  binary.LittleEndian.Uint32(sa[24:]),
		}, nil
	}
	return Endpoint{}, fmt.Errorf("sockaddr family %d: %w", sa[1], errSockaddr)
}
