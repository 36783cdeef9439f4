// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestHandshakeCompletes(t *testing.T) {
	psk := PresharedKey{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}
	for _, tc := range []struct {
		name string
		psk  PresharedKey
	}{{"without psk", PresharedKey{}}, {"with psk", psk}} {
		t.Run(tc.name, func(t *testing.T) {
			ini, resp := newPair(t, tc.psk, tc.psk)
			kpI, kpR := handshake(t, ini, resp)

			if !kpI.IsInitiator() || kpR.IsInitiator() {
				t.Fatalf("roles: initiator %v, responder %v", kpI.IsInitiator(), kpR.IsInitiator())
			}
			if kpI.LocalIndex() != 101 || kpI.RemoteIndex() != 202 ||
				kpR.LocalIndex() != 202 || kpR.RemoteIndex() != 101 {
				t.Fatalf("indices: initiator %d/%d, responder %d/%d",
					kpI.LocalIndex(), kpI.RemoteIndex(), kpR.LocalIndex(), kpR.RemoteIndex())
			}
			if !kpI.Created().Equal(ini.clock.Now()) || !kpR.Created().Equal(resp.clock.Now()) {
				t.Fatal("keypair creation times do not come from the injected clocks")
			}
			for _, h := range []*Handshake{ini.peer, resp.peer} {
				if st := h.State(); st != HandshakeZeroed {
					t.Fatalf("state after handshake = %v", st)
				}
			}
			exchange(t, kpI, kpR)
			exchange(t, kpR, kpI)
		})
	}
}

// exchange seals several packets with from and opens them with to.
func exchange(t *testing.T, from, to *Keypair) {
	t.Helper()
	for i, size := range []int{0, 1, 16, 100, 1420} {
		pt := bytes.Repeat([]byte{byte(i + 1)}, size)
		msg := sealCopy(t, from, pt)
		if len(msg) != MessageTransportSize+size {
			t.Fatalf("sealed length %d, want %d", len(msg), MessageTransportSize+size)
		}
		got, ctr, err := to.Open(msg)
		if err != nil {
			t.Fatalf("Open(%d bytes): %v", size, err)
		}
		if ctr != uint64(i) {
			t.Fatalf("counter %d, want %d", ctr, i)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("plaintext mismatch for %d bytes", size)
		}
	}
}

func TestKeypairsMatch(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	kpI, kpR := handshake(t, ini, resp)
	// The initiator's sending key is the responder's receiving key: a
	// packet sealed by one side cannot be opened by the same side.
	msg := sealCopy(t, kpI, []byte("hello"))
	own := bytes.Clone(msg)
	binaryPutReceiver(own, kpI.LocalIndex())
	if _, _, err := kpI.Open(own); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("opening own packet: %v, want ErrAuthentication", err)
	}
	if _, _, err := kpR.Open(msg); err != nil {
		t.Fatalf("responder cannot open: %v", err)
	}
}

func binaryPutReceiver(msg []byte, idx uint32) {
	msg[4], msg[5], msg[6], msg[7] = byte(idx), byte(idx>>8), byte(idx>>16), byte(idx>>24)
}

func TestWrongPresharedKey(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{1}, PresharedKey{2})
	init, err := ini.peer.CreateInitiation(1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := resp.id.ConsumeInitiation(init, resp.lookup)
	if err != nil {
		t.Fatalf("ConsumeInitiation: %v (the psk only enters with the response)", err)
	}
	rmsg, _, err := h.CreateResponse(2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ini.peer.ConsumeResponse(rmsg); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("ConsumeResponse with wrong psk: %v, want ErrAuthentication", err)
	}
	if ini.peer.State() != HandshakeInitiationCreated {
		t.Fatal("failed response changed the initiator's state")
	}
}

func TestPresharedKeyOnOneSideOnly(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{9})
	if _, err := ini.peer.ConsumeResponse(respond(t, ini, resp)); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("got %v, want ErrAuthentication", err)
	}
}

func TestUnknownPeer(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	init, _ := ini.peer.CreateInitiation(1)
	none := func(PublicKey) *Handshake { return nil }
	if _, err := resp.id.ConsumeInitiation(init, none); !errors.Is(err, ErrUnknownPeer) {
		t.Fatalf("got %v, want ErrUnknownPeer", err)
	}
	// The lookup receives the initiator's decrypted static key.
	var seen PublicKey
	spy := func(pk PublicKey) *Handshake { seen = pk; return nil }
	_, _ = resp.id.ConsumeInitiation(init, spy)
	if seen != ini.id.PublicKey() {
		t.Fatal("lookup did not receive the initiator's static public key")
	}
}

func TestInitiationToWrongResponder(t *testing.T) {
	ini, _ := newPair(t, PresharedKey{}, PresharedKey{})
	other := mustIdentity(t)
	init, _ := ini.peer.CreateInitiation(1)
	called := false
	lookup := func(PublicKey) *Handshake { called = true; return nil }
	if _, err := other.ConsumeInitiation(init, lookup); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("got %v, want ErrAuthentication", err)
	}
	if called {
		t.Fatal("lookup called although the static key did not decrypt")
	}
}

func TestPeerBoundToOtherIdentity(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	init, _ := ini.peer.CreateInitiation(1)
	resp.peer.SetStaticIdentity(mustIdentity(t))
	if _, err := resp.id.ConsumeInitiation(init, resp.lookup); !errors.Is(err, ErrUnknownPeer) {
		t.Fatalf("got %v, want ErrUnknownPeer", err)
	}
}

func TestReplayedInitiation(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	first, _ := ini.peer.CreateInitiation(1)
	ini.clock.Advance(time.Second)
	second, _ := ini.peer.CreateInitiation(2)

	if _, err := resp.id.ConsumeInitiation(second, resp.lookup); err != nil {
		t.Fatal(err)
	}
	resp.clock.Advance(time.Second) // rule out the flood guard
	if _, err := resp.id.ConsumeInitiation(second, resp.lookup); !errors.Is(err, ErrReplay) {
		t.Fatalf("same initiation again: %v, want ErrReplay", err)
	}
	if _, err := resp.id.ConsumeInitiation(first, resp.lookup); !errors.Is(err, ErrReplay) {
		t.Fatalf("older initiation: %v, want ErrReplay", err)
	}
	// The rejected replays did not disturb the accepted handshake.
	if resp.peer.State() != HandshakeInitiationConsumed {
		t.Fatalf("state %v after replays", resp.peer.State())
	}
	// Timestamps within the whitening granule are equal, hence replays.
	ini.clock.Advance(time.Millisecond)
	third, _ := ini.peer.CreateInitiation(3)
	if _, err := resp.id.ConsumeInitiation(third, resp.lookup); !errors.Is(err, ErrReplay) {
		t.Fatalf("initiation within 2^24 ns: %v, want ErrReplay", err)
	}
}

func TestReplayStateSurvivesClear(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	init, _ := ini.peer.CreateInitiation(1)
	if _, err := resp.id.ConsumeInitiation(init, resp.lookup); err != nil {
		t.Fatal(err)
	}
	resp.peer.Clear()
	resp.peer.SetStaticIdentity(resp.id)
	resp.clock.Advance(time.Minute)
	if _, err := resp.id.ConsumeInitiation(init, resp.lookup); !errors.Is(err, ErrReplay) {
		t.Fatalf("got %v, want ErrReplay", err)
	}
}

func TestInitiationFlood(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	first, _ := ini.peer.CreateInitiation(1)
	if _, err := resp.id.ConsumeInitiation(first, resp.lookup); err != nil {
		t.Fatal(err)
	}
	// The initiator's clock moves on so its timestamp is newer; the
	// responder's clock shows the initiation arriving too soon.
	ini.clock.Advance(time.Second)
	second, _ := ini.peer.CreateInitiation(2)
	resp.clock.Advance(HandshakeInitiationRate - time.Nanosecond)
	if _, err := resp.id.ConsumeInitiation(second, resp.lookup); !errors.Is(err, ErrFlood) {
		t.Fatalf("after %v: %v, want ErrFlood", HandshakeInitiationRate-time.Nanosecond, err)
	}
	resp.clock.Advance(time.Nanosecond)
	if _, err := resp.id.ConsumeInitiation(second, resp.lookup); err != nil {
		t.Fatalf("after exactly %v: %v", HandshakeInitiationRate, err)
	}
	if got := resp.peer.LastInitiationConsumed(); !got.Equal(resp.clock.Now()) {
		t.Fatalf("LastInitiationConsumed = %v, want %v", got, resp.clock.Now())
	}
}

func TestHandshakeStateErrors(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	if _, _, err := resp.peer.CreateResponse(1); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("CreateResponse without initiation: %v", err)
	}
	if _, err := ini.peer.ConsumeResponse(&MessageResponse{}); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("ConsumeResponse without initiation: %v", err)
	}
	init, _ := ini.peer.CreateInitiation(7)
	h, _ := resp.id.ConsumeInitiation(init, resp.lookup)
	rmsg, _, _ := h.CreateResponse(8)

	wrong := *rmsg
	wrong.Receiver = 6
	if _, err := ini.peer.ConsumeResponse(&wrong); !errors.Is(err, ErrIndexMismatch) {
		t.Fatalf("wrong receiver: %v, want ErrIndexMismatch", err)
	}
	if _, err := ini.peer.ConsumeResponse(rmsg); err != nil {
		t.Fatal(err)
	}
	if _, err := ini.peer.ConsumeResponse(rmsg); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("second ConsumeResponse: %v, want ErrInvalidState", err)
	}
	if _, _, err := h.CreateResponse(8); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("second CreateResponse: %v, want ErrInvalidState", err)
	}
}

func TestNewInitiationAbandonsPrevious(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	old, _ := ini.peer.CreateInitiation(1)
	h, _ := resp.id.ConsumeInitiation(old, resp.lookup)
	rmsg, _, _ := h.CreateResponse(2)
	ini.clock.Advance(5 * time.Second)
	if _, err := ini.peer.CreateInitiation(1); err != nil {
		t.Fatal(err)
	}
	// Same receiver index, but the ephemeral key changed.
	if _, err := ini.peer.ConsumeResponse(rmsg); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("response to abandoned initiation: %v, want ErrAuthentication", err)
	}
	if ini.peer.LocalIndex() != 1 {
		t.Fatal("local index lost")
	}
}

func TestNoIdentity(t *testing.T) {
	remote := mustIdentity(t)
	h := NewHandshake(nil, remote.PublicKey(), PresharedKey{}, nil)
	if _, err := h.CreateInitiation(1); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("got %v, want ErrNoIdentity", err)
	}
	if _, err := NewStaticIdentity(PrivateKey{}); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("zero private key: %v, want ErrNoIdentity", err)
	}
}

func TestLowOrderKeys(t *testing.T) {
	id := mustIdentity(t)
	// The all-zero point and the point of order 1 (u = 1) give zero
	// shared secrets.
	for _, bad := range []PublicKey{{}, {1}} {
		h := NewHandshake(id, bad, PresharedKey{}, nil)
		if _, err := h.CreateInitiation(1); !errors.Is(err, ErrLowOrderPoint) {
			t.Fatalf("remote static %x: %v, want ErrLowOrderPoint", bad[:1], err)
		}
	}
	// A low-order ephemeral in an initiation is rejected before any lookup.
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	init, _ := ini.peer.CreateInitiation(1)
	init.Ephemeral = PublicKey{}
	if _, err := resp.id.ConsumeInitiation(init, resp.lookup); !errors.Is(err, ErrLowOrderPoint) {
		t.Fatalf("low-order ephemeral: %v, want ErrLowOrderPoint", err)
	}
	// And in a response.
	rmsg := respond(t, ini, resp)
	rmsg.Ephemeral = PublicKey{1}
	if _, err := ini.peer.ConsumeResponse(rmsg); !errors.Is(err, ErrLowOrderPoint) {
		t.Fatalf("low-order response ephemeral: %v, want ErrLowOrderPoint", err)
	}
}

func TestChangeIdentity(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	newID := mustIdentity(t)
	resp.id = newID
	resp.peer.SetStaticIdentity(newID)
	// The initiator still targets the old key: its static does not decrypt.
	init, _ := ini.peer.CreateInitiation(1)
	if _, err := resp.id.ConsumeInitiation(init, resp.lookup); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("got %v, want ErrAuthentication", err)
	}
	// Once the initiator knows the new key, handshakes complete.
	ini.peer = NewHandshake(ini.id, newID.PublicKey(), PresharedKey{}, ini.clock.Now)
	ini.clock.Advance(time.Second)
	kpI, kpR := handshake(t, ini, resp)
	exchange(t, kpI, kpR)
}

func TestSecretsZeroedAfterHandshake(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{7}, PresharedKey{7})
	init, _ := ini.peer.CreateInitiation(1)
	if isZero(ini.peer.chainKey[:]) || ini.peer.localEphemeral.IsZero() {
		t.Fatal("initiation state not recorded")
	}
	h, _ := resp.id.ConsumeInitiation(init, resp.lookup)
	rmsg, _, _ := h.CreateResponse(2)
	if _, err := ini.peer.ConsumeResponse(rmsg); err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]*Handshake{"initiator": ini.peer, "responder": resp.peer} {
		if !isZero(h.chainKey[:]) || !isZero(h.hash[:]) || !h.localEphemeral.IsZero() || !h.remoteEphemeral.IsZero() {
			t.Errorf("%s: handshake secrets not zeroed", name)
		}
		if h.localIndex != 0 || h.remoteIndex != 0 {
			t.Errorf("%s: indices not cleared", name)
		}
	}
}

func TestTamperedInitiationFields(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	init, _ := ini.peer.CreateInitiation(1)
	// Every bit of type, reserved, ephemeral, static and timestamp matters
	// here; the sender index and the MACs are covered by mac1/mac2 (see
	// package cookie).
	var m MessageInitiation
	checkTampered(t, "initiation", marshal(t, init), m.UnmarshalBinary, func() error {
		_, err := resp.id.ConsumeInitiation(&m, resp.lookup)
		return err
	})
	// All those failures left no trace: the genuine message is accepted.
	if _, err := resp.id.ConsumeInitiation(init, resp.lookup); err != nil {
		t.Fatalf("genuine initiation after tampering: %v", err)
	}
}

func TestTamperedResponseFields(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{3}, PresharedKey{3})
	rmsg := respond(t, ini, resp)
	var m MessageResponse
	checkTampered(t, "response", marshal(t, rmsg), m.UnmarshalBinary, func() error {
		_, err := ini.peer.ConsumeResponse(&m)
		return err
	})
	if _, err := ini.peer.ConsumeResponse(rmsg); err != nil {
		t.Fatalf("genuine response after tampering: %v", err)
	}
}

// checkTampered flips the lowest and the highest bit of each byte of the
// handshake message wire but the sender index and the two MACs, and
// requires each copy to be refused: by unmarshal (with ErrInvalidMessage),
// or else by consume, which consumes what unmarshal decoded.
func checkTampered(t *testing.T, what string, wire []byte, unmarshal func(b []byte) error, consume func() error) {
	t.Helper()
	for i := 0; i < len(wire)-2*MACSize; i++ {
		if i >= senderStart && i < senderEnd {
			continue
		}
		for _, bit := range []byte{0x01, 0x80} {
			b := bytes.Clone(wire)
			b[i] ^= bit
			if err := unmarshal(b); err != nil {
				if !errors.Is(err, ErrInvalidMessage) {
					t.Fatalf("byte %d: unmarshal error %v", i, err)
				}
				continue
			}
			if err := consume(); err == nil {
				t.Fatalf("byte %d bit %#x: tampered %s accepted", i, bit, what)
			}
		}
	}
}
