// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/wgbsd/wgbsd/internal/conn/bindtest"
	"github.com/wgbsd/wgbsd/internal/device/clock"
	"github.com/wgbsd/wgbsd/internal/noise"
	"github.com/wgbsd/wgbsd/internal/tun/tuntest"
)

// stdHost is a device on the shared test doubles, tuntest and bindtest.
type stdHost struct {
	dev            *Device
	tun            *tuntest.Device
	bind           *bindtest.Bind
	key            noise.PrivateKey
	inner4, inner6 netip.Addr
}

// newStdPair returns two up devices on a bindtest network, each the
// other's peer; they follow their TUN's link state.
func newStdPair(t *testing.T) (*bindtest.Network, *stdHost, *stdHost) {
	t.Helper()
	n, ba, bb := bindtest.NewPair()
	c := clock.NewFake(testStart)
	mk := func(name string, b *bindtest.Bind, i byte) *stdHost {
		h := &stdHost{
			tun:    tuntest.New(name, DefaultMTU),
			bind:   b,
			key:    newKey(t),
			inner4: netip.AddrFrom4([4]byte{10, 0, 0, i}),
			inner6: netip.AddrFrom16([16]byte{0: 0xfd, 15: i}),
		}
		l := &testLog{tb: t, quiet: !testing.Verbose()}
		h.dev = NewDevice(h.tun, b, Options{Clock: c, Logger: l.logger(name)})
		t.Cleanup(func() { h.dev.Close() })
		configure(t, h.dev, func(tx *ConfigTx) error {
			tx.SetPrivateKey(h.key)
			return tx.SetListenPort(51820)
		})
		eventually(t, name+" up", h.dev.up.Load)
		return h
	}
	a, b := mk("a", ba, 1), mk("b", bb, 2)
	for _, x := range [][2]*stdHost{{a, b}, {b, a}} {
		self, other := x[0], x[1]
		configure(t, self.dev, func(tx *ConfigTx) error {
			p, err := tx.CreatePeer(other.key.PublicKey())
			if err != nil {
				return err
			}
			p.SetEndpoint(other.bind.Addr())
			if err := p.AddAllowedIP(netip.PrefixFrom(other.inner4, 32)); err != nil {
				return err
			}
			return p.AddAllowedIP(netip.PrefixFrom(other.inner6, 128))
		})
	}
	return n, a, b
}

func (h *stdHost) packet(to *stdHost, v6 bool, payload string) []byte {
	src, dst := h.inner4, to.inner4
	if v6 {
		src, dst = h.inner6, to.inner6
	}
	return tuntest.UDP(netip.AddrPortFrom(src, 1), netip.AddrPortFrom(dst, 2), []byte(payload))
}

// ping sends a packet from h to other and checks that it arrives.
func (h *stdHost) ping(t *testing.T, to *stdHost, v6 bool, payload string) {
	t.Helper()
	pkt := h.packet(to, v6, payload)
	if err := h.tun.Inject(pkt); err != nil {
		t.Fatal(err)
	}
	to.expect(t, pkt)
}

func (h *stdHost) expect(t *testing.T, pkt []byte) {
	t.Helper()
	select {
	case got := <-h.tun.Written():
		if string(got) != string(pkt) {
			t.Fatalf("got %x, want %x", got, pkt)
		}
	case <-timeoutChan():
		t.Fatal("timed out waiting for a packet")
	}
}

func TestStdDoublesBothWays(t *testing.T) {
	goroutineLeakCheck(t)
	_, a, b := newStdPair(t)
	for i := range 20 {
		a.ping(t, b, i%2 == 1, fmt.Sprintf("a to b %d", i))
		b.ping(t, a, i%2 == 0, fmt.Sprintf("b to a %d", i))
	}
}

func TestStdDoublesRoaming(t *testing.T) {
	_, a, b := newStdPair(t)
	a.ping(t, b, false, "before")
	moved := netip.MustParseAddrPort("198.51.100.9:4444")
	a.bind.SetSource(moved)
	a.ping(t, b, false, "after moving")
	if got := b.dev.Snapshot().Peers[0].Endpoint; got != moved {
		t.Fatalf("endpoint %v, want %v", got, moved)
	}
	b.ping(t, a, true, "reply to the new address")
}

func TestStdDoublesReorderAndDuplicates(t *testing.T) {
	n, a, b := newStdPair(t)
	a.ping(t, b, false, "session")
	// Hold the first data packet back; it arrives after the two that
	// follow it, and still gets through (the replay window accepts
	// reordering). Then every packet arrives twice, and only one copy
	// gets through.
	var held atomic.Bool
	n.SetFault(func(d bindtest.Datagram) bindtest.Action {
		if binary.LittleEndian.Uint32(d.Data) == uint32(noise.MessageTransportType) &&
			len(d.Data) > noise.MessageKeepaliveSize && !held.Swap(true) {
			return bindtest.Hold
		}
		return bindtest.Deliver
	})
	p1, p2, p3 := a.packet(b, false, "one"), a.packet(b, false, "two"), a.packet(b, true, "three")
	if err := a.tun.Inject(p1); err != nil {
		t.Fatal(err)
	}
	eventually(t, "held packet", func() bool { return n.Held() == 1 })
	if err := a.tun.Inject(p2, p3); err != nil {
		t.Fatal(err)
	}
	b.expect(t, p2)
	b.expect(t, p3)
	n.Release()
	b.expect(t, p1)

	n.SetFault(func(bindtest.Datagram) bindtest.Action { return bindtest.Duplicate })
	p4, p5 := a.packet(b, false, "four"), a.packet(b, true, "five")
	if err := a.tun.Inject(p4); err != nil {
		t.Fatal(err)
	}
	b.expect(t, p4)
	if err := a.tun.Inject(p5); err != nil {
		t.Fatal(err)
	}
	b.expect(t, p5) // not a second copy of p4
}
