// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/wgbsd/wgbsd/nvlist"
)

// Keys of testdata/README.md.
var (
	vIfacePriv = mustKey("aNLfSD5+WKRc6KYeIq7jDGcfX802+KzbdHRnzDvKlGo=")
	vIfacePub  = mustKey("EOckQSqdApg8redOFoGxn6fcuffomILIHIU2edoY2Cc=")
	vPeer1     = mustKey("20qZeb/YlW8TU0FCBXIoH/sIjYt9tQTTR+ET2DQ9+Tw=")
	vPeer2     = mustKey("jySJrA7kXKmQjmh+1C8DjAFDyHc3vzT0G8rNwHWF7lI=")
	vPeer3     = mustKey("2xcMopGAmQ0GTGWY8nrH/nziAKb8Zk1EJZXet54SdAA=")
	vPSK       = mustKey("6LAeOa2BctVTZzLAV4g2RO3anNUb5rk3Abz6KSjEOig=")
)

func mustKey(s string) Key {
	k, err := ParseKey(s)
	if err != nil {
		panic(err)
	}
	return k
}

func aip(s string) AllowedIP { return AllowedIP{Prefix: netip.MustParsePrefix(s)} }

func ep(s string, scope uint32) *Endpoint {
	ap := netip.MustParseAddrPort(s)
	return &Endpoint{Addr: ap.Addr(), Port: ap.Port(), ScopeID: scope}
}

// setVectors are the wg(8) commands of testdata/README.md as Configs.
var setVectors = map[string]*Config{
	// wg set wg0 listen-port 51820 private-key iface.key
	"set-privkey-listenport": {PrivateKey: &vIfacePriv, ListenPort: Ptr[uint16](51820)},
	// wg set wg0 fwmark 0x1234
	"set-fwmark": {FwMark: Ptr[uint32](0x1234)},
	// wg set wg0 fwmark off
	"set-fwmark-off": {FwMark: Ptr[uint32](0)},
	// wg setconf: [Interface] PrivateKey, ListenPort
	"set-setconf-iface-only": {PrivateKey: &vIfacePriv, ListenPort: Ptr[uint16](51820),
		FwMark: Ptr[uint32](0), ReplacePeers: true},
	// wg setconf of a bare [Interface]
	"set-setconf-empty": {PrivateKey: &Key{}, ListenPort: Ptr[uint16](0), FwMark: Ptr[uint32](0), ReplacePeers: true},
	// wg set wg0 peer P1 preshared-key psk.key endpoint 192.0.2.1:51820
	// persistent-keepalive 25 allowed-ips 10.0.0.2/32,fd00::2/128
	"set-peer-full": {Peers: []PeerConfig{{PublicKey: vPeer1, PresharedKey: &vPSK,
		Endpoint: ep("192.0.2.1:51820", 0), PersistentKeepalive: Ptr[uint16](25), ReplaceAllowedIPs: true,
		AllowedIPs: []AllowedIP{aip("10.0.0.2/32"), aip("fd00::2/128")}}}},
	"set-peer-remove": {Peers: []PeerConfig{{PublicKey: vPeer1, Remove: true}}},
	"set-peer-allowedips-replace": {Peers: []PeerConfig{{PublicKey: vPeer1, ReplaceAllowedIPs: true,
		AllowedIPs: []AllowedIP{aip("10.0.0.0/24")}}}},
	"set-peer-allowedips-clear": {Peers: []PeerConfig{{PublicKey: vPeer1, ReplaceAllowedIPs: true}}},
	// allowed-ips +10.0.1.0/24,-10.0.0.2/32
	"set-peer-allowedips-incremental": {Peers: []PeerConfig{{PublicKey: vPeer1, AllowedIPs: []AllowedIP{
		aip("10.0.1.0/24"), {Prefix: netip.MustParsePrefix("10.0.0.2/32"), Remove: true}}}}},
	"set-endpoint-v6-scope": {Peers: []PeerConfig{{PublicKey: vPeer1, Endpoint: ep("[fe80::1]:51820", 2)}}},
	"set-endpoint-v6":       {Peers: []PeerConfig{{PublicKey: vPeer2, Endpoint: ep("[2001:db8::1]:51821", 0)}}},
	"set-psk-clear":         {Peers: []PeerConfig{{PublicKey: vPeer1, PresharedKey: &Key{}}}},
	"set-addconf-peer": {Peers: []PeerConfig{{PublicKey: vPeer2, ReplaceAllowedIPs: true,
		AllowedIPs: []AllowedIP{aip("10.0.0.3/32")}}}},
	"set-setconf-3-peers": {PrivateKey: &vIfacePriv, ListenPort: Ptr[uint16](51820), FwMark: Ptr[uint32](0x4d2),
		ReplacePeers: true, Peers: []PeerConfig{
			{PublicKey: vPeer1, Endpoint: ep("192.0.2.1:51820", 0), ReplaceAllowedIPs: true,
				AllowedIPs: []AllowedIP{aip("10.0.0.2/32")}},
			{PublicKey: vPeer2, PresharedKey: &vPSK, Endpoint: ep("[2001:db8::1]:51821", 0),
				PersistentKeepalive: Ptr[uint16](25), ReplaceAllowedIPs: true,
				AllowedIPs: []AllowedIP{aip("10.0.0.3/32"), aip("fd00::3/128")}},
			{PublicKey: vPeer3, PersistentKeepalive: Ptr[uint16](0), ReplaceAllowedIPs: true,
				AllowedIPs: []AllowedIP{aip("0.0.0.0/0"), aip("::/0")}},
		}},
}

func readVector(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".bin"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// packed returns a function that packs the list an encoder returned,
// failing tb if the encoder or Pack fails: packed(t)(EncodeGet(d, true)).
func packed(tb testing.TB) func(l *nvlist.List, err error) []byte {
	return func(l *nvlist.List, err error) []byte {
		tb.Helper()
		var b []byte
		if err == nil {
			b, err = l.Pack()
		}
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
}

// checkVectorCount fails t unless testdata holds as many kind-*.bin
// vectors as the table has entries.
func checkVectorCount(t *testing.T, kind string, n int) {
	t.Helper()
	files, _ := filepath.Glob("testdata/" + kind + "-*.bin")
	if len(files) != n {
		t.Errorf("%d %s vectors in testdata, %d in the table", len(files), kind, n)
	}
}

func TestSetVectorsEncode(t *testing.T) {
	checkVectorCount(t, "set", len(setVectors))
	for name, cfg := range setVectors {
		t.Run(name, func(t *testing.T) {
			want := readVector(t, name)
			got := packed(t)(EncodeSet(cfg))
			if !bytes.Equal(got, want) {
				t.Fatalf("EncodeSet bytes differ from %s.bin\n got %x\nwant %x", name, got, want)
			}
		})
	}
}

func TestSetVectorsDecode(t *testing.T) {
	for name, cfg := range setVectors {
		t.Run(name, func(t *testing.T) {
			l, err := nvlist.Unpack(readVector(t, name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeSet(l)
			if err != nil {
				t.Fatal(err)
			}
			want := *cfg
			// A removal carries only the key: the kernel ignores the rest.
			if !reflect.DeepEqual(got, &want) {
				t.Fatalf("DecodeSet() =\n%+v\nwant\n%+v", got, &want)
			}
		})
	}
}

// getVectors are the kernel states of testdata/README.md.
func getVectors() map[string]struct {
	dev        Device
	privileged bool
} {
	zero := Key{}
	peer1Full := Peer{PublicKey: vPeer1, PresharedKey: &vPSK, Endpoint: *ep("192.0.2.1:51820", 0),
		LastHandshake: Timespec{1700000000, 123456789}, PersistentKeepalive: 25, RxBytes: 1234567, TxBytes: 7654321,
		AllowedIPs: []netip.Prefix{netip.MustParsePrefix("fd00::2/128"), netip.MustParsePrefix("10.0.0.2/32")}}
	peer1Unpriv := peer1Full
	peer1Unpriv.PresharedKey = nil
	iface := Device{ListenPort: 51820, PublicKey: &vIfacePub, PrivateKey: &vIfacePriv}
	ifaceUnpriv := Device{ListenPort: 51820, PublicKey: &vIfacePub}
	with := func(d Device, peers ...Peer) Device { d.Peers = peers; return d }
	type v = struct {
		dev        Device
		privileged bool
	}
	three := with(iface,
		Peer{PublicKey: vPeer1, PresharedKey: &zero, Endpoint: *ep("192.0.2.1:51820", 0),
			LastHandshake: Timespec{1700000100, 5}, RxBytes: 4096, TxBytes: 8192,
			AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.2/32")}},
		Peer{PublicKey: vPeer2, PresharedKey: &vPSK, Endpoint: *ep("[fe80::1]:51821", 2),
			LastHandshake: Timespec{1700000200, 999999999}, PersistentKeepalive: 25,
			RxBytes: 5000000000, TxBytes: 1<<40 + 7,
			AllowedIPs: []netip.Prefix{netip.MustParsePrefix("fd00::3/128"), netip.MustParsePrefix("10.0.0.3/32")}},
		Peer{PublicKey: vPeer3, PresharedKey: &zero,
			AllowedIPs: []netip.Prefix{netip.MustParsePrefix("::/0"), netip.MustParsePrefix("0.0.0.0/0")}},
	)
	three.FwMark = 1234
	return map[string]v{
		"get-new-iface":            {Device{}, true},
		"get-iface-privileged":     {iface, true},
		"get-iface-unprivileged":   {ifaceUnpriv, false},
		"get-1peer-privileged":     {with(iface, peer1Full), true},
		"get-1peer-unprivileged":   {with(ifaceUnpriv, peer1Unpriv), false},
		"get-peer-bare-privileged": {with(iface, Peer{PublicKey: vPeer2, PresharedKey: &zero}), true},
		"get-3peers-privileged":    {three, true},
	}
}

func TestGetVectors(t *testing.T) {
	vectors := getVectors()
	checkVectorCount(t, "get", len(vectors))
	for name, v := range vectors {
		t.Run(name, func(t *testing.T) {
			data := readVector(t, name)
			l, err := nvlist.Unpack(data)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeGet(l)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, &v.dev) {
				t.Fatalf("DecodeGet() =\n%+v\nwant\n%+v", got, &v.dev)
			}
			b := packed(t)(EncodeGet(&v.dev, v.privileged))
			if !bytes.Equal(b, data) {
				t.Fatalf("EncodeGet bytes differ from %s.bin\n got %x\nwant %x", name, b, data)
			}
		})
	}
}

// TestGetUnprivilegedHidesSecrets checks that the unprivileged encoding of
// a state drops exactly the private and preshared keys.
func TestGetUnprivilegedHidesSecrets(t *testing.T) {
	v := getVectors()
	priv, unpriv := v["get-1peer-privileged"].dev, readVector(t, "get-1peer-unprivileged")
	if b := packed(t)(EncodeGet(&priv, false)); !bytes.Equal(b, unpriv) {
		t.Fatalf("unprivileged encoding differs from get-1peer-unprivileged.bin")
	}
}
