// SPDX-License-Identifier: BSD-2-Clause

package cookie

import (
	"bytes"
	"encoding"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/internal/device/clock"
	"github.com/wgbsd/wgbsd/internal/noise"
)

// peerEnd is one side of a handshake as an engine would hold it: identity,
// Checker for its own key, and for the other side a Handshake and a
// Generator.
type peerEnd struct {
	id    *noise.StaticIdentity
	clock *clock.Fake
	chk   *Checker
	hs    *noise.Handshake
	gen   *Generator
}

func (p *peerEnd) lookup(pk noise.PublicKey) *noise.Handshake {
	if pk == p.hs.RemoteStatic() {
		return p.hs
	}
	return nil
}

func newEnds(t *testing.T) (ini, resp *peerEnd) {
	t.Helper()
	ini = &peerEnd{id: identity(t), clock: newFakeClock()}
	resp = &peerEnd{id: identity(t), clock: newFakeClock()}
	for _, p := range []struct{ self, other *peerEnd }{{ini, resp}, {resp, ini}} {
		p.self.chk = NewChecker(p.self.id.PublicKey(), p.self.clock.Now)
		p.self.hs = noise.NewHandshake(p.self.id, p.other.id.PublicKey(), noise.PresharedKey{}, p.self.clock.Now)
		p.self.gen = NewGenerator(p.other.id.PublicKey(), p.self.clock.Now)
	}
	return ini, resp
}

// receiveInitiation is the responder's path for a received datagram.
func (p *peerEnd) receiveInitiation(b []byte, underLoad bool) error {
	return receive(p, b, srcA, underLoad, func(m *noise.MessageInitiation) error {
		_, err := p.id.ConsumeInitiation(m, p.lookup)
		return err
	})
}

// receiveResponse is the initiator's path for a received response.
func (p *peerEnd) receiveResponse(b []byte, underLoad bool) error {
	return receive(p, b, srcC, underLoad, func(m *noise.MessageResponse) error {
		_, err := p.hs.ConsumeResponse(m)
		return err
	})
}

// receive takes a handshake datagram from src the way an engine does:
// the type check, p's Checker, decoding into a message of the type
// consume takes, and consume.
func receive[M any, P interface {
	*M
	UnmarshalBinary([]byte) error
}](p *peerEnd, b []byte, src netip.AddrPort, underLoad bool, consume func(P) error) error {
	if _, err := noise.ParseMessageType(b); err != nil {
		return err
	}
	if err := p.chk.Check(b, src, underLoad); err != nil {
		return err
	}
	m := P(new(M))
	if err := m.UnmarshalBinary(b); err != nil {
		return err
	}
	return consume(m)
}

// giveCookie hands gen a cookie from chk for src, as after a cookie reply.
func giveCookie(t *testing.T, gen *Generator, chk *Checker, wire []byte, src netip.AddrPort) {
	t.Helper()
	msg := bytes.Clone(wire)
	if err := gen.AddMACs(msg); err != nil {
		t.Fatal(err)
	}
	reply, err := chk.CreateReply(msg, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.ConsumeReply(reply); err != nil {
		t.Fatal(err)
	}
}

// TestEveryByteOfHandshakeMessages flips each bit position of marshalled
// initiations and responses, passed through MAC checking and consumption as
// an engine does, and requires rejection every time. With a cookie held and
// the receiver under load, mac2 is checked too, so no byte is unprotected;
// without load, every byte up to mac2 still is.
func TestEveryByteOfHandshakeMessages(t *testing.T) {
	for _, underLoad := range []bool{false, true} {
		ini, resp := newEnds(t)
		init, err := ini.hs.CreateInitiation(101)
		if err != nil {
			t.Fatal(err)
		}
		wire := withMACs(t, ini.gen, resp.chk, init, srcA)
		checkEveryByte(t, "initiation", wire, underLoad, resp.receiveInitiation)

		rmsg, _, err := resp.hs.CreateResponse(202)
		if err != nil {
			t.Fatal(err)
		}
		rwire := withMACs(t, resp.gen, ini.chk, rmsg, srcC)
		checkEveryByte(t, "response", rwire, underLoad, ini.receiveResponse)
	}
}

// withMACs returns the wire form of msg with its MACs stamped by gen,
// after gen got a cookie for src from chk: mac2 is set.
func withMACs(t *testing.T, gen *Generator, chk *Checker, msg encoding.BinaryMarshaler, src netip.AddrPort) []byte {
	t.Helper()
	wire, err := msg.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	giveCookie(t, gen, chk, wire, src)
	if err := gen.AddMACs(wire); err != nil {
		t.Fatal(err)
	}
	return wire
}

// checkEveryByte flips the lowest and the highest bit of each byte of the
// handshake message wire, but for mac2 when not under load, and requires
// receive to reject every such copy and to accept wire itself.
func checkEveryByte(t *testing.T, what string, wire []byte, underLoad bool, receive func(b []byte, underLoad bool) error) {
	t.Helper()
	checked := len(wire)
	if !underLoad {
		checked -= noise.MACSize
	}
	for i := 0; i < checked; i++ {
		for _, bit := range []byte{0x01, 0x80} {
			b := bytes.Clone(wire)
			b[i] ^= bit
			if err := receive(b, underLoad); err == nil {
				t.Fatalf("under load %v: %s byte %d bit %#x accepted", underLoad, what, i, bit)
			}
		}
	}
	if err := receive(wire, underLoad); err != nil {
		t.Fatalf("under load %v: genuine %s: %v", underLoad, what, err)
	}
}

// TestHandshakeUnderLoad walks the cookie exchange: a responder under load
// answers an initiation without mac2 with a cookie reply, the initiator
// retries with mac2, and the handshake completes.
func TestHandshakeUnderLoad(t *testing.T) {
	ini, resp := newEnds(t)

	init, _ := ini.hs.CreateInitiation(101)
	wire, _ := init.MarshalBinary()
	_ = ini.gen.AddMACs(wire)
	err := resp.receiveInitiation(wire, true)
	if !errors.Is(err, ErrInvalidMAC2) {
		t.Fatalf("first initiation under load: %v, want ErrInvalidMAC2", err)
	}
	reply, err := resp.chk.CreateReply(wire, srcA)
	if err != nil {
		t.Fatal(err)
	}
	rwire, _ := reply.MarshalBinary()
	var got noise.MessageCookieReply
	if err := got.UnmarshalBinary(rwire); err != nil {
		t.Fatal(err)
	}
	if err := ini.gen.ConsumeReply(&got); err != nil {
		t.Fatal(err)
	}

	// The retry is a new initiation (new timestamp), now with mac2.
	ini.clock.Advance(5 * time.Second)
	resp.clock.Advance(5 * time.Second)
	init, _ = ini.hs.CreateInitiation(101)
	wire, _ = init.MarshalBinary()
	_ = ini.gen.AddMACs(wire)
	if err := resp.receiveInitiation(wire, true); err != nil {
		t.Fatalf("retry with cookie: %v", err)
	}
	rmsg, kpR, err := resp.hs.CreateResponse(202)
	if err != nil {
		t.Fatal(err)
	}
	rw, _ := rmsg.MarshalBinary()
	_ = resp.gen.AddMACs(rw)
	if err := ini.chk.CheckMAC1(rw); err != nil {
		t.Fatal(err)
	}
	var m noise.MessageResponse
	_ = m.UnmarshalBinary(rw)
	kpI, err := ini.hs.ConsumeResponse(&m)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, noise.MessageTransportHeaderSize+4, 64)
	copy(buf[noise.MessageTransportHeaderSize:], "ping")
	ctr, _ := kpI.NextCounter()
	sealed, err := kpI.Seal(buf, ctr)
	if err != nil {
		t.Fatal(err)
	}
	if pt, _, err := kpR.Open(sealed); err != nil || string(pt) != "ping" {
		t.Fatalf("data after handshake under load: %q, %v", pt, err)
	}
}
