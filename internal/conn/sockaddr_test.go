// SPDX-License-Identifier: BSD-2-Clause

package conn

import (
	"bytes"
	"net/netip"
	"testing"
)

func TestSockaddrLayouts(t *testing.T) {
	v4 := netip.MustParseAddrPort("192.0.2.1:51820")
	v6 := netip.MustParseAddrPort("[2001:db8::1]:443")
	for _, c := range []struct {
		name   string
		layout sockaddrLayout
		ap     netip.AddrPort
		size   uint32
		head   []byte // the first bytes: family (and length)
	}{
		{"linux v4", linuxSockaddr, v4, 16, le16(2)},
		{"linux v6", linuxSockaddr, v6, 28, le16(10)},
		{"bsd v4", bsdSockaddr, v4, 16, []byte{16, 2}},
		{"bsd v6", bsdSockaddr, v6, 28, []byte{28, 28}},
		{"linux mapped", linuxSockaddr, netip.MustParseAddrPort("[::ffff:192.0.2.1]:51820"), 16, le16(2)},
	} {
		var sa sockaddr
		size := c.layout.put(&sa, c.ap)
		if size != c.size || !bytes.Equal(sa[:len(c.head)], c.head) {
			t.Errorf("%s: size %d, head % x", c.name, size, sa[:len(c.head)])
		}
		if sa[2] != byte(c.ap.Port()>>8) || sa[3] != byte(c.ap.Port()) {
			t.Errorf("%s: port bytes % x", c.name, sa[2:4])
		}
		if got, want := c.layout.parse(&sa), netip.AddrPortFrom(c.ap.Addr().Unmap(), c.ap.Port()); got != want {
			t.Errorf("%s: parse = %v, want %v", c.name, got, want)
		}
	}
}

// le16 is a 16-bit family in host order; the tests run on little-endian
// hosts.
func le16(v uint16) []byte { return []byte{byte(v), byte(v >> 8)} }

func TestSockaddrAddressBytes(t *testing.T) {
	var sa sockaddr
	bsdSockaddr.put(&sa, netip.MustParseAddrPort("[2001:db8::2]:1"))
	want := netip.MustParseAddr("2001:db8::2").As16()
	if !bytes.Equal(sa[8:24], want[:]) {
		t.Errorf("address bytes % x", sa[8:24])
	}
	linuxSockaddr.put(&sa, netip.MustParseAddrPort("198.51.100.9:1"))
	if !bytes.Equal(sa[4:8], []byte{198, 51, 100, 9}) || !bytes.Equal(sa[8:], make([]byte, 20)) {
		t.Errorf("sockaddr_in % x", sa)
	}
}

func TestSockaddrZones(t *testing.T) {
	for _, layout := range []sockaddrLayout{linuxSockaddr, bsdSockaddr} {
		var sa sockaddr
		layout.put(&sa, netip.MustParseAddrPort("[fe80::1%7]:51820"))
		if sa[24] != 7 {
			t.Errorf("scope % x", sa[24:])
		}
		if got := layout.parse(&sa); got.Addr().Zone() != "7" || got.Port() != 51820 {
			t.Errorf("parse = %v", got)
		}
		layout.put(&sa, netip.MustParseAddrPort("[fe80::1%no-such-interface]:1"))
		if got := layout.parse(&sa); got.Addr().Zone() != "" {
			t.Errorf("unknown interface gave zone %q", got.Addr().Zone())
		}
	}
	if testing.AllocsPerRun(100, func() { zoneName(7) }) != 0 {
		t.Error("zoneName allocates for a known scope")
	}
}

func TestSockaddrUnknownFamily(t *testing.T) {
	var sa sockaddr
	sa[0], sa[1] = 1, 0 // AF_UNIX on Linux; length 1 and family 0 on BSD
	for _, layout := range []sockaddrLayout{linuxSockaddr, bsdSockaddr} {
		if got := layout.parse(&sa); got.IsValid() {
			t.Errorf("parse = %v", got)
		}
	}
}

func TestEndpointComparable(t *testing.T) {
	a := Endpoint{Dst: netip.MustParseAddrPort("192.0.2.1:1")}
	b := Endpoint{Dst: netip.MustParseAddrPort("192.0.2.1:1")}
	m := map[Endpoint]int{a: 1}
	if a != b || m[b] != 1 || a.String() != "192.0.2.1:1" {
		t.Fatal("endpoints with equal addresses differ")
	}
}
