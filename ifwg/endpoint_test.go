// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"encoding/hex"
	"net/netip"
	"testing"
)

func TestSockaddrLayouts(t *testing.T) {
	tests := []struct {
		name string
		e    Endpoint
		hex  string
	}{
		{"ipv4", Endpoint{Addr: netip.MustParseAddr("192.0.2.1"), Port: 51820},
			"1002ca6cc0000201" + "0000000000000000"},
		{"ipv6", Endpoint{Addr: netip.MustParseAddr("2001:db8::1"), Port: 51821},
			"1c1cca6d" + "00000000" + "20010db8000000000000000000000001" + "00000000"},
		{"ipv6 scope", Endpoint{Addr: netip.MustParseAddr("fe80::1"), Port: 51820, ScopeID: 2},
			"1c1cca6c" + "00000000" + "fe800000000000000000000000000001" + "02000000"},
		{"ipv6 flowinfo", Endpoint{Addr: netip.MustParseAddr("::1"), Port: 1, FlowInfo: 0x01020304},
			"1c1c0001" + "01020304" + "00000000000000000000000000000001" + "00000000"},
		{"ipv4-mapped stays ipv6", Endpoint{Addr: netip.MustParseAddr("::ffff:192.0.2.1"), Port: 7},
			"1c1c0007" + "00000000" + "00000000000000000000ffffc0000201" + "00000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.e.MarshalSockaddr()
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(b); got != tt.hex {
				t.Fatalf("MarshalSockaddr() = %s, want %s", got, tt.hex)
			}
			back, err := UnmarshalSockaddr(b)
			if err != nil || back != tt.e {
				t.Fatalf("UnmarshalSockaddr() = %+v, %v; want %+v", back, err, tt.e)
			}
		})
	}
}

func TestUnmarshalSockaddrAsWgReadsIt(t *testing.T) {
	v4 := "1002ca6cc0000201" + "0000000000000000"
	ok := map[string]Endpoint{
		// Trailing bytes up to sockaddr_in6's size are tolerated.
		v4 + "000000000000000000000000": {Addr: netip.MustParseAddr("192.0.2.1"), Port: 51820},
		// A short AF_INET6 sockaddr reads its missing bytes as zero.
		"1c1cca6c" + "00000000" + "fe800000" + "0000000000000000": {Addr: netip.MustParseAddr("fe80::"), Port: 51820},
		// sa_len is not checked.
		"0002ca6cc0000201" + "0000000000000000": {Addr: netip.MustParseAddr("192.0.2.1"), Port: 51820},
	}
	for h, want := range ok {
		b, _ := hex.DecodeString(h)
		got, err := UnmarshalSockaddr(b)
		if err != nil || got != want {
			t.Errorf("UnmarshalSockaddr(%s) = %+v, %v; want %+v", h, got, err, want)
		}
	}
	bad := []string{
		"",
		v4[:30],                                 // 15 bytes
		v4 + "00" + v4[:26],                     // 29 bytes
		"1001ca6cc0000201" + "0000000000000000", // AF_UNIX
		"100aca6cc0000201" + "0000000000000000", // Linux's AF_INET6 (10) is not FreeBSD's
	}
	for _, h := range bad {
		b, _ := hex.DecodeString(h)
		if e, err := UnmarshalSockaddr(b); err == nil {
			t.Errorf("UnmarshalSockaddr(%s) = %+v, want error", h, e)
		}
	}
	if _, err := (Endpoint{}).MarshalSockaddr(); err == nil {
		t.Error("MarshalSockaddr of the zero Endpoint succeeded")
	}
}

func TestEndpointAddrPort(t *testing.T) {
	e, err := EndpointFromAddrPort(netip.MustParseAddrPort("[fe80::1%3]:51820"))
	if err != nil || e.ScopeID != 3 || e.Addr.Zone() != "" {
		t.Fatalf("EndpointFromAddrPort = %+v, %v", e, err)
	}
	if s := e.String(); s != "[fe80::1%3]:51820" {
		t.Errorf("String() = %s", s)
	}
	if _, err := EndpointFromAddrPort(netip.MustParseAddrPort("[fe80::1%em0]:1")); err == nil {
		t.Error("named zone accepted")
	}
	if s := (Endpoint{}).String(); s != "(none)" {
		t.Errorf("zero String() = %s", s)
	}
}
