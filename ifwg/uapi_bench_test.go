// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/wgbsd/wgbsd/nvlist"
)

// benchDevice is a device of n peers shaped like a busy server's.
func benchDevice(n int) *Device {
	d := &Device{PrivateKey: &vIfacePriv, ListenPort: 51820}
	d.Peers = make([]Peer, n)
	for i := range d.Peers {
		p := &d.Peers[i]
		p.PublicKey = Key{byte(i), byte(i >> 8), 7, 31: 1}
		p.PresharedKey = &Key{byte(i), 1}
		p.Endpoint = Endpoint{Addr: netip.AddrFrom4([4]byte{192, 0, byte(i >> 8), byte(i)}), Port: 51820}
		p.LastHandshake = Timespec{Sec: 1700000000 + int64(i), Nsec: int64(i)}
		p.RxBytes, p.TxBytes = uint64(i)*1000, uint64(i)*3000
		p.PersistentKeepalive = 25
		p.AllowedIPs = []netip.Prefix{
			netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 32),
			netip.PrefixFrom(netip.AddrFrom16([16]byte{0xfd, 15: byte(i)}), 128),
		}
	}
	return d
}

func BenchmarkParseUAPIGetReply(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		reply := MarshalUAPIGetReply(benchDevice(n))
		b.Run(itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(reply)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseUAPIGetReply(bytes.NewReader(reply)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func itoa(n int) string {
	switch n {
	case 1:
		return "1peer"
	case 100:
		return "100peers"
	}
	return "10000peers"
}

// BenchmarkNVListGet measures the steps of a GET over the nvlist protocol
// for 10,000 peers: the reference encoding (EncodeGet and Pack; wgd uses
// AppendGet, BenchmarkAppendGet), and the client's UnpackOwned and
// DecodeGet.
func BenchmarkNVListGet(b *testing.B) {
	d := benchDevice(10000)
	d.PublicKey = Ptr(d.PrivateKey.PublicKey())
	l, err := EncodeGet(d, true)
	if err != nil {
		b.Fatal(err)
	}
	packed, err := l.Pack()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("EncodeGet", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			EncodeGet(d, true)
		}
	})
	b.Run("Pack", func(b *testing.B) {
		b.SetBytes(int64(len(packed)))
		b.ReportAllocs()
		for b.Loop() {
			l.Pack()
		}
	})
	b.Run("UnpackOwned", func(b *testing.B) {
		b.SetBytes(int64(len(packed)))
		b.ReportAllocs()
		for b.Loop() {
			nvlist.UnpackOwned(packed)
		}
	})
	u, _ := nvlist.Unpack(packed)
	b.Run("DecodeGet", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			DecodeGet(u)
		}
	})
}
