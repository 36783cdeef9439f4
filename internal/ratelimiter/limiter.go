// SPDX-License-Identifier: BSD-2-Clause

package ratelimiter

import (
	"crypto/rand"
	"encoding/binary"
	"net/netip"
	"sync"
	"time"
)

const (
	// InitiationsPerSecond is the rate at which a source's bucket refills.
	InitiationsPerSecond = 20
	// InitiationsBurstable is how many messages a bucket holds when full.
	InitiationsBurstable = 5
	// ElementTimeout is how long a source may stay silent before GC
	// forgets it.
	ElementTimeout = time.Second
	// DefaultMaxEntries is the default cap on the sources tracked per
	// address family: the kernel's 8 × 8192.
	DefaultMaxEntries = 8 * tableSize
)

const (
	// tableSize is the number of hash chains per family (a power of two).
	tableSize = 8192
	// initiationCost is the price of one message, in nanoseconds.
	initiationCost = int64(time.Second / InitiationsPerSecond)
	// tokenMax is the capacity of a bucket, in nanoseconds.
	tokenMax = initiationCost * InitiationsBurstable
)

// Config configures a Limiter. The zero Config gives the kernel's figures
// and the system clock.
type Config struct {
	// Now returns the current time; nil means time.Now. Only the
	// differences between its readings matter, and they should be
	// monotonic.
	Now func() time.Time
	// MaxEntries caps the sources tracked per address family; zero or
	// less means DefaultMaxEntries.
	MaxEntries int
}

// Limiter is a set of per-source token buckets. Create it with New.
type Limiter struct {
	now    func() time.Time
	epoch  time.Time
	max    int
	tables [2]table // IPv4, IPv6
}

// table is one family's hash table of buckets.
type table struct {
	mu      sync.Mutex
	k0, k1  uint64   // SipHash key
	buckets []*entry // tableSize chain heads, nil while empty
	n       int      // entries in the table
}

// entry is the bucket of one source.
type entry struct {
	key    uint64 // the source's /32 or /64 bytes
	tokens int64  // nanoseconds of credit, at most tokenMax
	last   int64  // clock reading of the last message, in nanoseconds
	next   *entry
}

// New returns an empty Limiter with fresh random hash keys.
func New(cfg Config) *Limiter {
	l := &Limiter{now: cfg.Now, max: cfg.MaxEntries}
	if l.now == nil {
		l.now = time.Now
	}
	if l.max <= 0 {
		l.max = DefaultMaxEntries
	}
	l.epoch = l.now()
	var key [32]byte
	// crypto/rand.Read never fails; it aborts the program instead.
	_, _ = rand.Read(key[:])
	for i := range l.tables {
		l.tables[i].k0 = binary.LittleEndian.Uint64(key[16*i:])
		l.tables[i].k1 = binary.LittleEndian.Uint64(key[16*i+8:])
	}
	return l
}

// Allow reports whether a handshake message from addr may be processed,
// charging addr's source one message if so. Messages from new sources are
// refused while their family's table is full, and messages from invalid
// addresses always are.
func (l *Limiter) Allow(addr netip.Addr) bool {
	fam, key, n, ok := source(addr)
	if !ok {
		return false
	}
	return l.tables[fam].allow(key, n, l.clock(), l.max)
}

// GC forgets every source that has sent nothing for more than
// ElementTimeout, and returns the number of sources still tracked.
func (l *Limiter) GC() int {
	expiry := l.clock() - int64(ElementTimeout)
	left := 0
	for i := range l.tables {
		left += l.tables[i].gc(expiry, false)
	}
	return left
}

// Reset forgets every source.
func (l *Limiter) Reset() {
	for i := range l.tables {
		l.tables[i].gc(0, true)
	}
}

// Len returns the number of sources tracked, both families.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.tables {
		t := &l.tables[i]
		t.mu.Lock()
		n += t.n
		t.mu.Unlock()
	}
	return n
}

// clock returns the current time in nanoseconds since the Limiter was
// created.
func (l *Limiter) clock() int64 {
	return int64(l.now().Sub(l.epoch))
}

// source returns the table index, the key bytes (little-endian in a word)
// and their count for addr. IPv4-mapped IPv6 addresses are IPv4 sources.
func source(addr netip.Addr) (fam int, key uint64, n int, ok bool) {
	addr = addr.Unmap()
	switch {
	case addr.Is4():
		a := addr.As4()
		return 0, uint64(binary.LittleEndian.Uint32(a[:])), 4, true
	case addr.Is6():
		a := addr.As16()
		return 1, binary.LittleEndian.Uint64(a[:8]), 8, true
	}
	return 0, 0, 0, false
}

// allow finds or adds the bucket for key at time now and charges it.
func (t *table) allow(key uint64, n int, now int64, limit int) bool {
	h := sum13(t.k0, t.k1, key, n) & (tableSize - 1)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.buckets != nil {
		for e := t.buckets[h]; e != nil; e = e.next {
			if e.key == key {
				return e.charge(now)
			}
		}
	}
	if t.n >= limit {
		return false
	}
	if t.buckets == nil {
		t.buckets = make([]*entry, tableSize)
	}
	t.buckets[h] = &entry{key: key, tokens: tokenMax - initiationCost, last: now, next: t.buckets[h]}
	t.n++
	return true
}

// charge refills e for the time since its last message, then takes one
// message's worth of tokens if there are enough. A clock reading older
// than the last one (two callers racing to the lock) refills nothing.
func (e *entry) charge(now int64) bool {
	elapsed := now - e.last
	if elapsed < 0 {
		elapsed = 0
	} else {
		e.last = now
	}
	tokens := e.tokens + min(elapsed, tokenMax)
	tokens = min(tokens, tokenMax)
	if tokens >= initiationCost {
		e.tokens = tokens - initiationCost
		return true
	}
	e.tokens = tokens
	return false
}

// gc removes the entries last seen before expiry, or all of them if
// force is set, and returns how many are left. An emptied table releases
// its chain heads.
func (t *table) gc(expiry int64, force bool) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == 0 {
		return 0
	}
	for i, e := range t.buckets {
		link := &t.buckets[i]
		for ; e != nil; e = e.next {
			if force || e.last < expiry {
				*link = e.next
				t.n--
			} else {
				link = &e.next
			}
		}
	}
	if t.n == 0 {
		t.buckets = nil
	}
	return t.n
}
