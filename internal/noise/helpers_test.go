// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/internal/device/clock"
)

// newFakeClock returns a clock that moves only when a test advances it,
// so that no test here depends on real time passing.
func newFakeClock() *clock.Fake {
	return clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
}

// side is one end of a test tunnel: an identity, its clock and the
// handshake it holds for the other end.
type side struct {
	id    *StaticIdentity
	clock *clock.Fake
	peer  *Handshake
}

// lookup is the PeerLookup of a side with a single peer.
func (s *side) lookup(pk PublicKey) *Handshake {
	if s.peer != nil && pk == s.peer.RemoteStatic() {
		return s.peer
	}
	return nil
}

func mustIdentity(tb testing.TB) *StaticIdentity {
	tb.Helper()
	k, err := NewPrivateKey()
	if err != nil {
		tb.Fatal(err)
	}
	id, err := NewStaticIdentity(k)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// newPair returns an initiator and a responder configured as each other's
// peer, each with its own clock, with the given preshared keys.
func newPair(tb testing.TB, pskI, pskR PresharedKey) (ini, resp *side) {
	tb.Helper()
	ini = &side{id: mustIdentity(tb), clock: newFakeClock()}
	resp = &side{id: mustIdentity(tb), clock: newFakeClock()}
	ini.peer = NewHandshake(ini.id, resp.id.PublicKey(), pskI, ini.clock.Now)
	resp.peer = NewHandshake(resp.id, ini.id.PublicKey(), pskR, resp.clock.Now)
	return ini, resp
}

// handshake runs a complete handshake from ini to resp through the wire
// forms of both messages and returns both keypairs.
func handshake(tb testing.TB, ini, resp *side) (kpI, kpR *Keypair) {
	tb.Helper()
	init, err := ini.peer.CreateInitiation(101)
	if err != nil {
		tb.Fatalf("CreateInitiation: %v", err)
	}
	var gotInit MessageInitiation
	if err := gotInit.UnmarshalBinary(marshal(tb, init)); err != nil {
		tb.Fatalf("unmarshal initiation: %v", err)
	}
	h, err := resp.id.ConsumeInitiation(&gotInit, resp.lookup)
	if err != nil {
		tb.Fatalf("ConsumeInitiation: %v", err)
	}
	if h != resp.peer {
		tb.Fatal("ConsumeInitiation returned the wrong handshake")
	}
	rmsg, kpR, err := h.CreateResponse(202)
	if err != nil {
		tb.Fatalf("CreateResponse: %v", err)
	}
	var gotResp MessageResponse
	if err := gotResp.UnmarshalBinary(marshal(tb, rmsg)); err != nil {
		tb.Fatalf("unmarshal response: %v", err)
	}
	kpI, err = ini.peer.ConsumeResponse(&gotResp)
	if err != nil {
		tb.Fatalf("ConsumeResponse: %v", err)
	}
	return kpI, kpR
}

// respond has ini send an initiation (sender index 1) that resp consumes
// and answers (sender index 2), and returns the response, not yet
// consumed.
func respond(tb testing.TB, ini, resp *side) *MessageResponse {
	tb.Helper()
	init, err := ini.peer.CreateInitiation(1)
	if err != nil {
		tb.Fatal(err)
	}
	h, err := resp.id.ConsumeInitiation(init, resp.lookup)
	if err != nil {
		tb.Fatal(err)
	}
	rmsg, _, err := h.CreateResponse(2)
	if err != nil {
		tb.Fatal(err)
	}
	return rmsg
}

// binaryMarshaler is implemented by all message types.
type binaryMarshaler interface {
	MarshalBinary() ([]byte, error)
}

func marshal(tb testing.TB, m binaryMarshaler) []byte {
	tb.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// sealCopy seals plaintext with kp into a fresh buffer with headroom and
// tailroom and returns the datagram.
func sealCopy(tb testing.TB, kp *Keypair, plaintext []byte) []byte {
	tb.Helper()
	buf := make([]byte, MessageTransportHeaderSize+len(plaintext), MessageTransportHeaderSize+len(plaintext)+TagSize)
	copy(buf[MessageTransportHeaderSize:], plaintext)
	ctr, err := kp.NextCounter()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := kp.Seal(buf, ctr)
	if err != nil {
		tb.Fatalf("Seal: %v", err)
	}
	return out
}
