// SPDX-License-Identifier: BSD-2-Clause

// Package ratelimiter is the per-source limit on handshake messages that
// wgd applies while under load, modelled on the ratelimit in FreeBSD's
// wg_cookie.c rather than on wireguard-go's.
//
// # Semantics
//
// Each source has a token bucket that refills at InitiationsPerSecond (20)
// messages per second and holds at most InitiationsBurstable (5). A
// source seen for the first time is allowed and starts with one message
// spent. Tokens are counted in nanoseconds of the injected clock, and a
// refused message still brings the bucket up to date, exactly as
// ratelimit_allow does.
//
// A source is an IPv4 address (/32) or the top 64 bits of an IPv6 address
// (/64), so that a host cannot escape its bucket by hopping between the
// addresses of its own IPv6 subnet. An IPv4-mapped IPv6 address counts as
// the IPv4 address it carries: wgd may receive IPv4 packets on a
// dual-stack socket, where keying on the /64 would put every IPv4 sender
// into one shared bucket. The kernel has no such case, since its IPv4 and
// IPv6 sockets are separate. Any other address is refused.
//
// Each family has its own table of 8192 hash chains, indexed by
// SipHash-1-3 of the source under a random key drawn for each Limiter, so
// that nobody can predict which sources collide. A table holds at most
// Config.MaxEntries sources (DefaultMaxEntries, the kernel's 65536, unless
// configured); while a table is full, messages from new sources are
// refused instead of growing memory, and known sources are served as
// usual. A table's chain heads (64 KiB on 64-bit hosts) are allocated with
// its first entry and released when garbage collection empties it, so an
// idle Limiter costs a few hundred bytes.
//
// # Garbage collection and time
//
// The Limiter starts no goroutine and reads time only through
// Config.Now. The owner calls GC about once per ElementTimeout, as the
// kernel's callout runs once a second: GC forgets sources that have sent
// nothing for more than ElementTimeout and returns how many remain, and
// costs two uncontended lock acquisitions when there are none. An owner
// that wants to sleep while idle can stop its timer when GC returns zero
// and restart it the next time it consults the Limiter. Reset forgets
// every source.
//
// # Concurrency
//
// All methods are safe for concurrent use. Each family's table has its
// own mutex; Allow holds it for one hash-chain walk and never allocates
// except to add a source.
package ratelimiter
