// SPDX-License-Identifier: BSD-2-Clause

package ratelimiter

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manual clock. It is not safe for concurrent advancing.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTest(maxEntries int) (*Limiter, *fakeClock) {
	c := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return New(Config{Now: c.now, MaxEntries: maxEntries}), c
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// allowN calls Allow n times and returns how many were allowed.
func allowN(l *Limiter, a netip.Addr, n int) int {
	ok := 0
	for range n {
		if l.Allow(a) {
			ok++
		}
	}
	return ok
}

func TestFigures(t *testing.T) {
	if initiationCost != int64(50*time.Millisecond) || tokenMax != int64(250*time.Millisecond) {
		t.Fatalf("cost %d, max %d", initiationCost, tokenMax)
	}
	if DefaultMaxEntries != 65536 {
		t.Fatalf("DefaultMaxEntries = %d", DefaultMaxEntries)
	}
}

func TestBurstThenRefusal(t *testing.T) {
	l, _ := newTest(0)
	a := addr("192.0.2.1")
	for i := range InitiationsBurstable {
		if !l.Allow(a) {
			t.Fatalf("message %d of the burst refused", i+1)
		}
	}
	if n := allowN(l, a, 100); n != 0 {
		t.Fatalf("%d messages allowed after the burst with no time passing", n)
	}
}

func TestRefill(t *testing.T) {
	l, c := newTest(0)
	a := addr("2001:db8::1")
	allowN(l, a, InitiationsBurstable)
	c.advance(49 * time.Millisecond)
	if l.Allow(a) {
		t.Fatal("allowed after 49 ms")
	}
	// The refused message kept its 49 ms of credit.
	c.advance(time.Millisecond)
	if !l.Allow(a) {
		t.Fatal("refused after 50 ms")
	}
	if l.Allow(a) {
		t.Fatal("allowed twice for one refill")
	}
	// A long silence refills only up to the burst.
	c.advance(time.Hour)
	if n := allowN(l, a, 20); n != InitiationsBurstable {
		t.Fatalf("%d allowed after an hour, want %d", n, InitiationsBurstable)
	}
}

func TestSustainedRate(t *testing.T) {
	// One message every 10 ms for one second: the burst of 5 plus one
	// message per 50 ms from t = 50 ms to t = 950 ms.
	l, c := newTest(0)
	a := addr("198.51.100.7")
	allowed := 0
	for range 100 {
		if l.Allow(a) {
			allowed++
		}
		c.advance(10 * time.Millisecond)
	}
	if allowed != 24 {
		t.Fatalf("%d allowed in one second at 100/s, want 24", allowed)
	}
}

func TestIPv6SharesSlash64(t *testing.T) {
	l, _ := newTest(0)
	allowN(l, addr("2001:db8:1:2::1"), InitiationsBurstable)
	for _, s := range []string{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::%em0"} {
		if l.Allow(addr(s)) {
			t.Errorf("%s allowed although its /64 is exhausted", s)
		}
	}
	if !l.Allow(addr("2001:db8:1:3::1")) {
		t.Error("a different /64 was refused")
	}
	if l.Len() != 2 {
		t.Errorf("Len = %d, want 2", l.Len())
	}
}

func TestIPv4IsSlash32(t *testing.T) {
	l, _ := newTest(0)
	allowN(l, addr("192.0.2.1"), InitiationsBurstable)
	if l.Allow(addr("192.0.2.1")) {
		t.Fatal("exhausted source allowed")
	}
	if l.Allow(addr("::ffff:192.0.2.1")) {
		t.Fatal("the IPv4-mapped form of an exhausted source was allowed")
	}
	if !l.Allow(addr("192.0.2.2")) {
		t.Fatal("a neighbouring /32 was refused")
	}
	// IPv4 and IPv6 sources with the same leading bytes are distinct.
	if !l.Allow(addr("c000:201::")) {
		t.Fatal("an IPv6 source sharing an IPv4 source's bytes was refused")
	}
}

func TestInvalidAddressRefused(t *testing.T) {
	l, _ := newTest(0)
	if l.Allow(netip.Addr{}) {
		t.Fatal("zero Addr allowed")
	}
	if l.Len() != 0 {
		t.Fatal("zero Addr was tracked")
	}
}

func TestEntryCap(t *testing.T) {
	l, c := newTest(3)
	for i := range 3 {
		if !l.Allow(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})) {
			t.Fatalf("source %d refused below the cap", i)
		}
	}
	if l.Allow(addr("10.0.0.3")) {
		t.Fatal("new source allowed while the table is full")
	}
	if !l.Allow(addr("10.0.0.1")) {
		t.Fatal("known source refused while the table is full")
	}
	if !l.Allow(addr("2001:db8::1")) {
		t.Fatal("the IPv6 table is capped by the IPv4 table's entries")
	}
	if l.Len() != 4 {
		t.Fatalf("Len = %d, want 4", l.Len())
	}
	c.advance(2 * time.Second)
	if left := l.GC(); left != 0 {
		t.Fatalf("GC left %d", left)
	}
	if !l.Allow(addr("10.0.0.3")) {
		t.Fatal("new source refused after GC made room")
	}
}

func TestGC(t *testing.T) {
	l, c := newTest(0)
	l.Allow(addr("192.0.2.1"))
	l.Allow(addr("2001:db8::1"))
	c.advance(500 * time.Millisecond)
	l.Allow(addr("192.0.2.2"))
	c.advance(500 * time.Millisecond)
	// Idle for exactly ElementTimeout is not yet idle for longer.
	if left := l.GC(); left != 3 {
		t.Fatalf("GC at 1 s left %d, want 3", left)
	}
	c.advance(time.Nanosecond)
	if left := l.GC(); left != 1 {
		t.Fatalf("GC after 1 s left %d, want 1", left)
	}
	// A refused message is activity too: a flooding source stays known.
	allowN(l, addr("192.0.2.2"), 10)
	c.advance(900 * time.Millisecond)
	if l.Allow(addr("192.0.2.2")) != true {
		t.Fatal("source not refilled after 900 ms")
	}
	c.advance(600 * time.Millisecond)
	if left := l.GC(); left != 1 {
		t.Fatalf("GC removed an active source (left %d)", left)
	}
	c.advance(ElementTimeout)
	if left := l.GC(); left != 0 || l.Len() != 0 {
		t.Fatalf("GC left %d", left)
	}
	// A forgotten source starts afresh with a full burst.
	if n := allowN(l, addr("192.0.2.2"), 10); n != InitiationsBurstable {
		t.Fatalf("%d allowed after GC, want %d", n, InitiationsBurstable)
	}
}

func TestReset(t *testing.T) {
	l, _ := newTest(0)
	allowN(l, addr("192.0.2.1"), 10)
	allowN(l, addr("2001:db8::1"), 10)
	l.Reset()
	if l.Len() != 0 {
		t.Fatalf("Len = %d after Reset", l.Len())
	}
	if !l.Allow(addr("192.0.2.1")) {
		t.Fatal("refused after Reset")
	}
}

func TestManySourcesShareChains(t *testing.T) {
	// 20,000 sources in 8,192 chains: every source keeps its own bucket.
	l, _ := newTest(0)
	const n = 20000
	src := func(i int) netip.Addr {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(0x0a000000+i))
		return netip.AddrFrom4(b)
	}
	for i := range n {
		if got := allowN(l, src(i), InitiationsBurstable); got != InitiationsBurstable {
			t.Fatalf("source %d: %d of its burst allowed", i, got)
		}
	}
	for i := range n {
		if l.Allow(src(i)) {
			t.Fatalf("source %d allowed beyond its burst", i)
		}
	}
	if l.Len() != n {
		t.Fatalf("Len = %d, want %d", l.Len(), n)
	}
}

func TestKeysDifferPerLimiter(t *testing.T) {
	a, _ := newTest(0)
	b, _ := newTest(0)
	if a.tables[0].k0 == b.tables[0].k0 && a.tables[0].k1 == b.tables[0].k1 {
		t.Fatal("two limiters share a hash key")
	}
	if a.tables[0].k0 == a.tables[1].k0 && a.tables[0].k1 == a.tables[1].k1 {
		t.Fatal("both families share a hash key")
	}
}

func TestIdleLimiterHoldsNoTable(t *testing.T) {
	l, c := newTest(0)
	l.Allow(addr("192.0.2.1"))
	if l.tables[0].buckets == nil {
		t.Fatal("no chains after the first source")
	}
	if l.tables[1].buckets != nil {
		t.Fatal("IPv6 chains allocated without an IPv6 source")
	}
	c.advance(2 * time.Second)
	l.GC()
	if l.tables[0].buckets != nil {
		t.Fatal("chains kept after GC emptied the table")
	}
}

func TestConcurrentAllow(t *testing.T) {
	l, _ := newTest(0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := allowN(l, addr("192.0.2.9"), 50)
			allowN(l, addr("2001:db8::9"), 10)
			mu.Lock()
			allowed += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if allowed != InitiationsBurstable {
		t.Fatalf("%d allowed across goroutines with a frozen clock, want %d", allowed, InitiationsBurstable)
	}
}

func TestAllowKnownSourceDoesNotAllocate(t *testing.T) {
	l, c := newTest(0)
	a := addr("2001:db8::1")
	l.Allow(a)
	allocs := testing.AllocsPerRun(1000, func() {
		c.advance(time.Millisecond)
		l.Allow(a)
	})
	if allocs != 0 {
		t.Fatalf("Allow allocated %v times per call", allocs)
	}
}

func TestDefaultClock(t *testing.T) {
	l := New(Config{})
	if !l.Allow(addr("192.0.2.1")) {
		t.Fatal("first message refused with the system clock")
	}
	if l.GC() != 1 {
		t.Fatal("fresh source collected at once")
	}
}

func TestGCUnlinksWithinChains(t *testing.T) {
	// 20,000 sources fill most chains with several entries; silencing
	// every other one and collecting must keep exactly the active half,
	// with their state.
	l, c := newTest(0)
	src := func(i int) netip.Addr {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:], 0x20010db800000000+uint64(i))
		return netip.AddrFrom16(b)
	}
	const n = 20000
	for i := range n {
		allowN(l, src(i), InitiationsBurstable)
	}
	c.advance(800 * time.Millisecond)
	for i := 0; i < n; i += 2 {
		allowN(l, src(i), 10) // spends the refilled burst
	}
	c.advance(201 * time.Millisecond)
	if left := l.GC(); left != n/2 {
		t.Fatalf("GC left %d, want %d", left, n/2)
	}
	for i := range n {
		want := 5 // forgotten: a fresh burst
		if i%2 == 0 {
			want = 4 // kept: 201 ms of credit
		}
		if got := allowN(l, src(i), 10); got != want {
			t.Fatalf("source %d: %d allowed, want %d", i, got, want)
		}
	}
}
