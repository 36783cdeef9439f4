// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
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
// are unique within a device; zero is never used. They are drawn from a
// cryptographic random source, as the kernels draw them (arc4random in
// FreeBSD's wg_noise.c), so that an off-path attacker cannot guess the
// index of a session.
type indexTable struct {
	mu    sync.RWMutex
	table map[uint32]indexEntry
	// random is the source of indices; nil means crypto/rand.Reader.
	// Tests replace it, before the first index is drawn, to see which
	// bytes become indices; it is read without the lock.
	random io.Reader
}

// reader returns the table's source of random bytes.
func (t *indexTable) reader() io.Reader {
	if t.random != nil {
		return t.random
	}
	return rand.Reader
}

// newIndex allocates a fresh index for entry. It fails only if the random
// source does; crypto/rand never returns an error. The random bytes are
// drawn before the table is locked, as wireguard-go draws them, so that
// lookups by the receive path do not wait on the random source.
func (t *indexTable) newIndex(entry indexEntry) (uint32, error) {
	r := t.reader()
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, fmt.Errorf("draw receiver index: %w", err)
		}
		idx := binary.LittleEndian.Uint32(b[:])
		if idx == 0 {
			continue
		}
		if t.insert(idx, entry) {
			return idx, nil
		}
	}
}

// insert makes idx stand for entry, reporting false if idx is taken.
func (t *indexTable) insert(idx uint32, entry indexEntry) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.table == nil {
		t.table = make(map[uint32]indexEntry)
	}
	if _, taken := t.table[idx]; taken {
		return false
	}
	t.table[idx] = entry
	return true
}

// lookup returns the entry of idx.
func (t *indexTable) lookup(idx uint32) (indexEntry, bool) {
	t.mu.RLock()
	e, ok := t.table[idx]
	t.mu.RUnlock()
	return e, ok
}

// setKeypair points idx, which must stand for peer's handshake, at kp.
// It reports false, changing nothing, when idx is no longer peer's or
// already stands for a keypair: an index is pointed at a keypair once.
func (t *indexTable) setKeypair(idx uint32, peer *peer, kp *keypair) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.table[idx]
	if !ok || e.peer != peer || e.keypair != nil {
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
