// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"net/netip"
	"testing"

	"github.com/wgbsd/wgbsd/internal/tun/tuntest"
)

func TestRoaming(t *testing.T) {
	tp := newPair(t)
	send(t, tp.a, tp.b, false, "from home")
	send(t, tp.b, tp.a, false, "to home")
	tp.a.bind.setAddr("203.0.113.7")
	send(t, tp.a, tp.b, false, "from the road")
	want := netip.MustParseAddrPort("203.0.113.7:51821")
	if got := tp.b.dev.Snapshot().Peers[0].Endpoint; got != want {
		t.Fatalf("b's endpoint for a is %v, want %v", got, want)
	}
	send(t, tp.b, tp.a, true, "to the road")
}

func TestRoamingOnHandshake(t *testing.T) {
	tp := newPair(t)
	// b starts with a wrong endpoint for a and learns the right one from
	// a's initiation.
	err := tp.b.dev.Configure(func(tx *ConfigTx) error {
		tx.Peer(tp.a.pub).SetEndpoint(netip.MustParseAddrPort("192.0.2.99:9"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	send(t, tp.a, tp.b, false, "hello")
	send(t, tp.b, tp.a, false, "answer")
	if got := tp.b.dev.Snapshot().Peers[0].Endpoint; got != tp.a.bind.local() {
		t.Fatalf("endpoint %v, want %v", got, tp.a.bind.local())
	}
}

func TestAllowedIPsOutbound(t *testing.T) {
	tp := newPair(t)
	// No peer owns 10.0.0.99: the packet is dropped without a handshake.
	stray := tuntest.UDP(netip.MustParseAddrPort("10.0.0.1:1"), netip.MustParseAddrPort("10.0.0.99:2"), []byte("nobody"))
	if err := tp.a.tun.Inject(stray, []byte{0x45}, []byte{0x60, 0, 0}, []byte{}); err != nil {
		t.Fatal(err)
	}
	tp.quiesce(t)
	if tp.a.peer(tp.b).currentKeypair() != nil {
		t.Fatal("a stray packet started a handshake")
	}
	send(t, tp.a, tp.b, false, "routed")
}

func TestAllowedIPsInbound(t *testing.T) {
	tp := newPair(t)
	send(t, tp.a, tp.b, false, "allowed")
	// a routes 10.9.9.9 to b, but b only accepts a's own addresses from a.
	err := tp.a.dev.Configure(func(tx *ConfigTx) error {
		return tx.Peer(tp.b.pub).AddAllowedIP(netip.MustParsePrefix("10.9.9.0/24"))
	})
	if err != nil {
		t.Fatal(err)
	}
	spoofed := tuntest.UDP(netip.MustParseAddrPort("10.0.0.77:1"), netip.AddrPortFrom(tp.b.inner4, 2), []byte("spoofed"))
	spoofed6 := tuntest.UDP(netip.MustParseAddrPort("[fd00::77]:1"), netip.AddrPortFrom(tp.b.inner6, 2), []byte("spoofed"))
	if err := tp.a.tun.Inject(spoofed, spoofed6); err != nil {
		t.Fatal(err)
	}
	send(t, tp.a, tp.b, false, "after the spoofed ones")
	tp.quiesce(t)
	expectNoPacket(t, tp.b)
	// The spoofed packets were authenticated, so they still count.
	if tp.b.dev.Snapshot().Peers[0].RxBytes == 0 {
		t.Fatal("rx not counted")
	}
}

func TestByteCounters(t *testing.T) {
	tp := newPair(t)
	ca, cb := watch(tp.a), watch(tp.b)
	send(t, tp.a, tp.b, false, "count me")
	send(t, tp.b, tp.a, true, "and me")
	tp.quiesce(t)
	sa, sb := tp.a.dev.Snapshot().Peers[0], tp.b.dev.Snapshot().Peers[0]
	if sa.TxBytes != sb.RxBytes || sb.TxBytes != sa.RxBytes {
		t.Fatalf("a tx %d rx %d, b tx %d rx %d", sa.TxBytes, sa.RxBytes, sb.TxBytes, sb.RxBytes)
	}
	if want := ca.bytes(); sa.TxBytes != want {
		t.Fatalf("a tx %d, sent %d bytes", sa.TxBytes, want)
	}
	if want := cb.bytes(); sb.TxBytes != want {
		t.Fatalf("b tx %d, sent %d bytes", sb.TxBytes, want)
	}
	// A 148-byte initiation and a 92-byte response, then the two data
	// packets padded to 16 with a 16-byte header and a 16-byte tag. The
	// staged packet takes the place of the keepalive after the response.
	v4 := len(packet(tp.a, tp.b, false, "count me"))
	v6 := len(packet(tp.b, tp.a, true, "and me"))
	pad := func(n int) uint64 { return uint64((n+15)&^15 + 32) }
	if sa.TxBytes != 148+pad(v4) || sb.TxBytes != 92+pad(v6) {
		t.Fatalf("a tx %d, b tx %d", sa.TxBytes, sb.TxBytes)
	}
}
