// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"sync/atomic"
	"testing"
)

// heldKeypairs returns the keypairs p holds.
func heldKeypairs(p *peer) map[*keypair]bool {
	p.keypairs.mu.RLock()
	defer p.keypairs.mu.RUnlock()
	held := make(map[*keypair]bool)
	for _, kp := range []*keypair{p.keypairs.previous, p.keypairs.current, p.keypairs.next} {
		if kp != nil {
			held[kp] = true
		}
	}
	return held
}

// checkIndexMembership fails the test unless the keypairs reachable
// through d's index table are exactly the ones their peers hold.
func checkIndexMembership(t *testing.T, d *Device) {
	t.Helper()
	d.indices.mu.RLock()
	var indexed []indexEntry
	for idx, e := range d.indices.table {
		if e.keypair != nil {
			if e.keypair.LocalIndex() != idx {
				t.Errorf("index %#x maps to the keypair of index %#x", idx, e.keypair.LocalIndex())
			}
			indexed = append(indexed, e)
		}
	}
	d.indices.mu.RUnlock()
	for _, e := range indexed {
		if !heldKeypairs(e.peer)[e.keypair] {
			t.Errorf("%v: index %#x maps to a keypair the peer no longer holds", e.peer, e.keypair.LocalIndex())
		}
	}
	for p := d.firstPeer(); p != nil; p = p.nextPeer {
		for kp := range heldKeypairs(p) {
			if e, ok := d.indices.lookup(kp.LocalIndex()); !ok || e.keypair != kp {
				t.Errorf("%v: held keypair %#x not reachable through its index", p, kp.LocalIndex())
			}
		}
	}
}

// TestKeypairIndexFollowsMembership pins that a new keypair is reachable
// through its index only while its peer holds it, when the peer's keys
// are erased (clearKeypairs: key erasure timer, Down, peer removal) while
// the keypair is being installed. The hook runs clearKeypairs between the
// two steps of the first installation on each side, the initiator
// (handleResponse) and the responder (sendHandshakeResponse). If the keypair went into the
// peer first and its index was pointed at it afterwards, the erasure
// would drop the keypair while its index still named the handshake, and
// the index would then be pointed at a keypair nobody holds, leaving its
// keys reachable by any packet carrying that index until the index is
// reused. wireguard-go points the index first (SwapIndexForKeypair before
// the keypair joins the peer); FreeBSD inserts the keypair's index in
// noise_add_new_keypair under the handshake lock.
func TestKeypairIndexFollowsMembership(t *testing.T) {
	tp := newPair(t)
	var clearedA, clearedB atomic.Int32
	for _, x := range []struct {
		h *testHost
		n *atomic.Int32
	}{{tp.a, &clearedA}, {tp.b, &clearedB}} {
		n := x.n
		x.h.dev.hooks.Store(&testHooks{installKeypair: func(p *peer) {
			if n.Add(1) == 1 {
				p.clearKeypairs()
			}
		}})
	}
	if err := tp.a.tun.Inject(packet(tp.a, tp.b, false, "x")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a keypair installed on both sides", func() bool {
		return clearedA.Load() > 0 && clearedB.Load() > 0
	})
	tp.quiesce(t)
	checkIndexMembership(t, tp.a.dev)
	checkIndexMembership(t, tp.b.dev)

	// After an erasure nothing stays reachable.
	for _, h := range []*testHost{tp.a, tp.b} {
		h.dev.hooks.Store(nil)
	}
	tp.a.peer(tp.b).clearKeypairs()
	tp.b.peer(tp.a).clearKeypairs()
	checkIndexMembership(t, tp.a.dev)
	checkIndexMembership(t, tp.b.dev)
}
