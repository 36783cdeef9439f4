// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"math"
	"net/netip"
	"syscall"
	"testing"

	"github.com/wgbsd/wgbsd/nvlist"
)

func peerList(f func(p *nvlist.List)) *nvlist.List {
	p := nvlist.New()
	p.AddBinary(NVPublicKey, keyBytes(vPeer1))
	f(p)
	l := nvlist.New()
	l.AddNVListArray(NVPeers, []*nvlist.List{p})
	return l
}

func aipList(f func(a *nvlist.List)) *nvlist.List {
	return peerList(func(p *nvlist.List) {
		a := nvlist.New()
		f(a)
		p.AddNVListArray(NVAllowedIPs, []*nvlist.List{a})
	})
}

func TestDecodeSetErrors(t *testing.T) {
	tests := []struct {
		name  string
		l     *nvlist.List
		errno syscall.Errno
	}{
		{"listen-port too large", func() *nvlist.List {
			l := nvlist.New()
			l.AddNumber(NVListenPort, 65536)
			return l
		}(), syscall.EINVAL},
		{"user-cookie too large", func() *nvlist.List {
			l := nvlist.New()
			l.AddNumber(NVUserCookie, math.MaxUint32+1)
			return l
		}(), syscall.EINVAL},
		{"private-key short", func() *nvlist.List {
			l := nvlist.New()
			l.AddBinary(NVPrivateKey, make([]byte, 31))
			return l
		}(), syscall.EINVAL},
		{"peer without public-key", func() *nvlist.List {
			p := nvlist.New()
			p.AddBool(NVRemove, true)
			l := nvlist.New()
			l.AddNVListArray(NVPeers, []*nvlist.List{p})
			return l
		}(), syscall.EINVAL},
		{"endpoint too long", peerList(func(p *nvlist.List) { p.AddBinary(NVEndpoint, make([]byte, 29)) }), syscall.EINVAL},
		{"preshared-key long", peerList(func(p *nvlist.List) { p.AddBinary(NVPresharedKey, make([]byte, 33)) }), syscall.EINVAL},
		{"keepalive too large", peerList(func(p *nvlist.List) { p.AddNumber(NVKeepalive, 65536) }), syscall.EINVAL},
		{"unknown allowed-ip flag", aipList(func(a *nvlist.List) {
			a.AddNumber(NVFlags, 2)
			a.AddNumber(NVCIDR, 8)
			a.AddBinary(NVIPv4, []byte{10, 0, 0, 0})
		}), syscall.EOPNOTSUPP},
		{"cidr 33", aipList(func(a *nvlist.List) {
			a.AddNumber(NVCIDR, 33)
			a.AddBinary(NVIPv4, []byte{10, 0, 0, 0})
		}), syscall.EINVAL},
		{"cidr 129", aipList(func(a *nvlist.List) {
			a.AddNumber(NVCIDR, 129)
			a.AddBinary(NVIPv6, make([]byte, 16))
		}), syscall.EINVAL},
		{"ipv4 of 16 bytes", aipList(func(a *nvlist.List) {
			a.AddNumber(NVCIDR, 8)
			a.AddBinary(NVIPv4, make([]byte, 16))
		}), syscall.EINVAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeSet(tt.l)
			var se *SetError
			if !errors.As(err, &se) || se.Errno != tt.errno || !errors.Is(err, tt.errno) {
				t.Fatalf("DecodeSet() error = %v, want %v", err, tt.errno)
			}
		})
	}
}

func TestDecodeSetIgnores(t *testing.T) {
	l := nvlist.New()
	l.AddString(NVListenPort, "51820") // wrong type: ignored
	l.AddBool(NVReplacePeers, false)   // false: no-op
	l.AddNumber("jc", 4)               // unknown key: ignored
	p := nvlist.New()
	p.AddBinary(NVPublicKey, keyBytes(vPeer1))
	p.AddBinary(NVEndpoint, []byte{16, 1, 0, 1}) // AF_UNIX: no usable endpoint
	noCIDR := nvlist.New()
	noCIDR.AddBinary(NVIPv4, []byte{10, 0, 0, 1})
	noAddr := nvlist.New()
	noAddr.AddNumber(NVCIDR, 8)
	both := nvlist.New()
	both.AddNumber(NVCIDR, 8)
	both.AddBinary(NVIPv6, make([]byte, 16))
	both.AddBinary(NVIPv4, []byte{10, 1, 2, 3}) // ipv4 wins
	p.AddNVListArray(NVAllowedIPs, []*nvlist.List{noCIDR, noAddr, both})
	l.AddNVListArray(NVPeers, []*nvlist.List{p})
	cfg, err := DecodeSet(l)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ListenPort != nil || cfg.ReplacePeers || len(cfg.Peers) != 1 {
		t.Fatalf("DecodeSet() = %+v", cfg)
	}
	pc := cfg.Peers[0]
	if pc.Endpoint == nil || pc.Endpoint.IsValid() {
		t.Errorf("endpoint = %+v, want a cleared endpoint", pc.Endpoint)
	}
	if len(pc.AllowedIPs) != 1 || pc.AllowedIPs[0].Prefix != netip.MustParsePrefix("10.1.2.3/8") {
		t.Errorf("allowed IPs = %+v, want only 10.1.2.3/8", pc.AllowedIPs)
	}
}

func TestDecodeSetRemoveIgnoresTheRest(t *testing.T) {
	l := peerList(func(p *nvlist.List) {
		p.AddBool(NVRemove, true)
		p.AddNumber(NVKeepalive, 1<<40) // would be EINVAL, but remove comes first
	})
	cfg, err := DecodeSet(l)
	if err != nil || !cfg.Peers[0].Remove || cfg.Peers[0].PersistentKeepalive != nil {
		t.Fatalf("DecodeSet() = %+v, %v", cfg, err)
	}
}

func TestDecodeGetLeniency(t *testing.T) {
	l := nvlist.New()
	l.AddNumber(NVListenPort, 70000)            // out of range: ignored
	l.AddNumber(NVUserCookie, math.MaxUint32+1) // out of range: ignored
	l.AddBinary(NVPublicKey, make([]byte, 31))  // wrong size: ignored
	p := nvlist.New()
	p.AddBinary(NVPublicKey, keyBytes(vPeer1))
	p.AddBinary(NVEndpoint, make([]byte, 16)) // family 0: ignored
	p.AddBinary(NVLastHandshakeTime, make([]byte, 12))
	p.AddNumber(NVKeepalive, 65536)
	l.AddNVListArray(NVPeers, []*nvlist.List{p})
	d, err := DecodeGet(l)
	if err != nil {
		t.Fatal(err)
	}
	if d.ListenPort != 0 || d.FwMark != 0 || d.PublicKey != nil || len(d.Peers) != 1 {
		t.Fatalf("DecodeGet() = %+v", d)
	}
	if pr := d.Peers[0]; pr.Endpoint.IsValid() || !pr.LastHandshake.IsZero() || pr.PersistentKeepalive != 0 {
		t.Errorf("peer = %+v", pr)
	}

	bad := aipList(func(a *nvlist.List) {
		a.AddBinary(NVIPv4, []byte{10, 0, 0, 0})
		a.AddNumber(NVCIDR, 33)
	})
	if _, err := DecodeGet(bad); err == nil {
		t.Error("cidr 33 accepted in a GET reply")
	}
}

func TestEncodeSetRejects(t *testing.T) {
	if _, err := EncodeSet(&Config{Peers: []PeerConfig{{PublicKey: vPeer1, UpdateOnly: true}}}); !errors.Is(err, ErrUpdateOnly) {
		t.Errorf("update-only: %v", err)
	}
	if _, err := EncodeSet(&Config{Peers: []PeerConfig{{PublicKey: vPeer1, AllowedIPs: []AllowedIP{{}}}}}); err == nil {
		t.Error("invalid prefix accepted")
	}
	// An endpoint without an address is left out, as wg(8) leaves out a
	// sockaddr of another family.
	l, err := EncodeSet(&Config{Peers: []PeerConfig{{PublicKey: vPeer1, Endpoint: &Endpoint{}}}})
	if err != nil {
		t.Fatal(err)
	}
	peers, _ := l.NVListArray(NVPeers)
	if peers[0].Exists(NVEndpoint) {
		t.Error("empty endpoint encoded")
	}
}
