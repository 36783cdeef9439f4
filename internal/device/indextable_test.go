// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"bytes"
	cryptorand "crypto/rand"
	"errors"
	"testing"
)

// TestIndexTableUsesCryptoRand pins where receiver indices come from.
// They are the only handle an off-path attacker has on a session, so they
// must be unpredictable, as the kernels' are: FreeBSD's
// noise_remote_index_insert (sys/dev/wg/wg_noise.c) draws them with
// "r_i->i_local_index = arc4random();", wireguard-go's IndexTable.NewIndexForHandshake
// with crypto/rand. A table without a reader of its own reads
// crypto/rand.Reader, and the index is exactly the bytes read, so
// nothing else (math/rand) is mixed in.
func TestIndexTableUsesCryptoRand(t *testing.T) {
	var tbl indexTable
	if got := tbl.reader(); got != cryptorand.Reader {
		t.Fatalf("default reader %T, want crypto/rand.Reader", got)
	}

	// Zero is never an index and a taken one is drawn again; every draw
	// takes four bytes, read as little endian.
	src := bytes.NewReader([]byte{
		0, 0, 0, 0, // zero: skipped
		1, 2, 3, 4,
		1, 2, 3, 4, // taken: skipped
		5, 6, 7, 8,
		9, 10, // short: an error
	})
	tbl.random = src
	want := []uint32{0x04030201, 0x08070605}
	for i, w := range want {
		idx, err := tbl.newIndex(indexEntry{})
		if err != nil {
			t.Fatalf("index %d: %v", i, err)
		}
		if idx != w {
			t.Fatalf("index %d = %#x, want %#x (the reader's bytes)", i, idx, w)
		}
	}
	if src.Len() != 2 {
		t.Fatalf("%d bytes left unread, want 2", src.Len())
	}
	if _, err := tbl.newIndex(indexEntry{}); err == nil {
		t.Fatal("short read gave an index")
	}
	if tbl.len() != 2 {
		t.Fatalf("%d indices allocated, want 2", tbl.len())
	}

	// A failing reader allocates nothing.
	boom := errors.New("no entropy")
	tbl.random = errReader{boom}
	if _, err := tbl.newIndex(indexEntry{}); !errors.Is(err, boom) {
		t.Fatalf("error %v, want %v", err, boom)
	}
	if tbl.len() != 2 {
		t.Fatalf("%d indices after a failed draw, want 2", tbl.len())
	}

	// The default reader gives distinct non-zero indices.
	var def indexTable
	seen := make(map[uint32]bool)
	for range 64 {
		idx, err := def.newIndex(indexEntry{})
		if err != nil || idx == 0 || seen[idx] {
			t.Fatalf("index %#x, %v", idx, err)
		}
		seen[idx] = true
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// lockProbe is a random source that records whether the index table's
// lock is held while it is read.
type lockProbe struct {
	t      *indexTable
	locked bool
}

func (r *lockProbe) Read(b []byte) (int, error) {
	if r.t.mu.TryLock() {
		r.t.mu.Unlock()
	} else {
		r.locked = true
	}
	return cryptorand.Read(b)
}

// TestIndexTableDrawsUnlocked pins that the random bytes of an index are
// drawn before the table is locked, as wireguard-go's
// NewIndexForHandshake draws them, so that the receive path's lookups
// never wait on the random source.
func TestIndexTableDrawsUnlocked(t *testing.T) {
	var tbl indexTable
	probe := &lockProbe{t: &tbl}
	tbl.random = probe
	if _, err := tbl.newIndex(indexEntry{}); err != nil {
		t.Fatal(err)
	}
	if probe.locked {
		t.Fatal("the random source was read with the table locked")
	}
}

// TestIndexSetKeypairOnce pins that an index is pointed at a keypair
// only while it stands for its peer's handshake: a second keypair, or
// one of another peer, is refused and the entry stays as it was.
func TestIndexSetKeypairOnce(t *testing.T) {
	var tbl indexTable
	p, other := &peer{}, &peer{}
	idx, err := tbl.newIndex(indexEntry{peer: p})
	if err != nil {
		t.Fatal(err)
	}
	kp1, kp2 := &keypair{peer: p}, &keypair{peer: p}
	if tbl.setKeypair(idx, other, kp1) {
		t.Fatal("another peer's keypair took the index")
	}
	if !tbl.setKeypair(idx, p, kp1) {
		t.Fatal("the handshake's index refused its keypair")
	}
	if tbl.setKeypair(idx, p, kp2) {
		t.Fatal("an index that stands for a keypair was pointed at another")
	}
	if e, ok := tbl.lookup(idx); !ok || e.keypair != kp1 {
		t.Fatalf("entry %+v, want the first keypair", e)
	}
}
