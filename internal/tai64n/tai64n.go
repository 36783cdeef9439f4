// SPDX-License-Identifier: BSD-2-Clause

package tai64n

import (
	"bytes"
	"encoding/binary"
	"time"
)

// Size is the length in bytes of an encoded timestamp.
const Size = 12

// base is the TAI64 label of the Unix epoch as WireGuard encodes it: 2^62
// marks the label as a time after 1970 in the TAI64 scheme, and the 10 is
// the TAI−UTC offset at the epoch.
const base = uint64(1)<<62 + 10

// WhitenerMask is the set of low nanosecond bits cleared from every stamp.
// Clearing the low 24 bits rounds the nanoseconds down to a multiple of
// 2^24 ns (about 16.8 ms), which is below the 20 ms at which a responder
// accepts initiations from one peer, so ordering is preserved for a sender
// that respects that rate.
const WhitenerMask = 1<<24 - 1

// Timestamp is an encoded TAI64N timestamp as it appears, before
// encryption, in a handshake initiation. The zero value is before every
// timestamp produced by Stamp.
type Timestamp [Size]byte

// Stamp returns the whitened timestamp of t. It is the constructor callers
// use with the current time of their (possibly fake) clock.
func Stamp(t time.Time) Timestamp {
	var ts Timestamp
	binary.BigEndian.PutUint64(ts[:8], base+uint64(t.Unix()))
	binary.BigEndian.PutUint32(ts[8:], uint32(t.Nanosecond())&^WhitenerMask)
	return ts
}

// After reports whether ts is strictly later than u. Equal timestamps are
// not after each other, which is what makes a replayed initiation fail.
func (ts Timestamp) After(u Timestamp) bool {
	return bytes.Compare(ts[:], u[:]) > 0
}

// Time returns the instant ts encodes, in UTC. Nanosecond values that a
// valid TAI64N stamp cannot carry (one second or more) are added as they
// are.
func (ts Timestamp) Time() time.Time {
	secs := binary.BigEndian.Uint64(ts[:8]) - base
	nsec := binary.BigEndian.Uint32(ts[8:])
	return time.Unix(int64(secs), int64(nsec)).UTC()
}
