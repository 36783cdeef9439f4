// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"sync/atomic"
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
	// The count comes first: an initiation sent here would complete a
	// handshake and empty the staging queue.
	tp.quiesce(t)
	if n := cb.count(noise.MessageInitiationType); n != 0 {
		t.Fatalf("b sent %d initiations right after its response, want 0 (REKEY_TIMEOUT)", n)
	}
	if pb.stagedEmpty() {
		t.Fatal("b's packet is not staged")
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

// TestResponseStampFollowsPeerState pins that the time stamp of a
// handshake response does not outlive a Down, a removal or a change of
// private key that happens while the response is being made. Each of
// these clears the peer's handshake and its last-sent time, and a stamp
// landing after that would hold back the first initiation after the next
// Up, or right after the new key, for up to REKEY_TIMEOUT. In FreeBSD
// the stamp and the clearing exclude each other under r_handshake_lock
// (sys/dev/wg/wg_noise.c): noise_create_response stamps only while the
// handshake is still the one it answers,
//
//	if (r->r_handshake_state != HANDSHAKE_RESPONDER)
//		goto error;
//	...
//		r->r_last_sent = getsbinuptime();
//
// while noise_remote_handshake_clear, which wg_down (sys/dev/wg/if_wg.c)
// and noise_local_private (through noise_remote_expire_current) call,
// resets it:
//
//	r->r_last_sent = TIMER_RESET;
//
// The hook runs each interleaving between the creation of b's response
// and its stamp; afterwards b's next packet for a must start a handshake
// at once.
func TestResponseStampFollowsPeerState(t *testing.T) {
	for _, tc := range []struct {
		name       string
		interleave func(t *testing.T, tp *testPair)
	}{
		{"down and up", func(t *testing.T, tp *testPair) {
			if err := tp.b.dev.Down(); err != nil {
				t.Error(err)
			}
			if err := tp.b.dev.Up(); err != nil {
				t.Error(err)
			}
		}},
		{"private key change", func(t *testing.T, tp *testPair) {
			err := tp.b.dev.Configure(func(tx *ConfigTx) error {
				tx.SetPrivateKey(newKey(t))
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := newPair(t)
			cb := watch(tp.b)
			var fired atomic.Int32
			tp.b.dev.hooks.Store(&testHooks{createdResponse: func(*peer) {
				if fired.Add(1) == 1 {
					tc.interleave(t, tp)
				}
			}})
			if err := tp.a.tun.Inject(packet(tp.a, tp.b, false, "a first")); err != nil {
				t.Fatal(err)
			}
			eventually(t, "b's response made", func() bool { return fired.Load() > 0 })
			tp.quiesce(t)
			tp.b.dev.hooks.Store(nil)
			expectPromptInitiation(t, tp, cb, "the interleaving")
		})
	}
}

// TestResponseKeypairExpiresWithKeyChange pins that a change of private
// key while a response's keypair is being installed leaves that keypair
// unable to send, as it does every session of the old identity. In
// FreeBSD noise_create_response adds the keypair (noise_begin_session)
// under r_handshake_lock, and noise_local_private, through
// noise_remote_expire_current (sys/dev/wg/wg_noise.c), takes that lock
// to clear the handshake before it marks the sessions:
//
//	noise_remote_handshake_clear(r);
//	...
//	if (kp != NULL)
//		atomic_store_bool(&kp->kp_can_send, false);
//
// so the keypair is either added before and marked, or never added. The
// hook changes b's key in the middle of installing b's responder
// keypair: at once if the installation does not exclude it, else as
// soon as the installation lets it run.
func TestResponseKeypairExpiresWithKeyChange(t *testing.T) {
	tp := newPair(t)
	var fired atomic.Int32
	changed := make(chan struct{})
	changeKey := func() {
		defer close(changed)
		err := tp.b.dev.Configure(func(tx *ConfigTx) error {
			tx.SetPrivateKey(newKey(t))
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}
	tp.b.dev.hooks.Store(&testHooks{installKeypair: func(p *peer) {
		if fired.Add(1) != 1 {
			return
		}
		if p.initiation.TryLock() {
			p.initiation.Unlock()
			changeKey()
		} else {
			go changeKey()
		}
	}})
	if err := tp.a.tun.Inject(packet(tp.a, tp.b, false, "a first")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b's keypair installed", func() bool { return fired.Load() > 0 })
	select {
	case <-changed:
	case <-timeoutChan():
		t.Fatal("timed out waiting for the key change")
	}
	tp.quiesce(t)
	tp.b.dev.hooks.Store(nil)
	for kp := range heldKeypairs(tp.b.peer(tp.a)) {
		if !kp.cannotSend.Load() {
			t.Fatalf("b holds keypair %#x of its old identity, still allowed to send", kp.LocalIndex())
		}
	}
}

// TestInitiationStampFollowsDown pins that an initiation under way when
// the device goes down does not stamp its time after Down has reset it:
// the first initiation after the next Up would be held back for up to
// REKEY_TIMEOUT. wg_down (sys/dev/wg/if_wg.c) clears the handshake with
//
//	noise_remote_handshake_clear(peer->p_remote);
//
// which sets "r->r_last_sent = TIMER_RESET;" under r_handshake_lock, the
// lock noise_create_initiation stamps under. The hook takes b down as
// b's first initiation is about to be stamped.
func TestInitiationStampFollowsDown(t *testing.T) {
	tp := newPair(t)
	cb := watch(tp.b)
	var fired atomic.Int32
	tp.b.dev.hooks.Store(&testHooks{initiating: func(*peer) {
		if fired.Add(1) == 1 {
			if err := tp.b.dev.Down(); err != nil {
				t.Error(err)
			}
		}
	}})
	if err := tp.b.tun.Inject(packet(tp.b, tp.a, false, "b first")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b's first initiation", func() bool { return fired.Load() > 0 })
	tp.quiesce(t)
	tp.b.dev.hooks.Store(nil)
	if err := tp.b.dev.Up(); err != nil {
		t.Fatal(err)
	}
	expectPromptInitiation(t, tp, cb, "Up")
}

// expectPromptInitiation checks that b, whose datagrams cb captures,
// sends exactly one initiation, at once, for a packet to a: nothing holds
// its first handshake back after what the test did.
func expectPromptInitiation(t *testing.T, tp *testPair, cb *capture, after string) {
	t.Helper()
	before := cb.count(noise.MessageInitiationType)
	if err := tp.b.tun.Inject(packet(tp.b, tp.a, false, "b after "+after)); err != nil {
		t.Fatal(err)
	}
	tp.quiesce(t)
	if n := cb.count(noise.MessageInitiationType) - before; n != 1 {
		t.Fatalf("b sent %d initiations for its first packet after %s, want 1", n, after)
	}
}
