// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"math/rand/v2"
	"sync"
)

// indexEntry is what a local index stands for: the handshake of a peer
// (keypair nil) while an initiation or response is outstanding, then the
// keypair derived from it.
type indexEntry struct {
	peer    *peer
	keypair *keypair
}

// indexTable maps the random 32-bit local indices, carried as receiver
// index by every message sent to us, to handshakes and keypairs. Indices
// are unique within a device; zero is never used.
type indexTable struct {
	mu    sync.RWMutex
	table map[uint32]indexEntry
}

// newIndex allocates a fresh index for entry.
func (t *indexTable) newIndex(entry indexEntry) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.table == nil {
		t.table = make(map[uint32]indexEntry)
	}
	for {
		idx := rand.Uint32()
		if idx == 0 {
			continue
		}
		if _, taken := t.table[idx]; taken {
			continue
		}
		t.table[idx] = entry
		return idx
	}
}

// lookup returns the entry of idx.
func (t *indexTable) lookup(idx uint32) (indexEntry, bool) {
	t.mu.RLock()
	e, ok := t.table[idx]
	t.mu.RUnlock()
	return e, ok
}

// setKeypair points idx, which must belong to peer, at kp. It reports
// false, changing nothing, when idx is no longer peer's.
func (t *indexTable) setKeypair(idx uint32, peer *peer, kp *keypair) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.table[idx]
	if !ok || e.peer != peer {
		return false
	}
	t.table[idx] = indexEntry{peer: peer, keypair: kp}
	return true
}

// remove frees idx if it still stands for entry's peer and keypair.
func (t *indexTable) remove(idx uint32, entry indexEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.table[idx]; ok && e == entry {
		delete(t.table, idx)
	}
}

// len returns the number of allocated indices.
func (t *indexTable) len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.table)
}
