// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"crypto/rand"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/internal/cookie"
	"github.com/wgbsd/wgbsd/internal/noise"
)

// forceUnderLoad puts h's device under load for d of fake time.
func forceUnderLoad(h *testHost, now time.Time, d time.Duration) {
	h.dev.underLoadUntil.Store(now.Add(d).UnixNano())
}

func TestCookieUnderLoad(t *testing.T) {
	tp := newPair(t)
	ca, cb := watch(tp.a), watch(tp.b)
	forceUnderLoad(tp.b, tp.clock.Now(), time.Hour)
	if err := tp.a.tun.Inject(packet(tp.a, tp.b, false, "through the cookie")); err != nil {
		t.Fatal(err)
	}
	// The first initiation carries no mac2: b answers with a cookie
	// reply instead of a response.
	eventually(t, "cookie reply", func() bool { return cb.count(noise.MessageCookieReplyType) == 1 })
	tp.quiesce(t)
	if cb.count(noise.MessageResponseType) != 0 {
		t.Fatal("response sent under load without mac2")
	}
	if !tp.a.log.contains("Received cookie response") {
		t.Fatal("initiator did not accept the cookie")
	}
	// The retransmission carries mac2 and completes the handshake.
	tp.run(t, RekeyTimeout+RekeyTimeoutJitterMax)
	expectPacket(t, tp.b, packet(tp.a, tp.b, false, "through the cookie"))
	if ca.count(noise.MessageInitiationType) != 2 || cb.count(noise.MessageResponseType) != 1 {
		t.Fatalf("initiations %d, responses %d", ca.count(noise.MessageInitiationType), cb.count(noise.MessageResponseType))
	}
	if tp.b.dev.limiter.Len() == 0 {
		t.Fatal("rate limiter not consulted under load")
	}
	send(t, tp.b, tp.a, true, "answer")
}

// forgedInitiation returns an initiation to the holder of pub with a
// valid mac1 and garbage elsewhere, as anyone who knows the public key
// can make.
func forgedInitiation(tb testing.TB, pub noise.PublicKey) []byte {
	msg := make([]byte, noise.MessageInitiationSize)
	if _, err := rand.Read(msg); err != nil {
		tb.Fatal(err)
	}
	binary.LittleEndian.PutUint32(msg, uint32(noise.MessageInitiationType))
	g := cookie.NewGenerator(pub, nil)
	if err := g.AddMACs(msg); err != nil {
		tb.Fatal(err)
	}
	return msg
}

func TestFloodDoesNotStopHandshake(t *testing.T) {
	tp := newPair(t)
	cb := watch(tp.b)
	forged := make([][]byte, 64)
	for i := range forged {
		forged[i] = forgedInitiation(t, tp.b.pub)
	}
	flood := func(round int) {
		// Enough forged messages from distinct sources to fill the
		// handshake queue past the under-load mark.
		for i := range 3 * UnderLoadQueueLength {
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, byte(round), byte(i)}), uint16(1024+i))
			queueHandshakeFrom(tp.b, forged[i%len(forged)], src)
		}
	}
	flood(0)
	if !tp.b.dev.isUnderLoad() {
		t.Fatal("flood did not put the device under load")
	}
	if err := tp.a.tun.Inject(packet(tp.a, tp.b, false, "despite the flood")); err != nil {
		t.Fatal(err)
	}
	pa := tp.a.peer(tp.b)
	for round := 1; pa.currentKeypair() == nil; round++ {
		if round > 10 {
			t.Fatal("no handshake after 10 rounds of flooding")
		}
		flood(round)
		tp.run(t, RekeyTimeout+RekeyTimeoutJitterMax)
	}
	expectPacket(t, tp.b, packet(tp.a, tp.b, false, "despite the flood"))
	if cb.count(noise.MessageCookieReplyType) == 0 {
		t.Fatal("no cookie replies under load")
	}
}

// queueHandshakeFrom feeds a handshake message to h as if received from
// src, as the receiver does, without waiting for room.
func queueHandshakeFrom(h *testHost, msg []byte, src netip.AddrPort) {
	h.dev.queueHandshake(msg, src)
}

func TestRateLimiterUnderLoad(t *testing.T) {
	tp := newPair(t)
	forceUnderLoad(tp.b, tp.clock.Now(), time.Hour)
	// A source sending initiations with a valid mac2 is still limited to
	// the bucket's burst.
	a := tp.a.bind.local()
	allowed := 0
	for range 20 {
		if tp.b.dev.rateLimit(a.Addr()) {
			allowed++
		}
	}
	if allowed != 5 {
		t.Fatalf("%d allowed, want the burst of 5", allowed)
	}
	// The collection timer forgets idle sources.
	tp.run(t, 3*time.Second)
	if n := tp.b.dev.limiter.Len(); n != 0 {
		t.Fatalf("%d sources left after collection", n)
	}
}
