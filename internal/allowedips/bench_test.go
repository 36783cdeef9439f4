// SPDX-License-Identifier: BSD-2-Clause

package allowedips

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
)

// randomPrefixes returns n distinct random prefixes: IPv4 of length 16–32
// or IPv6 of length 32–128, one peer per prefix.
func randomPrefixes(rng *rand.Rand, n int, v6 bool) []netip.Prefix {
	seen := make(map[netip.Prefix]bool, n)
	out := make([]netip.Prefix, 0, n)
	for len(out) < n {
		var p netip.Prefix
		if v6 {
			var b [16]byte
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			p = netip.PrefixFrom(netip.AddrFrom16(b), 32+rng.IntN(97)).Masked()
		} else {
			var b [4]byte
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			p = netip.PrefixFrom(netip.AddrFrom4(b), 16+rng.IntN(17)).Masked()
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// addrsWithin returns m addresses, each inside a random one of prefixes.
func addrsWithin(rng *rand.Rand, prefixes []netip.Prefix, m int) []netip.Addr {
	out := make([]netip.Addr, m)
	for i := range out {
		p := prefixes[rng.IntN(len(prefixes))]
		b := p.Addr().AsSlice()
		for bit := p.Bits(); bit < len(b)*8; bit++ {
			if rng.IntN(2) == 1 {
				b[bit/8] |= 0x80 >> (bit % 8)
			}
		}
		out[i], _ = netip.AddrFromSlice(b)
	}
	return out
}

func buildTable(prefixes []netip.Prefix) *Table[int] {
	tb := new(Table[int])
	for i, p := range prefixes {
		if err := tb.Insert(p, i); err != nil {
			panic(err)
		}
	}
	return tb
}

func BenchmarkLookup(b *testing.B) {
	for _, v6 := range []bool{false, true} {
		for _, n := range []int{10_000, 100_000} {
			name := fmt.Sprintf("v4/%d", n)
			if v6 {
				name = fmt.Sprintf("v6/%d", n)
			}
			b.Run(name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(uint64(n), 1))
				prefixes := randomPrefixes(rng, n, v6)
				tb := buildTable(prefixes)
				addrs := addrsWithin(rng, prefixes, 1<<16)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					if _, ok := tb.Lookup(addrs[i&(1<<16-1)]); !ok {
						b.Fatal("miss")
					}
				}
			})
		}
	}
}

func BenchmarkLookupParallel(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	prefixes := randomPrefixes(rng, 10_000, false)
	tb := buildTable(prefixes)
	addrs := addrsWithin(rng, prefixes, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(1 << 16)
		for pb.Next() {
			tb.Lookup(addrs[i&(1<<16-1)])
			i++
		}
	})
}

// BenchmarkInsert measures Insert into a table that already holds the
// given number of prefixes; each operation adds a prefix and the next
// one removes it again, so the size stays put.
func BenchmarkInsert(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("v4/%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(uint64(n), 2))
			prefixes := randomPrefixes(rng, n+4096, false)
			tb := buildTable(prefixes[:n])
			extra := prefixes[n:]
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				p := extra[(i/2)%len(extra)]
				if i%2 == 0 {
					_ = tb.Insert(p, -1)
				} else {
					tb.Remove(p, -1)
				}
			}
		})
	}
}

// BenchmarkRemoveByPeer removes, and re-adds outside the timer, a peer
// holding 1,000 of 100,000 prefixes.
func BenchmarkRemoveByPeer(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	prefixes := randomPrefixes(rng, 100_000, false)
	tb := buildTable(prefixes[1000:])
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for _, p := range prefixes[:1000] {
			_ = tb.Insert(p, -1)
		}
		b.StartTimer()
		if tb.RemoveByPeer(-1) != 1000 {
			b.Fatal("wrong count")
		}
	}
}

// BenchmarkMemory reports the heap bytes a table holds per prefix.
func BenchmarkMemory(b *testing.B) {
	for _, v6 := range []bool{false, true} {
		name := "v4"
		if v6 {
			name = "v6"
		}
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(9, 9))
			prefixes := randomPrefixes(rng, 100_000, v6)
			var perEntry float64
			for b.Loop() {
				perEntry = bytesPerEntry(func() any { return buildTable(prefixes) }, len(prefixes))
			}
			b.ReportMetric(perEntry, "B/entry")
		})
	}
}

// bytesPerEntry returns the live heap growth caused by build, divided by
// n, after garbage collection.
func bytesPerEntry(build func() any, n int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

// TestMemoryPerEntry keeps the per-prefix cost of the table in check: one
// leaf node (64 bytes), one entry (48 bytes), at most one branch node and
// the per-peer list map.
func TestMemoryPerEntry(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 50,000-prefix table")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	prefixes := randomPrefixes(rng, 50_000, false)
	got := bytesPerEntry(func() any { return buildTable(prefixes) }, len(prefixes))
	t.Logf("%.0f bytes per entry, one peer per entry", got)
	if got > 320 {
		t.Fatalf("%.0f bytes per entry, want at most 320", got)
	}
	shared := bytesPerEntry(func() any {
		tb := new(Table[int])
		for i, p := range prefixes {
			_ = tb.Insert(p, i%10)
		}
		return tb
	}, len(prefixes))
	t.Logf("%.0f bytes per entry, ten peers", shared)
	if shared > 200 {
		t.Fatalf("%.0f bytes per entry with ten peers, want at most 200", shared)
	}
}
