// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"net/netip"
	"os/exec"
	"testing"

	"github.com/wgbsd/wgbsd/ifwg"
)

// BenchmarkShowDump10k runs `wg show <if> dump` on one wgd holding 10,000
// peers: Debian's wg, which speaks UAPI to it, and ours, which speaks the
// nvlist protocol. The daemon runs in a network namespace of its own and
// sends nothing (its peers have no traffic to answer).
func BenchmarkShowDump10k(b *testing.B) { benchmarkShowDump(b, 10000) }

// BenchmarkShowDump100k is BenchmarkShowDump10k with 100,000 peers; the
// two side by side show whether a dump stays linear in the peers. Loading
// the peers takes a minute or more on a busy machine.
func BenchmarkShowDump100k(b *testing.B) { benchmarkShowDump(b, 100000) }

// benchmarkShowDump configures one wgd with peers peers, each with a
// preshared key, an IPv4 endpoint and two allowed IPs, and times reading
// them: in process through ifwg (read-*, without printing) and by each wg
// as a process.
func benchmarkShowDump(b *testing.B, peers int) {
	tl := requireTools(b)
	s := newTopology(b, tl).a
	startTestDaemon(b, tl, s, nil, tl.wgd, "-f", s.iface)
	name := s.iface
	priv, err := ifwg.GeneratePrivateKey()
	if err != nil {
		b.Fatal(err)
	}
	cfg := &ifwg.Config{PrivateKey: &priv, ListenPort: ifwg.Ptr[uint16](0), ReplacePeers: true}
	for i := range peers {
		psk := ifwg.Key{byte(i), byte(i >> 8), byte(i >> 16), 1}
		ep := ifwg.Endpoint{Addr: netip.AddrFrom4([4]byte{192, byte(i >> 16), byte(i >> 8), byte(i)}), Port: 51820}
		cfg.Peers = append(cfg.Peers, ifwg.PeerConfig{
			PublicKey:           ifwg.Key{byte(i), byte(i >> 8), byte(i >> 16), 2, 31: 7},
			PresharedKey:        &psk,
			Endpoint:            &ep,
			PersistentKeepalive: ifwg.Ptr[uint16](0),
			AllowedIPs: []ifwg.AllowedIP{
				{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)},
				{Prefix: netip.PrefixFrom(netip.AddrFrom16([16]byte{0xfd, 1: 9, 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)}), 128)},
			},
		})
	}
	if err := (&ifwg.SocketBackend{}).ConfigureDevice(name, cfg); err != nil {
		b.Fatalf("configuring %d peers: %v", peers, err)
	}
	cfg = nil
	for _, in := range []struct {
		name string
		b    ifwg.Backend
	}{{"read-nvlist", &ifwg.SocketBackend{}}, {"read-uapi", &ifwg.UAPIBackend{}}} {
		b.Run(in.name, func(b *testing.B) {
			for b.Loop() {
				if d, err := in.b.Device(name); err != nil || len(d.Peers) != peers {
					b.Fatalf("%s: %v", in.name, err)
				}
			}
		})
	}
	for _, impl := range []struct{ name, bin string }{
		{"debian-uapi", tl.stockWG},
		{"ours-nvlist", tl.wg},
	} {
		b.Run(impl.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				out, err := exec.Command(impl.bin, "show", name, "dump").Output()
				if err != nil {
					b.Fatalf("%s show dump: %v", impl.name, err)
				}
				size = len(out)
			}
			if size < peers*100 {
				b.Fatalf("dump of %d bytes for %d peers", size, peers)
			}
			b.ReportMetric(float64(size), "dump-bytes")
		})
	}
}
