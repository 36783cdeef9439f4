// SPDX-License-Identifier: BSD-2-Clause

package nvlist

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"
)

// getReply builds an if_wg GET reply for a privileged caller, shaped as
// the kernel builds it: interface keys, then per peer public-key,
// preshared-key, endpoint (IPv4 and IPv6 alternately), last-handshake-time,
// persistent-keepalive-interval, rx-bytes, tx-bytes and two allowed IPs.
func getReply(peers int) *List {
	l := New()
	l.AddNumber("listen-port", 51820)
	l.AddBinary("public-key", fill(32, 0xaa))
	l.AddBinary("private-key", fill(32, 0xbb))
	ps := make([]*List, peers)
	for i := range ps {
		key := make([]byte, 32)
		binary.LittleEndian.PutUint64(key, uint64(i))
		p := New()
		p.AddBinary("public-key", key)
		p.AddBinary("preshared-key", fill(32, 0x11))
		if i%2 == 0 {
			p.AddBinary("endpoint", []byte{16, 2, 0xca, 0x6c, 192, 0, 2, byte(i), 0, 0, 0, 0, 0, 0, 0, 0})
		} else {
			p.AddBinary("endpoint", append([]byte{28, 28, 0xca, 0x6c, 0, 0, 0, 0, 0x20, 1, 0xd, 0xb8}, make([]byte, 16)...))
		}
		p.AddBinary("last-handshake-time", make([]byte, 16))
		p.AddNumber("persistent-keepalive-interval", 25)
		p.AddNumber("rx-bytes", uint64(i)*1000)
		p.AddNumber("tx-bytes", uint64(i)*2000)
		v4, v6 := New(), New()
		v4.AddBinary("ipv4", []byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		v4.AddNumber("cidr", 32)
		v6.AddBinary("ipv6", append([]byte{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, byte(i>>24), byte(i>>16), byte(i>>8), byte(i)))
		v6.AddNumber("cidr", 128)
		p.AddNVListArray("allowed-ips", []*List{v4, v6})
		ps[i] = p
	}
	l.AddNVListArray("peers", ps)
	return l
}

var benchPeers = []int{1, 100, 10000}

func BenchmarkPack(b *testing.B) {
	for _, n := range benchPeers {
		l := getReply(n)
		size, err := l.PackedSize()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Pack(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnpack(b *testing.B) {
	for _, n := range benchPeers {
		data, err := getReply(n).Pack()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				if _, err := Unpack(data); err != nil {
					b.Fatal(err)
				}
			}
			runtime.ReadMemStats(&after)
			perOp := float64(after.TotalAlloc-before.TotalAlloc) / float64(b.N)
			b.ReportMetric(perOp/float64(len(data)), "alloc/input")
		})
	}
}
