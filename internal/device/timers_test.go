// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/internal/conn/bindtest"
	"github.com/wgbsd/wgbsd/internal/noise"
)

// capture records the datagrams a bind sends, by message type, including
// those it then drops.
type capture struct {
	mu    sync.Mutex
	sent  map[noise.MessageType]int
	kept  [][]byte
	keep  func(pkt []byte) bool
	drop  func(pkt []byte) bool
	sizes map[int]int
	total uint64
}

// watch installs a capture on h's bind.
func watch(h *testHost) *capture {
	c := &capture{sent: make(map[noise.MessageType]int), sizes: make(map[int]int)}
	h.bind.setFilter(func(pkt []byte, _ netip.AddrPort) bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		t := noise.MessageType(binary.LittleEndian.Uint32(pkt))
		c.sent[t]++
		c.sizes[len(pkt)]++
		if c.keep != nil && c.keep(pkt) {
			c.kept = append(c.kept, append([]byte(nil), pkt...))
		}
		pass := c.drop == nil || !c.drop(pkt)
		if pass {
			c.total += uint64(len(pkt))
		}
		return pass
	})
	return c
}

// bytes returns the total size of the datagrams sent and not dropped.
func (c *capture) bytes() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

func (c *capture) count(t noise.MessageType) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent[t]
}

// keepalives returns how many keepalives (empty transport messages) went
// out.
func (c *capture) keepalives() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sizes[noise.MessageKeepaliveSize]
}

func (c *capture) setDrop(f func(pkt []byte) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop = f
}

func (c *capture) setKeep(f func(pkt []byte) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keep = f
}

func (c *capture) takeKept() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.kept
	c.kept = nil
	return k
}

func isType(t noise.MessageType) func([]byte) bool {
	return func(pkt []byte) bool { return noise.MessageType(binary.LittleEndian.Uint32(pkt)) == t }
}

func isData(pkt []byte) bool {
	return isType(noise.MessageTransportType)(pkt) && len(pkt) > noise.MessageKeepaliveSize
}

func TestRekeyAfterTime(t *testing.T) {
	tp := newPair(t)
	ca := watch(tp.a)
	send(t, tp.a, tp.b, false, "first session")
	send(t, tp.b, tp.a, false, "first session reply")
	pa, pb := tp.a.peer(tp.b), tp.b.peer(tp.a)
	kp1 := pa.currentKeypair()
	if kp1 == nil || !kp1.IsInitiator() {
		t.Fatal("a has no initiator session")
	}
	tp.run(t, RekeyAfterTime+time.Second)
	if pa.currentKeypair() != kp1 || ca.count(noise.MessageInitiationType) != 1 {
		t.Fatalf("rekeyed without traffic: %d initiations\n%s\n%s", ca.count(noise.MessageInitiationType), tp.a.log.all(), tp.b.log.all())
	}

	// The first packet after RekeyAfterTime still goes out with the old
	// session and starts a handshake. Hold it back to deliver it late,
	// and drop the keepalive that follows the handshake, so that the
	// responder waits for key confirmation.
	ca.setDrop(isType(noise.MessageTransportType))
	ca.setKeep(isData)
	if err := tp.a.tun.Inject(packet(tp.a, tp.b, false, "late")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "rekey", func() bool { return pa.currentKeypair() != kp1 })
	tp.quiesce(t)
	if n := ca.count(noise.MessageInitiationType); n != 2 {
		t.Fatalf("%d initiations, want 2", n)
	}
	late := ca.takeKept()
	ca.setDrop(nil)
	ca.setKeep(nil)
	if len(late) != 1 {
		t.Fatalf("kept %d packets, want 1", len(late))
	}
	kp2 := pa.currentKeypair()
	pa.keypairs.mu.RLock()
	prev := pa.keypairs.previous
	pa.keypairs.mu.RUnlock()
	if prev != kp1 || kp2.IsInitiator() != true {
		t.Fatal("old session not kept as previous")
	}

	// The responder holds the new session as next until data arrives
	// with it (key confirmation).
	pb.keypairs.mu.RLock()
	next, cur := pb.keypairs.next, pb.keypairs.current
	pb.keypairs.mu.RUnlock()
	if next == nil || next.LocalIndex() != kp2.RemoteIndex() || cur == nil || cur.LocalIndex() != kp1.RemoteIndex() {
		t.Fatal("responder did not stage the new session as next")
	}
	send(t, tp.a, tp.b, false, "second session")
	pb.keypairs.mu.RLock()
	next, cur, bprev := pb.keypairs.next, pb.keypairs.current, pb.keypairs.previous
	pb.keypairs.mu.RUnlock()
	if next != nil || cur.LocalIndex() != kp2.RemoteIndex() || bprev.LocalIndex() != kp1.RemoteIndex() {
		t.Fatal("responder did not confirm the new session")
	}

	// The held-back packet, sealed with the previous session, is still
	// accepted.
	tp.net.Inject(bindtest.Datagram{From: tp.a.bind.local(), To: tp.b.bind.local(), Data: late[0]})
	expectPacket(t, tp.b, packet(tp.a, tp.b, false, "late"))
	send(t, tp.b, tp.a, true, "traffic continues")
}

func TestRejectAfterTime(t *testing.T) {
	tp := newPair(t)
	ca := watch(tp.a)
	cb := watch(tp.b)
	ca.setKeep(isData)
	send(t, tp.a, tp.b, false, "session")
	old := ca.takeKept()
	ca.setKeep(nil)
	// No new handshake may complete: drop every handshake message.
	noHandshakes := func(pkt []byte) bool { return !isType(noise.MessageTransportType)(pkt) }
	ca.setDrop(noHandshakes)
	cb.setDrop(noHandshakes)

	tp.run(t, RejectAfterTime-time.Second)
	send(t, tp.a, tp.b, false, "still valid")

	tp.run(t, 2*time.Second)
	pa := tp.a.peer(tp.b)
	if pa.sendKeypair(tp.clock.Now()) != nil {
		t.Fatal("session usable after RejectAfterTime")
	}
	before := ca.count(noise.MessageInitiationType)
	if err := tp.a.tun.Inject(packet(tp.a, tp.b, false, "too late")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "packet staged", func() bool { return !pa.stagedEmpty() })
	tp.run(t, RekeyTimeout+time.Second)
	if ca.count(noise.MessageInitiationType) <= before {
		t.Fatal("no new initiation")
	}
	if pa.stagedEmpty() {
		t.Fatal("packet was not staged")
	}
	// A datagram of the expired session is refused by the receiver too.
	tp.net.Inject(bindtest.Datagram{From: tp.a.bind.local(), To: tp.b.bind.local(), Data: old[0]})
	tp.quiesce(t)
	expectNoPacket(t, tp.b)
}

func TestRetransmitAndGiveUp(t *testing.T) {
	tp := newPair(t)
	ca := watch(tp.a)
	ca.setDrop(isType(noise.MessageInitiationType)) // b never hears a
	if err := tp.a.tun.Inject(packet(tp.a, tp.b, false, "lost")); err != nil {
		t.Fatal(err)
	}
	pa := tp.a.peer(tp.b)
	eventually(t, "first initiation", func() bool { return ca.count(noise.MessageInitiationType) == 1 })
	tp.quiesce(t)
	tp.run(t, RekeyAttemptTime+RekeyTimeout*3)
	got := ca.count(noise.MessageInitiationType)
	if want := MaxTimerHandshakes + 2; got != want {
		t.Fatalf("%d initiations, want %d", got, want)
	}
	if !tp.a.log.contains("giving up") || !pa.stagedEmpty() {
		t.Fatal("did not give up and flush staged packets")
	}
	if !pa.timers.zeroKeyMaterial.isPending() {
		t.Fatal("key erasure not scheduled after giving up")
	}
	tp.run(t, time.Minute)
	if got2 := ca.count(noise.MessageInitiationType); got2 != got {
		t.Fatalf("initiations continued after giving up: %d", got2)
	}
}

func TestPassiveKeepalive(t *testing.T) {
	tp := newPair(t)
	cb := watch(tp.b)
	send(t, tp.a, tp.b, false, "data needing an answer")
	tp.quiesce(t)
	if cb.keepalives() != 0 {
		t.Fatal("keepalive sent early")
	}
	tp.run(t, KeepaliveTimeout-time.Millisecond)
	if cb.keepalives() != 0 {
		t.Fatal("keepalive sent before KeepaliveTimeout")
	}
	tp.run(t, time.Millisecond)
	if n := cb.keepalives(); n != 1 {
		t.Fatalf("%d keepalives, want 1", n)
	}
	// Sending data pays the keepalive owed.
	send(t, tp.a, tp.b, false, "more data")
	send(t, tp.b, tp.a, false, "answer")
	tp.run(t, 2*KeepaliveTimeout)
	if n := cb.keepalives(); n != 1 {
		t.Fatalf("%d keepalives after answering, want 1", n)
	}
}

func TestPersistentKeepalive(t *testing.T) {
	tp := newPair(t)
	ca := watch(tp.a)
	err := tp.a.dev.Configure(func(tx *ConfigTx) error {
		tx.Peer(tp.b.pub).SetPersistentKeepalive(25)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Turning it on sends one at once (after a handshake).
	eventually(t, "first keepalive", func() bool { return ca.keepalives() == 1 })
	tp.quiesce(t)
	tp.run(t, 100*time.Second)
	if n := ca.keepalives(); n != 5 {
		t.Fatalf("%d keepalives in 100s at 25s, want 5", n)
	}
	err = tp.a.dev.Configure(func(tx *ConfigTx) error {
		tx.Peer(tp.b.pub).SetPersistentKeepalive(0)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tp.run(t, 100*time.Second)
	if n := ca.keepalives(); n != 5 {
		t.Fatalf("keepalives continued after turning off: %d", n)
	}
}

func TestZeroKeyMaterial(t *testing.T) {
	tp := newPair(t)
	send(t, tp.a, tp.b, false, "x")
	send(t, tp.b, tp.a, false, "y")
	pa, pb := tp.a.peer(tp.b), tp.b.peer(tp.a)
	tp.run(t, ZeroKeyMaterialTimeout-time.Second)
	if pa.currentKeypair() == nil || pb.currentKeypair() == nil {
		t.Fatal("keys erased early")
	}
	tp.run(t, 2*time.Second)
	for _, p := range []*peer{pa, pb} {
		p.keypairs.mu.RLock()
		prev, cur, next := p.keypairs.previous, p.keypairs.current, p.keypairs.next
		p.keypairs.mu.RUnlock()
		if prev != nil || cur != nil || next != nil {
			t.Fatalf("%v: keys not erased", p)
		}
		if p.handshake.State() != noise.HandshakeZeroed {
			t.Fatalf("%v: handshake not erased", p)
		}
	}
	if tp.a.dev.indices.len() != 0 || tp.b.dev.indices.len() != 0 {
		t.Fatal("indices left after erasure")
	}
	// A new packet starts a new handshake.
	send(t, tp.a, tp.b, true, "again")
}

func TestReplayDropped(t *testing.T) {
	tp := newPair(t)
	ca := watch(tp.a)
	send(t, tp.a, tp.b, false, "warm up")
	ca.setKeep(isData)
	send(t, tp.a, tp.b, false, "original")
	kept := ca.takeKept()
	if len(kept) != 1 {
		t.Fatalf("kept %d", len(kept))
	}
	for range 3 {
		tp.net.Inject(bindtest.Datagram{From: tp.a.bind.local(), To: tp.b.bind.local(), Data: kept[0]})
	}
	tp.quiesce(t)
	// The next packet out of b's TUN is the fresh one, not a replay.
	send(t, tp.a, tp.b, false, "fresh")
	tp.quiesce(t)
	expectNoPacket(t, tp.b)
	rx := tp.b.dev.Snapshot().Peers[0].RxBytes
	tp.net.Inject(bindtest.Datagram{From: tp.a.bind.local(), To: tp.b.bind.local(), Data: kept[0]})
	tp.quiesce(t)
	if got := tp.b.dev.Snapshot().Peers[0].RxBytes; got != rx {
		t.Fatalf("replay counted: rx %d → %d", rx, got)
	}
}

func TestRekeyOnReceive(t *testing.T) {
	tp := newPair(t)
	ca := watch(tp.a)
	send(t, tp.a, tp.b, false, "a initiates")
	tp.run(t, RekeyAfterTimeRecv-time.Second)
	// b is the responder: its sending never rekeys on age, and a's
	// receiving does not either before RekeyAfterTimeRecv.
	send(t, tp.b, tp.a, false, "early")
	tp.quiesce(t)
	if n := ca.count(noise.MessageInitiationType); n != 1 {
		t.Fatalf("%d initiations before RekeyAfterTimeRecv", n)
	}
	tp.run(t, 2*time.Second)
	kp := tp.a.peer(tp.b).currentKeypair()
	send(t, tp.b, tp.a, false, "late")
	tp.quiesce(t)
	if n := ca.count(noise.MessageInitiationType); n != 2 {
		t.Fatalf("%d initiations after RekeyAfterTimeRecv, want 2", n)
	}
	if tp.a.peer(tp.b).currentKeypair() == kp {
		t.Fatal("no new session")
	}
	send(t, tp.b, tp.a, true, "on the new session")
}
