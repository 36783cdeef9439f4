// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"

	"github.com/wgbsd/wgbsd/internal/conn"
	"github.com/wgbsd/wgbsd/internal/tun/tuntest"
)

// TestCoalescedReceive runs two devices on real UDP sockets over
// loopback. A batch of equal-sized packets leaves one device as segmented
// messages (UDP_SEGMENT) and reaches the other, whose receivers ask for
// coalesced messages (UDP_GRO), whole: the receiver splits them into
// datagrams sharing one buffer, which must all arrive intact and in order,
// and the shared buffers must all go back to the pool.
func TestCoalescedReceive(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("UDP_GRO is Linux's")
	}
	type host struct {
		dev   *Device
		tun   *tuntest.Device
		key   [32]byte
		inner netip.Addr
		port  uint16
	}
	mk := func(name string, i byte) *host {
		h := &host{tun: tuntest.New(name, DefaultMTU), inner: netip.AddrFrom4([4]byte{10, 0, 0, i})}
		k := newKey(t)
		h.key = k.PublicKey()
		l := &testLog{tb: t, quiet: !testing.Verbose()}
		h.dev = NewDevice(h.tun, conn.NewBind(), Options{Logger: l.logger(name), IgnoreLinkEvents: true})
		t.Cleanup(func() { h.dev.Close() })
		configure(t, h.dev, func(tx *ConfigTx) error { tx.SetPrivateKey(k); return nil })
		if err := h.dev.Up(); err != nil {
			t.Fatal(err)
		}
		h.port = h.dev.Snapshot().ListenPort
		return h
	}
	a, b := mk("a", 1), mk("b", 2)
	for _, x := range [][2]*host{{a, b}, {b, a}} {
		self, other := x[0], x[1]
		configure(t, self.dev, func(tx *ConfigTx) error {
			p, err := tx.CreatePeer(other.key)
			if err != nil {
				return err
			}
			p.SetEndpoint(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), other.port))
			return p.AddAllowedIP(netip.PrefixFrom(other.inner, 32))
		})
	}
	pkt := func(i int) []byte {
		payload := fmt.Appendf(nil, "%04d", i)
		for len(payload) < 1000 {
			payload = append(payload, byte(i))
		}
		return tuntest.UDP(netip.AddrPortFrom(a.inner, 1), netip.AddrPortFrom(b.inner, 2), payload)
	}
	// The first packet waits for the handshake.
	if err := a.tun.Inject(pkt(0)); err != nil {
		t.Fatal(err)
	}
	expectWritten(t, b.tun, pkt(0))
	before := splitMessages.Load()
	const n = 120
	var pkts [][]byte
	for i := 1; i <= n; i++ {
		pkts = append(pkts, pkt(i))
	}
	if err := a.tun.Inject(pkts...); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		expectWritten(t, b.tun, p)
	}
	if splitMessages.Load() == before {
		t.Error("no coalesced message was received")
	}
	eventually(t, "receive buffers back in the pool", func() bool {
		return b.dev.rxPool.outstanding() == len(b.dev.bind.ReceiveFuncs())*b.dev.bind.BatchSize()
	})
}

// expectWritten waits for the next packet written to d and checks it.
func expectWritten(t *testing.T, d *tuntest.Device, want []byte) {
	t.Helper()
	select {
	case got := <-d.Written():
		if string(got) != string(want) {
			t.Fatalf("got %.40x…, want %.40x…", got, want)
		}
	case <-timeoutChan():
		t.Fatal("timed out waiting for a packet")
	}
}
