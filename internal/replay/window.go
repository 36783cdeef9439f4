// SPDX-License-Identifier: BSD-2-Clause

package replay

const (
	// blockBits is the number of counters one ring block covers.
	blockBits = 64
	// ringBlocks is the number of blocks in the ring (a power of two).
	ringBlocks = 128
	// ringMask reduces a block number to its slot in the ring.
	ringMask = ringBlocks - 1
)

const (
	// WindowSize is how far, in counters, an accepted counter may lie
	// behind the highest counter seen: (128 − 1) × 64 = 8128.
	WindowSize = (ringBlocks - 1) * blockBits

	// RejectAfterMessages is WireGuard's limit on a keypair's counters,
	// 2^64 − 2^13 − 1. Counters at or above it are always rejected.
	RejectAfterMessages = ^uint64(0) - (1 << 13)
)

// Window is an RFC 6479 sliding window over received counters. The zero
// Window accepts any counter below RejectAfterMessages.
type Window struct {
	// last is the highest counter accepted so far (0 before any).
	last uint64
	// ring holds one bit per counter; block b lives at ring[b & ringMask].
	ring [ringBlocks]uint64
}

// Validate reports whether counter is acceptable and, if so, records it
// so that the same counter is rejected from then on. A counter is
// acceptable if it is below RejectAfterMessages, has not been accepted
// before, and is no more than WindowSize behind the highest counter
// accepted so far. Only counters of authenticated packets may be passed.
func (w *Window) Validate(counter uint64) bool {
	if counter >= RejectAfterMessages {
		return false
	}
	if counter > w.last {
		w.advance(counter)
	} else if w.last-counter > WindowSize {
		return false
	}
	slot, bit := position(counter)
	if w.ring[slot]&bit != 0 {
		return false
	}
	w.ring[slot] |= bit
	return true
}

// Check reports whether Validate would accept counter now, without
// recording it. It never changes the Window.
func (w *Window) Check(counter uint64) bool {
	if counter >= RejectAfterMessages {
		return false
	}
	if counter > w.last {
		return true
	}
	if w.last-counter > WindowSize {
		return false
	}
	slot, bit := position(counter)
	return w.ring[slot]&bit == 0
}

// Reset forgets every counter, returning the Window to its zero state.
// It is used when the keypair that owns the Window is replaced.
func (w *Window) Reset() {
	*w = Window{}
}

// advance moves the window forward so that counter becomes the highest
// counter, clearing every block between the old highest block (exclusive)
// and the new one (inclusive). At most the whole ring is cleared.
func (w *Window) advance(counter uint64) {
	current := w.last / blockBits
	n := counter/blockBits - current
	if n > ringBlocks {
		n = ringBlocks
	}
	for i := uint64(1); i <= n; i++ {
		w.ring[(current+i)&ringMask] = 0
	}
	w.last = counter
}

// position returns the ring slot and the bit within it for counter.
func position(counter uint64) (slot uint64, bit uint64) {
	return (counter / blockBits) & ringMask, 1 << (counter % blockBits)
}
