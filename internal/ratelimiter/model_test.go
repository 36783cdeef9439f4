// SPDX-License-Identifier: BSD-2-Clause

package ratelimiter

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

// model is the token bucket written as plainly as possible: a map from
// the source's prefix to its bucket.
type model struct {
	buckets map[netip.Prefix]*[2]int64 // tokens, last
	perFam  [2]int
	limit   int
}

func sourcePrefix(a netip.Addr) (netip.Prefix, int) {
	a = a.Unmap()
	if a.Is4() {
		return netip.PrefixFrom(a, 32), 0
	}
	p, _ := a.WithZone("").Prefix(64)
	return p, 1
}

func (m *model) allow(a netip.Addr, now int64) bool {
	p, fam := sourcePrefix(a)
	b := m.buckets[p]
	if b == nil {
		if m.perFam[fam] >= m.limit {
			return false
		}
		m.buckets[p] = &[2]int64{tokenMax - initiationCost, now}
		m.perFam[fam]++
		return true
	}
	b[0] = min(b[0]+now-b[1], tokenMax)
	b[1] = now
	if b[0] < initiationCost {
		return false
	}
	b[0] -= initiationCost
	return true
}

func (m *model) gc(now int64) int {
	for p, b := range m.buckets {
		if now-b[1] > int64(ElementTimeout) {
			delete(m.buckets, p)
			_, fam := sourcePrefix(p.Addr())
			m.perFam[fam]--
		}
	}
	return len(m.buckets)
}

// fuzzAddr maps two bytes to a source: IPv4 addresses, IPv6 addresses
// that often share a /64, and IPv4-mapped forms of the IPv4 ones.
func fuzzAddr(x, y byte) netip.Addr {
	switch x % 3 {
	case 0:
		return netip.AddrFrom4([4]byte{192, 0, 2, y % 16})
	case 1:
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 7: y % 4, 15: y / 4 % 4})
	default:
		return netip.AddrFrom16([16]byte{10: 0xff, 11: 0xff, 12: 192, 14: 2, 15: y % 16})
	}
}

// FuzzLimiter drives a Limiter capped at 8 sources per family and the
// model with the same messages, clock steps and collections, three bytes
// per step.
func FuzzLimiter(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1})
	f.Add([]byte{0, 1, 2, 2, 5, 0, 1, 4, 4, 3, 0, 0, 2, 255, 255, 3, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &fakeClock{t: time.Unix(1000, 0)}
		l := New(Config{Now: c.now, MaxEntries: 8})
		m := model{buckets: map[netip.Prefix]*[2]int64{}, limit: 8}
		var now int64
		for ; len(data) >= 3; data = data[3:] {
			switch data[0] % 4 {
			case 0, 1:
				a := fuzzAddr(data[1], data[2])
				if got, want := l.Allow(a), m.allow(a, now); got != want {
					t.Fatalf("Allow(%v) at %v = %v, want %v", a, time.Duration(now), got, want)
				}
			case 2:
				d := time.Duration(binary.LittleEndian.Uint16(data[1:])) * time.Millisecond / 8
				c.advance(d)
				now += int64(d)
			default:
				if got, want := l.GC(), m.gc(now); got != want {
					t.Fatalf("GC at %v = %d, want %d", time.Duration(now), got, want)
				}
			}
			if l.Len() != len(m.buckets) {
				t.Fatalf("Len = %d, want %d", l.Len(), len(m.buckets))
			}
		}
	})
}
