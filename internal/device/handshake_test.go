// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/internal/noise"
)

// TestResponseStartsRekeyTimeout pins that sending a handshake response
// counts as sending a handshake for the REKEY_TIMEOUT rate limit of
// initiations. FreeBSD stamps the time in noise_create_response
// (sys/dev/wg/wg_noise.c):
//
//	if ((ret = noise_begin_session(r)) == 0) {
//		r->r_last_sent = getsbinuptime();
//
// and wg_timers_run_send_initiation (sys/dev/wg/if_wg.c) only initiates
// "if (noise_remote_initiation_expired(peer->p_remote) == ETIMEDOUT)",
// which compares r_last_sent with REKEY_TIMEOUT. wireguard-go
// (SendHandshakeResponse: "peer.handshake.lastSentHandshake = time.Now()")
// and Linux do the same. Without it a responder with traffic of its own
// during the confirmation round trip sends an initiation at once: a
// second handshake with the roles swapped, which costs the initiator its
// previous session early.
func TestResponseStartsRekeyTimeout(t *testing.T) {
	tp := newPair(t)
	ca, cb := watch(tp.a), watch(tp.b)
	// a initiates; hold back everything a sends after its initiation
	// (the confirming keepalive), so that b waits for key confirmation
	// with its session as next.
	ca.setDrop(isType(noise.MessageTransportType))
	if err := tp.a.tun.Inject(packet(tp.a, tp.b, false, "a first")); err != nil {
		t.Fatal(err)
	}
	pb := tp.b.peer(tp.a)
	eventually(t, "b's response", func() bool { return cb.count(noise.MessageResponseType) == 1 })
	tp.quiesce(t)
	pb.keypairs.mu.RLock()
	next, cur := pb.keypairs.next, pb.keypairs.current
	pb.keypairs.mu.RUnlock()
	if next == nil || cur != nil {
		t.Fatal("b does not wait for key confirmation")
	}

	// b has traffic of its own for a, but no session it may send with.
	if err := tp.b.tun.Inject(packet(tp.b, tp.a, false, "b during confirmation")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b's packet staged", func() bool { return !pb.stagedEmpty() })
	tp.quiesce(t)
	if n := cb.count(noise.MessageInitiationType); n != 0 {
		t.Fatalf("b sent %d initiations right after its response, want 0 (REKEY_TIMEOUT)", n)
	}
	tp.run(t, RekeyTimeout-time.Millisecond)
	if n := cb.count(noise.MessageInitiationType); n != 0 {
		t.Fatalf("b sent %d initiations within REKEY_TIMEOUT of its response", n)
	}

	// Once a's confirmation gets through, b's session becomes current
	// and the staged packet goes out on it, with no handshake of b's.
	ca.setDrop(nil)
	send(t, tp.a, tp.b, false, "a confirms")
	expectPacket(t, tp.a, packet(tp.b, tp.a, false, "b during confirmation"))
	tp.quiesce(t)
	if n := cb.count(noise.MessageInitiationType); n != 0 {
		t.Fatalf("b sent %d initiations, want 0", n)
	}
	if n := ca.count(noise.MessageInitiationType); n != 1 {
		t.Fatalf("a sent %d initiations, want 1", n)
	}
}
