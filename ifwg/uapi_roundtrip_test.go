// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// uapiRand makes random model values that the UAPI can carry.
type uapiRand struct{ r *rand.Rand }

func newUAPIRand(seed uint64) uapiRand {
	return uapiRand{rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

func (u uapiRand) key() Key {
	var k Key
	for i := range k {
		k[i] = byte(u.r.Uint32())
	}
	return k
}

// oneIn reports true with probability 1/n.
func (u uapiRand) oneIn(n int) bool { return u.r.IntN(n) == 0 }

// addr returns an IPv4 or IPv6 address, now and then one of the forms
// that are written specially: IPv4-mapped, IPv4-compatible, link-local.
func (u uapiRand) addr() netip.Addr {
	var b [16]byte
	for i := range b {
		b[i] = byte(u.r.Uint32())
	}
	switch u.r.IntN(6) {
	case 0, 1:
		return netip.AddrFrom4([4]byte(b[:4]))
	case 2:
		return netip.AddrFrom16([16]byte(append([]byte{10: 0xff, 11: 0xff}, b[:4]...)))
	case 3:
		return netip.AddrFrom16([16]byte(append(make([]byte, 12), b[:4]...)))
	case 4:
		b[0], b[1] = 0xfe, 0x80
	}
	return netip.AddrFrom16(b)
}

// endpoint returns an endpoint with an address; an IPv6 one may have a
// scope that names an interface (1) or none.
func (u uapiRand) endpoint() Endpoint {
	e := Endpoint{Addr: u.addr(), Port: uint16(u.r.Uint32())}
	if e.Addr.Is6() && u.oneIn(2) {
		e.ScopeID = []uint32{1, 4000000000, 77}[u.r.IntN(3)]
	}
	return e
}

// prefix returns a prefix with random host bits, masked when asked.
func (u uapiRand) prefix(masked bool) netip.Prefix {
	a := u.addr()
	p := netip.PrefixFrom(a, u.r.IntN(a.BitLen()+1))
	if masked {
		p = p.Masked()
	}
	return p
}

// device returns a Device as a UAPI server reports it.
func (u uapiRand) device() *Device {
	d := &Device{ListenPort: uint16(u.r.Uint32()), FwMark: u.r.Uint32()}
	if u.oneIn(3) {
		d.ListenPort, d.FwMark = 0, 0
	}
	if !u.oneIn(4) {
		d.PrivateKey = Ptr(u.key())
		d.PublicKey = Ptr(d.PrivateKey.PublicKey())
	}
	for range u.r.IntN(5) {
		p := Peer{PublicKey: u.key(), PresharedKey: &Key{}, ProtocolVersion: 1,
			LastHandshake: Timespec{Sec: u.r.Int64(), Nsec: u.r.Int64N(1e9)},
			RxBytes:       u.r.Uint64(), TxBytes: u.r.Uint64(), PersistentKeepalive: uint16(u.r.Uint32())}
		if u.oneIn(2) {
			p.PresharedKey = Ptr(u.key())
		}
		if !u.oneIn(3) {
			p.Endpoint = u.endpoint()
		}
		for range u.r.IntN(5) {
			p.AllowedIPs = append(p.AllowedIPs, u.prefix(true))
		}
		d.Peers = append(d.Peers, p)
	}
	return d
}

// config returns a Config that a UAPI set request can carry.
func (u uapiRand) config() *Config {
	c := &Config{ReplacePeers: u.oneIn(2)}
	if u.oneIn(2) {
		c.PrivateKey = Ptr(u.maybeZeroKey())
	}
	if u.oneIn(2) {
		c.ListenPort = Ptr(uint16(u.r.Uint32()))
	}
	if u.oneIn(2) {
		c.FwMark = Ptr(u.r.Uint32())
	}
	for range u.r.IntN(5) {
		c.Peers = append(c.Peers, u.peerConfig())
	}
	return c
}

func (u uapiRand) maybeZeroKey() Key {
	if u.oneIn(4) {
		return Key{}
	}
	return u.key()
}

func (u uapiRand) peerConfig() PeerConfig {
	p := PeerConfig{PublicKey: u.key()}
	if u.oneIn(8) {
		p.Remove = true
		return p
	}
	p.UpdateOnly = u.oneIn(3)
	p.ReplaceAllowedIPs = u.oneIn(2)
	if u.oneIn(2) {
		p.PresharedKey = Ptr(u.maybeZeroKey())
	}
	if u.oneIn(2) {
		p.Endpoint = Ptr(u.endpoint())
	}
	if u.oneIn(2) {
		p.PersistentKeepalive = Ptr(uint16(u.r.Uint32()))
	}
	for range u.r.IntN(5) {
		p.AllowedIPs = append(p.AllowedIPs, AllowedIP{Prefix: u.prefix(false), Remove: u.oneIn(3)})
	}
	return p
}

// TestUAPIGetRoundTrip checks that the server's get reply reads back, with
// the client's parser, as the Device it was written from.
func TestUAPIGetRoundTrip(t *testing.T) {
	u := newUAPIRand(1)
	for i := 0; i < 2000; i++ {
		want := u.device()
		reply := MarshalUAPIGetReply(want)
		got, err := ParseUAPIGetReply(bytes.NewReader(reply))
		if err != nil {
			t.Fatalf("device %d: %v\n%s", i, err, reply)
		}
		if !uapiDevicesEqual(got, want) {
			t.Fatalf("device %d:\ngot  %s\nwant %s\nreply:\n%s", i, uapiDumpDevice(got), uapiDumpDevice(want), reply)
		}
	}
}

// TestUAPISetRoundTrip checks that the client's set request reads back,
// with the server's parser, as the Config it was written from, and that
// the request is written again byte for byte.
func TestUAPISetRoundTrip(t *testing.T) {
	u := newUAPIRand(2)
	for i := 0; i < 2000; i++ {
		want := u.config()
		req, err := MarshalUAPISet(want)
		if err != nil {
			t.Fatal(err)
		}
		body, ok := bytes.CutPrefix(req, []byte(uapiSetLine+"\n"))
		if !ok {
			t.Fatalf("request does not start with set=1: %q", req)
		}
		got, err := ParseUAPISet(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("config %d: %v\n%s", i, err, req)
		}
		if !uapiConfigsEqual(got, want) {
			t.Fatalf("config %d:\ngot  %s\nwant %s\nrequest:\n%s", i, uapiDumpConfig(got), uapiDumpConfig(want), req)
		}
		again, err := MarshalUAPISet(got)
		if err != nil || !bytes.Equal(again, req) {
			t.Fatalf("config %d written again differs (%v):\n%s\n%s", i, err, again, req)
		}
	}
}
