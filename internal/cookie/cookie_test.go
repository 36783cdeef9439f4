// SPDX-License-Identifier: BSD-2-Clause

package cookie

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/blake2s"

	"github.com/wgbsd/wgbsd/internal/device/clock"
	"github.com/wgbsd/wgbsd/internal/noise"
)

// newFakeClock returns a clock that moves only when a test advances it,
// so that no test here depends on real time passing.
func newFakeClock() *clock.Fake {
	return clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
}

var (
	srcA = netip.MustParseAddrPort("192.0.2.1:51820")
	srcB = netip.MustParseAddrPort("192.0.2.1:51821")
	srcC = netip.MustParseAddrPort("[2001:db8::1]:51820")
)

func identity(tb testing.TB) *noise.StaticIdentity {
	tb.Helper()
	k, err := noise.NewPrivateKey()
	if err != nil {
		tb.Fatal(err)
	}
	id, err := noise.NewStaticIdentity(k)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// initiation returns a marshalled initiation from sender index idx with
// zero MACs; its content is irrelevant to the MACs' validity.
func initiation(tb testing.TB, idx uint32) []byte {
	tb.Helper()
	m := &noise.MessageInitiation{Sender: idx}
	for i := range m.Static {
		m.Static[i] = byte(i)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// setup is a responder's Checker and an initiator's Generator for it,
// sharing one fake clock.
type setup struct {
	clock *clock.Fake
	chk   *Checker
	gen   *Generator
	resp  *noise.StaticIdentity
}

func newSetup(tb testing.TB) *setup {
	tb.Helper()
	s := &setup{clock: newFakeClock(), resp: identity(tb)}
	s.chk = NewChecker(s.resp.PublicKey(), s.clock.Now)
	s.gen = NewGenerator(s.resp.PublicKey(), s.clock.Now)
	return s
}

// stamped returns an initiation from sender index sender with the MACs
// the generator adds.
func (s *setup) stamped(tb testing.TB, sender uint32) []byte {
	tb.Helper()
	msg := initiation(tb, sender)
	if err := s.gen.AddMACs(msg); err != nil {
		tb.Fatal(err)
	}
	return msg
}

// replyTo adds the MACs to msg and has the checker answer it from src
// with a cookie reply.
func (s *setup) replyTo(tb testing.TB, msg []byte, src netip.AddrPort) *noise.MessageCookieReply {
	tb.Helper()
	if err := s.gen.AddMACs(msg); err != nil {
		tb.Fatal(err)
	}
	reply, err := s.chk.CreateReply(msg, src)
	if err != nil {
		tb.Fatal(err)
	}
	return reply
}

// obtainCookie runs the cookie exchange: a message goes out, the checker
// replies, the generator consumes the reply.
func (s *setup) obtainCookie(tb testing.TB, src netip.AddrPort) {
	tb.Helper()
	reply := s.replyTo(tb, initiation(tb, 77), src)
	if reply.Receiver != 77 {
		tb.Fatalf("reply receiver %d, want the sender index 77", reply.Receiver)
	}
	if err := s.gen.ConsumeReply(reply); err != nil {
		tb.Fatalf("ConsumeReply: %v", err)
	}
}

func TestMAC1KnownConstruction(t *testing.T) {
	s := newSetup(t)
	msg := s.stamped(t, 1)
	// Recompute mac1 from the primitives: keyed BLAKE2s-128 under
	// BLAKE2s-256("mac1----" || responder public key) over msg[:116].
	pub := s.resp.PublicKey()
	key := blake2s.Sum256(append([]byte("mac1----"), pub[:]...))
	h, _ := blake2s.New128(key[:])
	h.Write(msg[:116])
	if want := h.Sum(nil); !bytes.Equal(msg[116:132], want) {
		t.Fatalf("mac1 %x, want %x", msg[116:132], want)
	}
	if !bytes.Equal(msg[132:], make([]byte, 16)) {
		t.Fatal("mac2 not zero without a cookie")
	}
	if err := s.chk.CheckMAC1(msg); err != nil {
		t.Fatal(err)
	}
}

func TestMAC1Invalid(t *testing.T) {
	s := newSetup(t)
	msg := initiation(t, 1)
	if err := s.chk.CheckMAC1(msg); !errors.Is(err, ErrInvalidMAC1) {
		t.Fatalf("zero mac1: %v", err)
	}
	// A MAC for another responder is invalid here.
	other := NewGenerator(identity(t).PublicKey(), s.clock.Now)
	_ = other.AddMACs(msg)
	if err := s.chk.CheckMAC1(msg); !errors.Is(err, ErrInvalidMAC1) {
		t.Fatalf("mac1 for another key: %v", err)
	}
	_ = s.gen.AddMACs(msg)
	msg[10] ^= 1
	if err := s.chk.CheckMAC1(msg); !errors.Is(err, ErrInvalidMAC1) {
		t.Fatalf("modified body: %v", err)
	}
}

func TestNotHandshake(t *testing.T) {
	s := newSetup(t)
	cr, _ := (&noise.MessageCookieReply{}).MarshalBinary()
	for _, msg := range [][]byte{nil, make([]byte, 148), initiation(t, 1)[:147], cr} {
		if err := s.chk.CheckMAC1(msg); !errors.Is(err, ErrNotHandshake) {
			t.Errorf("CheckMAC1(%d bytes): %v", len(msg), err)
		}
		if err := s.chk.CheckMAC2(msg, srcA); !errors.Is(err, ErrNotHandshake) {
			t.Errorf("CheckMAC2(%d bytes): %v", len(msg), err)
		}
		if err := s.gen.AddMACs(msg); !errors.Is(err, ErrNotHandshake) {
			t.Errorf("AddMACs(%d bytes): %v", len(msg), err)
		}
		if _, err := s.chk.CreateReply(msg, srcA); !errors.Is(err, ErrNotHandshake) {
			t.Errorf("CreateReply(%d bytes): %v", len(msg), err)
		}
	}
}

func TestUnderLoadRequiresMAC2(t *testing.T) {
	s := newSetup(t)
	msg := s.stamped(t, 1)
	if err := s.chk.Check(msg, srcA, false); err != nil {
		t.Fatalf("not under load: %v", err)
	}
	if err := s.chk.Check(msg, srcA, true); !errors.Is(err, ErrInvalidMAC2) {
		t.Fatalf("under load without cookie: %v, want ErrInvalidMAC2", err)
	}

	s.obtainCookie(t, srcA)
	msg = s.stamped(t, 2)
	if bytes.Equal(msg[132:], make([]byte, 16)) {
		t.Fatal("generator holding a cookie sent no mac2")
	}
	if err := s.chk.Check(msg, srcA, true); err != nil {
		t.Fatalf("under load with cookie: %v", err)
	}
	// The cookie is bound to address and port.
	for _, src := range []netip.AddrPort{srcB, srcC} {
		if err := s.chk.Check(msg, src, true); !errors.Is(err, ErrInvalidMAC2) {
			t.Fatalf("cookie of %v used from %v: %v", srcA, src, err)
		}
	}
	// A wrong mac2 alone is ErrInvalidMAC2; with mac1 also wrong, mac1 is
	// reported, since it is checked first.
	msg[140] ^= 1
	if err := s.chk.Check(msg, srcA, true); !errors.Is(err, ErrInvalidMAC2) {
		t.Fatalf("bad mac2: %v", err)
	}
	msg[120] ^= 1
	if err := s.chk.Check(msg, srcA, true); !errors.Is(err, ErrInvalidMAC1) {
		t.Fatalf("bad mac1 and mac2: %v", err)
	}
}

func TestMappedAddressSameCookie(t *testing.T) {
	s := newSetup(t)
	s.obtainCookie(t, srcA)
	msg := s.stamped(t, 1)
	mapped := netip.AddrPortFrom(netip.AddrFrom16(srcA.Addr().As16()), srcA.Port())
	if err := s.chk.CheckMAC2(msg, mapped); err != nil {
		t.Fatalf("IPv4-mapped source: %v", err)
	}
}

func TestCookieReplyForResponse(t *testing.T) {
	s := newSetup(t)
	resp := &noise.MessageResponse{Sender: 99, Receiver: 1}
	msg, _ := resp.MarshalBinary()
	reply := s.replyTo(t, msg, srcC)
	if err := s.chk.CheckMAC1(msg); err != nil {
		t.Fatal(err)
	}
	if reply.Receiver != 99 {
		t.Fatalf("reply receiver %d, want 99", reply.Receiver)
	}
	if err := s.gen.ConsumeReply(reply); err != nil {
		t.Fatal(err)
	}
	msg2, _ := resp.MarshalBinary()
	_ = s.gen.AddMACs(msg2)
	if err := s.chk.Check(msg2, srcC, true); err != nil {
		t.Fatalf("response with mac2: %v", err)
	}
}

func TestCookieReplyWireRoundTrip(t *testing.T) {
	s := newSetup(t)
	msg := initiation(t, 5)
	reply := s.replyTo(t, msg, srcA)
	wire, _ := reply.MarshalBinary()
	if len(wire) != noise.MessageCookieReplySize {
		t.Fatalf("cookie reply is %d bytes", len(wire))
	}
	var got noise.MessageCookieReply
	if err := got.UnmarshalBinary(wire); err != nil {
		t.Fatal(err)
	}
	if err := s.gen.ConsumeReply(&got); err != nil {
		t.Fatal(err)
	}
	// Each stamped message can be answered once.
	if err := s.gen.ConsumeReply(&got); !errors.Is(err, ErrUnexpectedCookieReply) {
		t.Fatalf("second consumption: %v", err)
	}
	// Nonces are random.
	r2, _ := s.chk.CreateReply(msg, srcA)
	if r2.Nonce == reply.Nonce {
		t.Fatal("two replies share a nonce")
	}
}

func TestCookieReplyRejected(t *testing.T) {
	s := newSetup(t)
	if err := s.gen.ConsumeReply(&noise.MessageCookieReply{}); !errors.Is(err, ErrUnexpectedCookieReply) {
		t.Fatalf("reply before any message: %v", err)
	}
	reply := s.replyTo(t, initiation(t, 5), srcA)
	wire, _ := reply.MarshalBinary()

	for i := range wire {
		for _, bit := range []byte{0x01, 0x80} {
			b := bytes.Clone(wire)
			b[i] ^= bit
			var m noise.MessageCookieReply
			if err := m.UnmarshalBinary(b); err != nil {
				if !errors.Is(err, noise.ErrInvalidMessage) {
					t.Fatalf("byte %d: %v", i, err)
				}
				continue
			}
			err := s.gen.ConsumeReply(&m)
			if !errors.Is(err, ErrInvalidCookieReply) && !errors.Is(err, ErrUnexpectedCookieReply) {
				t.Fatalf("byte %d bit %#x: tampered reply: %v", i, bit, err)
			}
		}
	}
	// A reply to an earlier message is refused once a newer one went out,
	// since its additional data is the older mac1.
	msg2 := initiation(t, 5)
	msg2[20] = 0xff
	_ = s.gen.AddMACs(msg2)
	if err := s.gen.ConsumeReply(reply); !errors.Is(err, ErrInvalidCookieReply) {
		t.Fatalf("reply to a superseded message: %v", err)
	}
	// A reply from a responder with another key does not decrypt.
	other := NewChecker(identity(t).PublicKey(), s.clock.Now)
	foreign, _ := other.CreateReply(msg2, srcA)
	if err := s.gen.ConsumeReply(foreign); !errors.Is(err, ErrInvalidCookieReply) {
		t.Fatalf("reply under another key: %v", err)
	}
	// None of the failures consumed the pending mac1.
	genuine, _ := s.chk.CreateReply(msg2, srcA)
	if err := s.gen.ConsumeReply(genuine); err != nil {
		t.Fatalf("genuine reply after failures: %v", err)
	}
}

func TestCheckerSecretRotation(t *testing.T) {
	s := newSetup(t)
	s.obtainCookie(t, srcA) // secret created now
	msg := s.stamped(t, 1)  // mac2 under the first secret

	s.clock.Advance(CookieRefreshTime - time.Nanosecond)
	if err := s.chk.CheckMAC2(msg, srcA); err != nil {
		t.Fatalf("cookie just before %v: %v", CookieRefreshTime, err)
	}
	s.clock.Advance(time.Nanosecond)
	if err := s.chk.CheckMAC2(msg, srcA); !errors.Is(err, ErrInvalidMAC2) {
		t.Fatalf("cookie at %v: %v, want ErrInvalidMAC2", CookieRefreshTime, err)
	}
	// The next reply rotates the secret: the old mac2 stays invalid and a
	// new cookie works.
	s.obtainCookie(t, srcA)
	if err := s.chk.CheckMAC2(msg, srcA); !errors.Is(err, ErrInvalidMAC2) {
		t.Fatalf("old cookie after rotation: %v", err)
	}
	fresh := s.stamped(t, 2)
	if err := s.chk.CheckMAC2(fresh, srcA); err != nil {
		t.Fatalf("new cookie after rotation: %v", err)
	}
}

func TestCheckerKeepsSecretWithinRefreshTime(t *testing.T) {
	s := newSetup(t)
	s.obtainCookie(t, srcA)
	msg := s.stamped(t, 1)
	// A second reply within the refresh time uses the same secret, so the
	// cookie already held stays valid.
	s.clock.Advance(60 * time.Second)
	other := initiation(t, 9)
	if _, err := s.chk.CreateReply(other, srcB); err != nil {
		t.Fatal(err)
	}
	if err := s.chk.CheckMAC2(msg, srcA); err != nil {
		t.Fatalf("cookie invalidated by a reply to someone else: %v", err)
	}
}

func TestGeneratorCutoff(t *testing.T) {
	s := newSetup(t)
	s.obtainCookie(t, srcA)
	zero := make([]byte, 16)

	s.clock.Advance(CookieUseTime - time.Nanosecond)
	msg := s.stamped(t, 1)
	if bytes.Equal(msg[132:], zero) {
		t.Fatalf("no mac2 with a cookie aged just under %v", CookieUseTime)
	}
	if err := s.chk.CheckMAC2(msg, srcA); err != nil {
		t.Fatalf("mac2 at the cut-off: %v", err)
	}

	s.clock.Advance(time.Nanosecond)
	msg = s.stamped(t, 1)
	if !bytes.Equal(msg[132:], zero) {
		t.Fatalf("mac2 sent with a cookie aged %v", CookieUseTime)
	}
	if CookieUseTime != 115*time.Second || CookieRefreshTime != 120*time.Second {
		t.Fatalf("lifetimes %v/%v, want 115s/120s", CookieUseTime, CookieRefreshTime)
	}
}

func TestFormattingHidesSecrets(t *testing.T) {
	s := newSetup(t)
	s.obtainCookie(t, srcA)
	secret := s.chk.secret
	cookie := s.gen.cookie
	for _, v := range []any{s.chk, s.gen} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%d"} {
			out := fmt.Sprintf(verb, v)
			for _, k := range [][]byte{secret[:], cookie[:]} {
				if strings.Contains(out, fmt.Sprintf("%x", k)) || strings.Contains(out, fmt.Sprint(k)) {
					t.Errorf("%T with %s leaks a secret: %q", v, verb, out)
				}
			}
		}
	}
}

// failingReader makes secret and nonce generation fail.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestCreateReplyRandomnessFailure(t *testing.T) {
	s := newSetup(t)
	s.chk.rand = failingReader{}
	msg := s.stamped(t, 1)
	if _, err := s.chk.CreateReply(msg, srcA); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v", err)
	}
	if err := s.chk.CheckMAC2(msg, srcA); !errors.Is(err, ErrInvalidMAC2) {
		t.Fatalf("no secret: %v", err)
	}
}
