// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"net/netip"
	"slices"
	"syscall"
	"testing"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/nvlist"
)

// setCase is one SET request against a fake engine prepared by setup.
type setCase struct {
	name  string
	setup func(e *fakeEngine)
	req   func(t *testing.T) *nvlist.List
	errno syscall.Errno
	check func(t *testing.T, e *fakeEngine, d *ifwg.Device)
}

// withPeers gives the engine peers with the given keys, each with one
// allowed IP 10.0.0.<key byte>/32.
func withPeers(bs ...byte) func(e *fakeEngine) {
	return func(e *fakeEngine) {
		for _, b := range bs {
			e.peers = append(e.peers, &fakePeer{
				pub:  key(b),
				aips: []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, 0, b}), 32)},
			})
		}
	}
}

// wantPeers checks the peers' keys, in order.
func wantPeers(t *testing.T, d *ifwg.Device, bs ...byte) {
	t.Helper()
	var want []ifwg.Key
	for _, b := range bs {
		want = append(want, key(b))
	}
	if got := peerKeys(d); !slices.Equal(got, want) {
		t.Errorf("peers %v, want %v", got, want)
	}
}

// wantAIPs checks a peer's allowed IPs, in order.
func wantAIPs(t *testing.T, d *ifwg.Device, b byte, want ...string) {
	t.Helper()
	for _, p := range d.Peers {
		if p.PublicKey != key(b) {
			continue
		}
		var got []string
		for _, a := range p.AllowedIPs {
			got = append(got, a.String())
		}
		if !slices.Equal(got, want) {
			t.Errorf("peer %d allowed IPs %v, want %v", b, got, want)
		}
		return
	}
	t.Errorf("no peer %d", b)
}

// peerOf returns the peer with key(b).
func peerOf(t *testing.T, d *ifwg.Device, b byte) ifwg.Peer {
	t.Helper()
	for _, p := range d.Peers {
		if p.PublicKey == key(b) {
			return p
		}
	}
	t.Fatalf("no peer %d", b)
	return ifwg.Peer{}
}

func runSetCases(t *testing.T, cases []setCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newFakeEngine()
			if c.setup != nil {
				c.setup(e)
			}
			n := newNVClient(t, newTestServer(t, e), true)
			if en := n.set(c.req(t)); en != c.errno {
				t.Fatalf("SET answered %v (%d), want %v (%d)", en, en, c.errno, c.errno)
			}
			if c.check != nil {
				c.check(t, e, n.device())
			}
		})
	}
}

func TestSetInterfaceKeys(t *testing.T) {
	priv := key(0x42)
	runSetCases(t, []setCase{{
		name:  "replace-peers first, whatever its place",
		setup: withPeers(1, 2),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(3))), ifwg.NVReplacePeers, true)
		},
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantPeers(t, d, 3) },
	}, {
		name:  "replace-peers false changes nothing",
		setup: withPeers(1),
		req:   func(t *testing.T) *nvlist.List { return nv(t, ifwg.NVReplacePeers, false) },
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantPeers(t, d, 1) },
	}, {
		// if_wg would have destroyed the peers before it read the port
		// (wgc_set); wgd tries the port first.
		name:  "bad listen-port with replace-peers changes nothing",
		setup: withPeers(1),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVListenPort, 65536, ifwg.NVReplacePeers, true)
		},
		errno: syscall.EINVAL,
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantPeers(t, d, 1) },
	}, {
		name: "taken listen-port with replace-peers changes nothing",
		setup: func(e *fakeEngine) {
			withPeers(1)(e)
			e.port = 51820
			e.busyPorts[4000] = true
		},
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVReplacePeers, true, ifwg.NVListenPort, 4000,
				ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(3))))
		},
		errno: syscall.EADDRINUSE,
		check: func(t *testing.T, e *fakeEngine, d *ifwg.Device) {
			wantPeers(t, d, 1)
			if d.ListenPort != 51820 {
				t.Errorf("port %d", d.ListenPort)
			}
		},
	}, {
		name:  "listen-port 0 is bound once",
		setup: func(e *fakeEngine) { e.port = 51820 },
		req:   func(t *testing.T) *nvlist.List { return nv(t, ifwg.NVListenPort, 0, ifwg.NVReplacePeers, true) },
		check: func(t *testing.T, e *fakeEngine, _ *ifwg.Device) {
			if e.portSets != 1 {
				t.Errorf("SetListenPort called %d times", e.portSets)
			}
		},
	}, {
		name: "listen-port 65535",
		req:  func(t *testing.T) *nvlist.List { return nv(t, ifwg.NVListenPort, 65535) },
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) {
			if d.ListenPort != 65535 {
				t.Errorf("port %d", d.ListenPort)
			}
		},
	}, {
		name:  "the current listen-port is not set again",
		setup: func(e *fakeEngine) { e.port = 51820 },
		req:   func(t *testing.T) *nvlist.List { return nv(t, ifwg.NVListenPort, 51820) },
		check: func(t *testing.T, e *fakeEngine, _ *ifwg.Device) {
			if e.portSets != 0 {
				t.Errorf("SetListenPort called %d times", e.portSets)
			}
		},
	}, {
		name:  "bind failure is passed through",
		setup: func(e *fakeEngine) { e.busyPorts[4000] = true },
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVListenPort, 4000, ifwg.NVPrivateKey, priv)
		},
		errno: syscall.EADDRINUSE,
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) {
			if d.PrivateKey != nil {
				t.Error("private-key applied after the failing listen-port")
			}
		},
	}, {
		name: "short private-key after listen-port keeps the port",
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPrivateKey, make([]byte, 31), ifwg.NVListenPort, 1234)
		},
		errno: syscall.EINVAL,
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) {
			if d.ListenPort != 1234 || d.PrivateKey != nil {
				t.Errorf("port %d, private key %v", d.ListenPort, d.PrivateKey != nil)
			}
		},
	}, {
		name: "private-key is stored clamped and removes the peer it names",
		setup: func(e *fakeEngine) {
			withPeers(1)(e)
			e.peers = append(e.peers, &fakePeer{pub: priv.PublicKey()})
		},
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPrivateKey, priv)
		},
		check: func(t *testing.T, e *fakeEngine, d *ifwg.Device) {
			if d.PrivateKey == nil || *d.PrivateKey != priv.Clamped() {
				t.Fatalf("private key not stored clamped")
			}
			if *d.PublicKey != priv.PublicKey() {
				t.Error("wrong public key")
			}
			wantPeers(t, d, 1)
		},
	}, {
		name:  "user-cookie range",
		req:   func(t *testing.T) *nvlist.List { return nv(t, ifwg.NVUserCookie, uint64(1)<<32) },
		errno: syscall.EINVAL,
	}, {
		name: "user-cookie 2^32-1",
		req:  func(t *testing.T) *nvlist.List { return nv(t, ifwg.NVUserCookie, uint64(1)<<32-1) },
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) {
			if d.FwMark != 1<<32-1 {
				t.Errorf("fwmark %#x", d.FwMark)
			}
		},
	}, {
		name:  "user-cookie failure is passed through",
		setup: func(e *fakeEngine) { e.cookieErr = syscall.EACCES },
		req:   func(t *testing.T) *nvlist.List { return nv(t, ifwg.NVUserCookie, 7) },
		errno: syscall.EACCES,
	}, {
		name:  "wrongly typed and unknown keys are ignored",
		setup: withPeers(1),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVReplacePeers, 1, ifwg.NVListenPort, []byte{1, 2}, ifwg.NVPrivateKey, "x",
				ifwg.NVUserCookie, true, ifwg.NVPeers, 5, "public-key", priv, "jc", 3)
		},
		check: func(t *testing.T, e *fakeEngine, d *ifwg.Device) {
			wantPeers(t, d, 1)
			if len(e.calls) != 0 {
				t.Errorf("engine called: %v", e.calls)
			}
		},
	}, {
		name: "the kernel's order but listen-port first: listen-port, replace-peers, private-key, user-cookie, peers",
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(9))), ifwg.NVUserCookie, 5,
				ifwg.NVPrivateKey, priv, ifwg.NVListenPort, 77, ifwg.NVReplacePeers, true)
		},
		check: func(t *testing.T, e *fakeEngine, _ *ifwg.Device) {
			want := []string{"SetListenPort 77", "ReplacePeers", "SetPrivateKey", "SetUserCookie 5", "CreatePeer " + peerName(key(9))}
			if !slices.Equal(e.calls, want) {
				t.Errorf("calls %q, want %q", e.calls, want)
			}
		},
	}})
}

func TestSetPeerKeys(t *testing.T) {
	priv := key(0x42)
	own := priv.PublicKey()
	runSetCases(t, []setCase{{
		name:  "peer without public-key stops the request",
		setup: withPeers(1),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(
				nv(t, ifwg.NVPublicKey, key(2)),
				nv(t, ifwg.NVPresharedKey, key(7)),
				nv(t, ifwg.NVPublicKey, key(3))))
		},
		errno: syscall.EINVAL,
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantPeers(t, d, 1, 2) },
	}, {
		name: "public-key of the wrong size",
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, make([]byte, 33))))
		},
		errno: syscall.EINVAL,
	}, {
		name: "public-key of another type is missing",
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, "key")))
		},
		errno: syscall.EINVAL,
	}, {
		name: "the interface's own key is ignored, remove and bad values included",
		setup: func(e *fakeEngine) {
			e.priv, e.hasID = priv.Clamped(), true
		},
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(
				nv(t, ifwg.NVPublicKey, own, ifwg.NVPresharedKey, []byte{1}),
				nv(t, ifwg.NVPublicKey, own, ifwg.NVRemove, true),
				nv(t, ifwg.NVPublicKey, key(5))))
		},
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantPeers(t, d, 5) },
	}, {
		name: "a key set earlier in the same request counts as own",
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, own, ifwg.NVPresharedKey, []byte{1})),
				ifwg.NVPrivateKey, priv)
		},
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantPeers(t, d) },
	}, {
		name:  "remove ignores the element's other keys",
		setup: withPeers(1, 2),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(
				nv(t, ifwg.NVPublicKey, key(1), ifwg.NVRemove, true, ifwg.NVPresharedKey, []byte{1}, ifwg.NVEndpoint, make([]byte, 29)),
				nv(t, ifwg.NVPublicKey, key(9), ifwg.NVRemove, true)))
		},
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantPeers(t, d, 2) },
	}, {
		name:  "remove false creates or keeps the peer",
		setup: withPeers(1),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(
				nv(t, ifwg.NVPublicKey, key(1), ifwg.NVRemove, false),
				nv(t, ifwg.NVPublicKey, key(2), ifwg.NVRemove, false)))
		},
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantPeers(t, d, 1, 2) },
	}, {
		name:  "replace-allowedips before the new ones",
		setup: withPeers(1),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVReplaceAllowedIPs, true,
				ifwg.NVAllowedIPs, peers(aip(t, "10.9.0.0/16"), aip(t, "fd00::1/64")))))
		},
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) {
			wantAIPs(t, d, 1, "fd00::/64", "10.9.0.0/16")
		},
	}, {
		name:  "without replace-allowedips the prefixes add up",
		setup: withPeers(1),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1),
				ifwg.NVAllowedIPs, peers(aip(t, "10.9.0.0/16")))))
		},
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) {
			wantAIPs(t, d, 1, "10.9.0.0/16", "10.0.0.1/32")
		},
	}, {
		name:  "a new peer is destroyed when a later key of its element fails",
		setup: withPeers(1),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(2),
				ifwg.NVAllowedIPs, peers(aip(t, "10.0.0.1/32")),
				ifwg.NVEndpoint, sockaddr(t, "192.0.2.1:1"),
				ifwg.NVPresharedKey, make([]byte, 16))))
		},
		errno: syscall.EINVAL,
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantPeers(t, d, 1) },
	}, {
		name:  "an existing peer keeps what changed before the failure",
		setup: withPeers(1),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1),
				ifwg.NVKeepalive, 65536,
				ifwg.NVReplaceAllowedIPs, true,
				ifwg.NVEndpoint, sockaddr(t, "192.0.2.1:1"),
				ifwg.NVPresharedKey, key(8))))
		},
		errno: syscall.EINVAL,
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) {
			p := peerOf(t, d, 1)
			if p.Endpoint.String() != "192.0.2.1:1" || *p.PresharedKey != key(8) || len(p.AllowedIPs) != 0 {
				t.Errorf("peer %+v", p)
			}
		},
	}, {
		name:  "the first failing peer stops the rest",
		setup: withPeers(1),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(
				nv(t, ifwg.NVPublicKey, key(2)),
				nv(t, ifwg.NVPublicKey, key(3), ifwg.NVKeepalive, 1<<16),
				nv(t, ifwg.NVPublicKey, key(4))))
		},
		errno: syscall.EINVAL,
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantPeers(t, d, 1, 2) },
	}, {
		name:  "ENOSPC when the interface is full",
		setup: func(e *fakeEngine) { withPeers(1)(e); e.maxPeers = 2 },
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(
				nv(t, ifwg.NVPublicKey, key(2)),
				nv(t, ifwg.NVPublicKey, key(1), ifwg.NVKeepalive, 5),
				nv(t, ifwg.NVPublicKey, key(3)),
				nv(t, ifwg.NVPublicKey, key(4))))
		},
		errno: syscall.ENOSPC,
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) {
			wantPeers(t, d, 1, 2)
			if p := peerOf(t, d, 1); p.PersistentKeepalive != 5 {
				t.Errorf("keepalive %d", p.PersistentKeepalive)
			}
		},
	}, {
		name: "keepalive, preshared-key",
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVKeepalive, 65535, ifwg.NVPresharedKey, key(3))))
		},
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) {
			p := peerOf(t, d, 1)
			if p.PersistentKeepalive != 65535 || *p.PresharedKey != key(3) {
				t.Errorf("peer %+v", p)
			}
		},
	}})
}

func TestSetEndpoint(t *testing.T) {
	v6scope := sockaddr(t, "[fe80::1%7]:51820")
	unknown := sockaddr(t, "192.0.2.1:5")
	unknown[1] = 1 // AF_LOCAL
	for _, c := range []struct {
		name string
		sa   []byte
		want string
	}{
		{"IPv4", sockaddr(t, "192.0.2.1:51820"), "192.0.2.1:51820"},
		{"IPv6", sockaddr(t, "[2001:db8::1]:443"), "[2001:db8::1]:443"},
		{"IPv6 with a scope", v6scope, "[fe80::1%7]:51820"},
		{"IPv4-mapped stays IPv6", sockaddr(t, "[::ffff:192.0.2.1]:1"), "[::ffff:192.0.2.1]:1"},
		{"other family: no endpoint", unknown, "(none)"},
		{"short: missing bytes read as zero", v6scope[:20], "[fe80::]:51820"},
		// The kernel copies the bytes over the stored sockaddr, keeping
		// its family; wgd reads what was not sent as zero.
		{"one byte: no family", []byte{16}, "(none)"},
		{"28 bytes of IPv4", append(sockaddr(t, "192.0.2.1:9"), make([]byte, 12)...), "192.0.2.1:9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newFakeEngine()
			e.peers = []*fakePeer{{pub: key(1), ep: netip.MustParseAddrPort("198.51.100.1:1")}}
			n := newNVClient(t, newTestServer(t, e), true)
			if en := n.set(nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVEndpoint, c.sa)))); en != 0 {
				t.Fatal(en)
			}
			if got := peerOf(t, n.device(), 1).Endpoint.String(); got != c.want {
				t.Errorf("endpoint %s, want %s", got, c.want)
			}
		})
	}
	t.Run("29 bytes", func(t *testing.T) {
		n := newNVClient(t, newTestServer(t, newFakeEngine()), true)
		en := n.set(nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVEndpoint, make([]byte, 29)))))
		if en != syscall.EINVAL {
			t.Errorf("answered %v", en)
		}
		if d := n.device(); len(d.Peers) != 0 {
			t.Error("new peer kept")
		}
	})
}

func TestSetAllowedIPs(t *testing.T) {
	v4 := func(b ...byte) []byte { return b }
	runSetCases(t, []setCase{{
		name:  "masked, newest first, moved from another peer",
		setup: withPeers(1, 2),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(2), ifwg.NVAllowedIPs, peers(
				aip(t, "10.0.0.1/32"), aip(t, "192.168.7.9/24"), aip(t, "2001:db8::7/48")))))
		},
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) {
			wantAIPs(t, d, 1)
			wantAIPs(t, d, 2, "2001:db8::/48", "192.168.7.0/24", "10.0.0.1/32", "10.0.0.2/32")
		},
	}, {
		name:  "elements without cidr or without an address are skipped",
		setup: withPeers(1),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVAllowedIPs, peers(
				nv(t, ifwg.NVIPv4, v4(10, 1, 1, 1)),
				nv(t, ifwg.NVCIDR, 8),
				nv(t, ifwg.NVCIDR, []byte{8}, ifwg.NVIPv4, v4(1, 1, 1, 1)),
				nv(t, ifwg.NVCIDR, 8, ifwg.NVIPv4, "1.1.1.1")))))
		},
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantAIPs(t, d, 1, "10.0.0.1/32") },
	}, {
		name:  "ipv4 wins over ipv6",
		setup: withPeers(1),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVReplaceAllowedIPs, true, ifwg.NVAllowedIPs, peers(
				nv(t, ifwg.NVCIDR, 16, ifwg.NVIPv6, make([]byte, 3), ifwg.NVIPv4, v4(10, 2, 3, 4))))))
		},
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantAIPs(t, d, 1, "10.2.0.0/16") },
	}, {
		name: "ipv4 of the wrong size",
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVAllowedIPs, peers(
				nv(t, ifwg.NVCIDR, 8, ifwg.NVIPv4, v4(10, 0, 0))))))
		},
		errno: syscall.EINVAL,
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantPeers(t, d) },
	}, {
		name: "ipv4 cidr 33",
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVAllowedIPs, peers(
				nv(t, ifwg.NVCIDR, 33, ifwg.NVIPv4, v4(10, 0, 0, 0))))))
		},
		errno: syscall.EINVAL,
	}, {
		name: "ipv6 of the wrong size",
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVAllowedIPs, peers(
				nv(t, ifwg.NVCIDR, 8, ifwg.NVIPv6, make([]byte, 4))))))
		},
		errno: syscall.EINVAL,
	}, {
		name: "ipv6 cidr 129",
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVAllowedIPs, peers(
				nv(t, ifwg.NVCIDR, 129, ifwg.NVIPv6, make([]byte, 16))))))
		},
		errno: syscall.EINVAL,
	}, {
		name:  "flags 1 removes the prefix if the peer has it",
		setup: withPeers(1, 2),
		req: func(t *testing.T) *nvlist.List {
			rm := func(s string) *nvlist.List {
				l := aip(t, s)
				l.AddNumber(ifwg.NVFlags, 1)
				return l
			}
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVAllowedIPs, peers(
				rm("10.0.0.2/32"), rm("10.0.0.1/32"), rm("10.7.7.7/32")))))
		},
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) {
			wantAIPs(t, d, 1)
			wantAIPs(t, d, 2, "10.0.0.2/32")
		},
	}, {
		name:  "unknown flags: EOPNOTSUPP before the address is looked at",
		setup: withPeers(1),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVAllowedIPs, peers(
				aip(t, "10.5.0.0/16"),
				nv(t, ifwg.NVCIDR, 99, ifwg.NVFlags, 3, ifwg.NVIPv4, v4(1))))))
		},
		errno: syscall.EOPNOTSUPP,
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) {
			wantAIPs(t, d, 1, "10.5.0.0/16", "10.0.0.1/32")
		},
	}, {
		name:  "flags without cidr: skipped",
		setup: withPeers(1),
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVAllowedIPs, peers(
				nv(t, ifwg.NVFlags, 2, ifwg.NVIPv4, v4(1, 2, 3, 4))))))
		},
	}, {
		name:  "an add failure is passed through",
		setup: func(e *fakeEngine) { e.aipErr = syscall.ENOMEM },
		req: func(t *testing.T) *nvlist.List {
			return nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVAllowedIPs, peers(aip(t, "10.0.0.0/8")))))
		},
		errno: syscall.ENOMEM,
		check: func(t *testing.T, _ *fakeEngine, d *ifwg.Device) { wantPeers(t, d) },
	}})
}
