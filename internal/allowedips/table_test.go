// SPDX-License-Identifier: BSD-2-Clause

package allowedips

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func mustInsert(t *testing.T, tb *Table[string], prefix, peer string) {
	t.Helper()
	if err := tb.Insert(pfx(prefix), peer); err != nil {
		t.Fatalf("Insert(%s, %s): %v", prefix, peer, err)
	}
}

func wantLookup(t *testing.T, tb *Table[string], a, want string) {
	t.Helper()
	got, ok := tb.Lookup(addr(a))
	if want == "" {
		if ok {
			t.Errorf("Lookup(%s) = %q, want no match", a, got)
		}
		return
	}
	if !ok || got != want {
		t.Errorf("Lookup(%s) = %q, %v, want %q", a, got, ok, want)
	}
}

// insertAll inserts, in order, each "prefix peer" pair.
func insertAll(t *testing.T, tb *Table[string], pairs ...string) {
	t.Helper()
	for _, p := range pairs {
		prefix, peer, _ := strings.Cut(p, " ")
		mustInsert(t, tb, prefix, peer)
	}
}

// wantLookups checks each "address peer" pair with wantLookup; an address
// alone must match nothing.
func wantLookups(t *testing.T, tb *Table[string], pairs ...string) {
	t.Helper()
	for _, p := range pairs {
		a, peer, _ := strings.Cut(p, " ")
		wantLookup(t, tb, a, peer)
	}
}

func wantEntries(t *testing.T, tb *Table[string], peer string, want ...string) {
	t.Helper()
	var w []netip.Prefix
	for _, s := range want {
		w = append(w, pfx(s))
	}
	if got := tb.EntriesForPeer(peer); !slices.Equal(got, w) {
		t.Errorf("EntriesForPeer(%s) = %v, want %v", peer, got, w)
	}
}

func TestEmpty(t *testing.T) {
	var tb Table[string]
	wantLookups(t, &tb, "10.0.0.1", "::1")
	wantEntries(t, &tb, "a")
	if tb.Len() != 0 || tb.RemoveByPeer("a") != 0 || tb.Remove(pfx("10.0.0.0/8"), "a") {
		t.Fatal("empty table is not empty")
	}
}

func TestLongestPrefixMatchIPv4(t *testing.T) {
	var tb Table[string]
	insertAll(t, &tb, "0.0.0.0/0 default", "10.0.0.0/8 ten", "10.1.0.0/16 ten-one",
		"10.1.2.3/32 host", "10.1.2.0/24 ten-one-two", "192.168.1.0/24 lan", "192.168.1.128/25 lan-high",
		"128.0.0.0/1 upper-half")
	wantLookups(t, &tb, "1.2.3.4 default", "10.200.0.1 ten", "10.1.255.255 ten-one", "10.1.2.3 host",
		"10.1.2.4 ten-one-two", "10.1.2.2 ten-one-two", "192.168.1.127 lan", "192.168.1.128 lan-high",
		"192.168.2.1 upper-half", "255.255.255.255 upper-half", "0.0.0.0 default")
	if tb.Len() != 8 {
		t.Errorf("Len = %d, want 8", tb.Len())
	}
}

func TestLongestPrefixMatchIPv6(t *testing.T) {
	var tb Table[string]
	insertAll(t, &tb, "2001:db8::/32 doc", "2001:db8:1::/48 site", "2001:db8:1:2::/64 subnet",
		"2001:db8:1:2::7/128 host", "2001:db8:1:2:8000::/65 upper", "2001:db8:1:2::6/127 pair")
	wantLookups(t, &tb, "2001:db9::1", "2001:db8:ffff::1 doc", "2001:db8:1:ffff::1 site",
		"2001:db8:1:2::1 subnet", "2001:db8:1:2::7 host", "2001:db8:1:2::6 pair",
		"2001:db8:1:2::8 subnet", "2001:db8:1:2:8000::1 upper")
	mustInsert(t, &tb, "::/0", "default")
	wantLookups(t, &tb, "2001:db9::1 default", ":: default")
}

func TestFamiliesAreSeparate(t *testing.T) {
	var tb Table[string]
	insertAll(t, &tb, "0.0.0.0/0 v4-default", "10.0.0.0/8 ten")
	wantLookups(t, &tb, "::1", "::ffff:10.1.1.1", "::a01:101")
	mustInsert(t, &tb, "::ffff:0:0/96", "mapped")
	wantLookups(t, &tb, "::ffff:10.1.1.1 mapped", "10.1.1.1 ten")
	mustInsert(t, &tb, "::/0", "v6-default")
	wantLookups(t, &tb, "2001:db8::1 v6-default", "192.0.2.1 v4-default")
	// The same bits in the other family are a different prefix.
	mustInsert(t, &tb, "::/8", "v6-zero8")
	wantEntries(t, &tb, "ten", "10.0.0.0/8")
	wantLookup(t, &tb, "0.1.2.3", "v4-default")
}

func TestZoneIgnored(t *testing.T) {
	var tb Table[string]
	mustInsert(t, &tb, "fe80::/64", "link")
	wantLookup(t, &tb, "fe80::1%em0", "link")
}

func TestInvalid(t *testing.T) {
	var tb Table[string]
	err := tb.Insert(netip.Prefix{}, "a")
	if !errors.Is(err, ErrInvalidPrefix) {
		t.Fatalf("Insert(zero prefix) = %v, want ErrInvalidPrefix", err)
	}
	bad := netip.PrefixFrom(addr("10.0.0.0"), 33)
	if err := tb.Insert(bad, "a"); !errors.Is(err, ErrInvalidPrefix) {
		t.Fatalf("Insert(/33) = %v, want ErrInvalidPrefix", err)
	}
	if tb.Remove(netip.Prefix{}, "a") {
		t.Fatal("Remove(zero prefix) = true")
	}
	if _, ok := tb.Lookup(netip.Addr{}); ok {
		t.Fatal("Lookup(zero Addr) matched")
	}
	if tb.Len() != 0 {
		t.Fatalf("Len = %d after invalid inserts", tb.Len())
	}
}

func TestInsertMasksHostBits(t *testing.T) {
	var tb Table[string]
	insertAll(t, &tb, "10.1.2.3/8 a", "2001:db8::1/32 a")
	wantEntries(t, &tb, "a", "2001:db8::/32", "10.0.0.0/8")
	wantLookup(t, &tb, "10.200.0.1", "a")
	mustInsert(t, &tb, "10.9.9.9/8", "a")
	if tb.Len() != 2 {
		t.Fatalf("Len = %d, want 2 (same masked prefix twice)", tb.Len())
	}
	if !tb.Remove(pfx("10.255.0.0/8"), "a") {
		t.Fatal("Remove with host bits set did not find the masked prefix")
	}
	wantEntries(t, &tb, "a", "2001:db8::/32")
}

func TestNewestFirst(t *testing.T) {
	var tb Table[string]
	insertAll(t, &tb, "10.0.0.1/32 a", "fd00::1/128 a", "10.0.0.0/24 a", "10.0.0.2/32 b")
	wantEntries(t, &tb, "a", "10.0.0.0/24", "fd00::1/128", "10.0.0.1/32")
	wantEntries(t, &tb, "b", "10.0.0.2/32")
}

func TestReinsertOwnPrefixChangesNothing(t *testing.T) {
	var tb Table[string]
	insertAll(t, &tb, "10.0.0.1/32 a", "10.0.0.2/32 a", "10.0.0.3/32 a", "10.0.0.1/32 a",
		"10.0.0.1/32 a")
	wantEntries(t, &tb, "a", "10.0.0.3/32", "10.0.0.2/32", "10.0.0.1/32")
	if tb.Len() != 3 {
		t.Fatalf("Len = %d, want 3", tb.Len())
	}
}

func TestMoveToAnotherPeer(t *testing.T) {
	var tb Table[string]
	insertAll(t, &tb, "10.0.0.0/8 a", "10.1.0.0/16 a", "10.2.0.0/16 a", "192.168.0.0/16 b",
		"10.1.0.0/16 b")
	wantLookups(t, &tb, "10.1.0.1 b", "10.3.0.1 a")
	wantEntries(t, &tb, "a", "10.2.0.0/16", "10.0.0.0/8")
	wantEntries(t, &tb, "b", "10.1.0.0/16", "192.168.0.0/16")
	if tb.Len() != 4 {
		t.Fatalf("Len = %d, want 4 (a move adds nothing)", tb.Len())
	}
	// Moving back puts it at the head of a's list, not where it was.
	mustInsert(t, &tb, "10.1.0.0/16", "a")
	wantEntries(t, &tb, "a", "10.1.0.0/16", "10.2.0.0/16", "10.0.0.0/8")
	wantEntries(t, &tb, "b", "192.168.0.0/16")
	// Moving the only entry of a peer empties its list.
	mustInsert(t, &tb, "192.168.0.0/16", "a")
	wantEntries(t, &tb, "b")
	if tb.RemoveByPeer("b") != 0 {
		t.Fatal("RemoveByPeer found entries for a peer that has none")
	}
}

func TestRemoveOnlyIfOwned(t *testing.T) {
	var tb Table[string]
	insertAll(t, &tb, "10.0.0.0/8 a", "10.1.0.0/16 b")
	if tb.Remove(pfx("10.1.0.0/16"), "a") {
		t.Fatal("Remove of b's prefix for a succeeded")
	}
	if tb.Remove(pfx("10.2.0.0/16"), "a") {
		t.Fatal("Remove of a missing prefix succeeded")
	}
	if tb.Remove(pfx("10.0.0.0/9"), "a") {
		t.Fatal("Remove of a prefix that is only a trie branch succeeded")
	}
	wantLookup(t, &tb, "10.1.0.1", "b")
	if !tb.Remove(pfx("10.1.0.0/16"), "b") {
		t.Fatal("Remove by the owner failed")
	}
	wantLookup(t, &tb, "10.1.0.1", "a")
	if tb.Remove(pfx("10.1.0.0/16"), "b") {
		t.Fatal("second Remove succeeded")
	}
	wantEntries(t, &tb, "b")
	if tb.Len() != 1 {
		t.Fatalf("Len = %d, want 1", tb.Len())
	}
}

func TestRemoveKeepsNeighbours(t *testing.T) {
	var tb Table[string]
	for _, p := range []string{"10.0.0.0/8", "10.0.0.0/16", "10.0.0.0/24", "10.128.0.0/9", "10.0.128.0/17"} {
		mustInsert(t, &tb, p, p)
	}
	tb.Remove(pfx("10.0.0.0/16"), "10.0.0.0/16")
	wantLookups(t, &tb, "10.0.0.1 10.0.0.0/24", "10.0.1.1 10.0.0.0/8", "10.0.128.1 10.0.128.0/17",
		"10.128.0.1 10.128.0.0/9")
	tb.Remove(pfx("10.0.0.0/8"), "10.0.0.0/8")
	wantLookups(t, &tb, "10.0.1.1", "10.0.0.1 10.0.0.0/24")
	checkInvariants(t, &tb)
}

func TestRemoveByPeer(t *testing.T) {
	var tb Table[string]
	insertAll(t, &tb, "0.0.0.0/0 gw", "::/0 gw", "10.0.0.0/8 a", "10.1.0.0/16 b", "10.1.2.0/24 a",
		"fd00::/8 a", "fd00:1::/32 b")
	if n := tb.RemoveByPeer("a"); n != 3 {
		t.Fatalf("RemoveByPeer(a) = %d, want 3", n)
	}
	wantEntries(t, &tb, "a")
	wantLookups(t, &tb, "10.1.2.3 b", "10.2.0.1 gw", "fd00::1 gw", "fd00:1::1 b")
	if tb.Len() != 4 {
		t.Fatalf("Len = %d, want 4", tb.Len())
	}
	checkInvariants(t, &tb)
	mustInsert(t, &tb, "10.1.2.0/24", "a")
	wantEntries(t, &tb, "a", "10.1.2.0/24")
}

func TestComparablePeerTypes(t *testing.T) {
	type peer struct{ id int }
	p1, p2 := &peer{1}, &peer{1}
	var tb Table[*peer]
	if err := tb.Insert(pfx("10.0.0.0/8"), p1); err != nil {
		t.Fatal(err)
	}
	if err := tb.Insert(pfx("10.0.0.0/8"), p2); err != nil {
		t.Fatal(err)
	}
	if got, _ := tb.Lookup(addr("10.0.0.1")); got != p2 {
		t.Fatal("pointer identity not used as owner")
	}
	if tb.Remove(pfx("10.0.0.0/8"), p1) {
		t.Fatal("former owner removed the prefix")
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	var tb Table[string]
	insertAll(t, &tb, "10.0.0.0/8 a", "2001:db8::/32 b")
	a4, a6 := addr("10.1.2.3"), addr("2001:db8::1")
	allocs := testing.AllocsPerRun(1000, func() {
		tb.Lookup(a4)
		tb.Lookup(a6)
	})
	if allocs != 0 {
		t.Fatalf("Lookup allocated %v times per run", allocs)
	}
}

// TestConcurrentLookup runs readers against a writer that keeps changing
// the table. A covering prefix that is never touched must always be seen,
// and a prefix that flips between two owners must always resolve to one
// of them: a reader never sees a half-written trie.
func TestConcurrentLookup(t *testing.T) {
	var tb Table[string]
	mustInsert(t, &tb, "10.0.0.0/8", "base")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if p, ok := tb.Lookup(addr("10.3.3.3")); !ok || p != "base" {
					errs <- "lost the covering prefix: " + p
					return
				}
				if p, ok := tb.Lookup(addr("10.1.1.1")); !ok || (p != "base" && p != "x" && p != "y") {
					errs <- "bad owner " + p
					return
				}
			}
		}()
	}
	for i := 0; i < 3000; i++ {
		owner := "x"
		if i%2 == 1 {
			owner = "y"
		}
		mustInsert(t, &tb, "10.1.0.0/16", owner)
		mustInsert(t, &tb, "10.3.4.0/24", owner)
		mustInsert(t, &tb, "10.1.1.0/24", owner)
		if i%3 == 0 {
			tb.RemoveByPeer(owner)
		} else {
			tb.Remove(pfx("10.1.1.0/24"), owner)
		}
	}
	close(stop)
	wg.Wait()
	select {
	case e := <-errs:
		t.Fatal(e)
	default:
	}
	checkInvariants(t, &tb)
}

// loadHeld inserts n host prefixes, one peer each, between Hold and
// Release, as a configuration request of n peers does, and returns the
// allocations per prefix.
func loadHeld(n int) float64 {
	allocs := testing.AllocsPerRun(1, func() {
		var tb Table[int]
		tb.Hold()
		for i := range n {
			tb.Insert(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32), i)
		}
		tb.Release()
	})
	return allocs / float64(n)
}

// TestHeldLoadIsLinear pins the cost of loading many peers: between Hold
// and Release each trie node is copied at most once, so the allocations
// per prefix (entry, leaf, branch, the owner map's growth) do not grow with
// the table. Publishing after every insert copies the whole path from the
// root each time: O(log n) allocations per prefix (7 at 1,024 prefixes
// and 9 at 16,384 here, against 3 held).
func TestHeldLoadIsLinear(t *testing.T) {
	small, large := loadHeld(1<<10), loadHeld(1<<14)
	t.Logf("allocations per prefix: %.2f at 1,024, %.2f at 16,384", small, large)
	if small > 4 || large > 4 || large > small+0.25 {
		t.Errorf("allocations per prefix: %.2f at 1,024, %.2f at 16,384; want at most 4 and no growth", small, large)
	}
}

// TestHoldHidesWritesFromLookup checks that writes between Hold and
// Release reach Lookup together at the last Release, while the writers'
// view (EntriesForPeer, Len) has them at once, and that a nested Hold
// does not publish.
func TestHoldHidesWritesFromLookup(t *testing.T) {
	var tb Table[string]
	mustInsert(t, &tb, "10.0.0.0/8", "a")
	tb.Hold()
	mustInsert(t, &tb, "10.1.0.0/16", "b")
	tb.RemoveByPeer("a")
	tb.Hold()
	mustInsert(t, &tb, "fd00::/8", "c")
	tb.Release()
	wantEntries(t, &tb, "a")
	wantEntries(t, &tb, "b", "10.1.0.0/16")
	if tb.Len() != 2 {
		t.Errorf("Len() = %d while held, want 2", tb.Len())
	}
	// Lookups while held, then after the last Release: an address, and
	// the owner it has in each.
	lookups := [][3]string{
		{"10.1.2.3", "a", "b"},
		{"10.2.0.1", "a", ""},
		{"fd00::1", "", "c"},
	}
	for _, l := range lookups {
		wantLookup(t, &tb, l[0], l[1])
	}
	tb.Release()
	for _, l := range lookups {
		wantLookup(t, &tb, l[0], l[2])
	}
	mustInsert(t, &tb, "10.2.0.0/16", "a")
	wantLookup(t, &tb, "10.2.0.1", "a")
}

// TestReleaseWithoutHoldPanics checks that an unmatched Release is a
// programming error, not a silent publication.
func TestReleaseWithoutHoldPanics(t *testing.T) {
	var tb Table[string]
	defer func() {
		if recover() == nil {
			t.Error("Release without Hold did not panic")
		}
	}()
	tb.Release()
}
