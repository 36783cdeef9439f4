// SPDX-License-Identifier: BSD-2-Clause

package ratelimiter

import (
	"encoding/binary"
	"net/netip"
	"runtime"
	"testing"
	"time"
)

func BenchmarkAllowKnownSource(b *testing.B) {
	l, c := newTest(0)
	a := addr("2001:db8::1")
	l.Allow(a)
	b.ReportAllocs()
	for b.Loop() {
		c.advance(time.Millisecond)
		l.Allow(a)
	}
}

// BenchmarkAllowManySources spreads messages over 50,000 IPv4 sources.
func BenchmarkAllowManySources(b *testing.B) {
	l, c := newTest(0)
	srcs := make([]netip.Addr, 50000)
	for i := range srcs {
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], uint32(i)*2654435761)
		srcs[i] = netip.AddrFrom4(a)
		l.Allow(srcs[i])
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.advance(time.Microsecond)
		l.Allow(srcs[i%len(srcs)])
	}
}

func BenchmarkAllowSystemClock(b *testing.B) {
	l := New(Config{})
	a := addr("192.0.2.1")
	b.ReportAllocs()
	for b.Loop() {
		l.Allow(a)
	}
}

// BenchmarkGCFull collects a full IPv4 table (65,536 sources) in which
// nothing has expired.
func BenchmarkGCFull(b *testing.B) {
	l := fullTable()
	b.ReportAllocs()
	for b.Loop() {
		if l.GC() != DefaultMaxEntries {
			b.Fatal("lost entries")
		}
	}
}

func BenchmarkGCEmpty(b *testing.B) {
	l, _ := newTest(0)
	b.ReportAllocs()
	for b.Loop() {
		l.GC()
	}
}

// BenchmarkMemoryFull reports the heap held by a Limiter with a full
// IPv4 table, per source.
func BenchmarkMemoryFull(b *testing.B) {
	var perEntry float64
	for b.Loop() {
		before := liveHeap()
		l := fullTable()
		perEntry = float64(liveHeap()-before) / DefaultMaxEntries
		runtime.KeepAlive(l)
	}
	b.ReportMetric(perEntry, "B/source")
}

// fullTable returns a Limiter whose IPv4 table holds DefaultMaxEntries
// sources, none of them expired.
func fullTable() *Limiter {
	l, _ := newTest(0)
	for i := range DefaultMaxEntries {
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], uint32(i))
		l.Allow(netip.AddrFrom4(a))
	}
	return l
}

// liveHeap returns the bytes of heap in use after a collection.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
