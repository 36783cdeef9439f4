// SPDX-License-Identifier: BSD-2-Clause

// Package tai64n encodes the TAI64N timestamps carried, encrypted, in
// WireGuard handshake initiation messages.
//
// A timestamp is 12 bytes: an 8-byte big-endian TAI64 label (2^62 plus 10
// plus the Unix seconds, the offset WireGuard implementations use) followed
// by a 4-byte big-endian count of nanoseconds. The nanoseconds are rounded
// down to a multiple of 2^24 before encoding, so that an observer who can
// decrypt a timestamp learns the sender's clock only to about 17 ms. The
// responder's only use of the value is ordering: an initiation is accepted
// only if its timestamp is strictly after the last one accepted from the
// same peer, which makes replayed initiations harmless.
//
// The package has no clock of its own: callers pass the time to stamp, so an
// engine can drive it from a fake clock in tests. Leap seconds are not
// accounted for; only monotonic ordering between two stamps of one sender
// matters to the protocol.
package tai64n
