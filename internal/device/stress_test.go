// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"bytes"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// TestStressConfigureDuringTraffic changes the configuration in every way
// while packets flow both ways, looking for races and deadlocks (run it
// with -race). Packets may be lost; nothing may hang or panic.
func TestStressConfigureDuringTraffic(t *testing.T) {
	goroutineLeakCheck(t)
	tp := newPair(t)
	tp.a.log.silence()
	tp.b.log.silence()
	send(t, tp.a, tp.b, false, "warm up")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, dir := range [][2]*testHost{{tp.a, tp.b}, {tp.b, tp.a}} {
		from, to := dir[0], dir[1]
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_ = from.tun.Inject(packet(from, to, i%2 == 0, "stress"))
			}
		}()
		go func() {
			defer wg.Done()
			for {
				select {
				case <-to.tun.Written():
				case <-stop:
					return
				}
			}
		}()
	}
	extra := newKey(t).PublicKey()
	for i := range 60 {
		h, other := tp.a, tp.b
		if i%2 == 1 {
			h, other = tp.b, tp.a
		}
		err := h.dev.Configure(func(tx *ConfigTx) error {
			p := tx.Peer(other.pub)
			switch i % 6 {
			case 0:
				p.SetPersistentKeepalive(uint16(i%3) * 5)
			case 1:
				tx.SetPrivateKey(h.key) // no change
				p.SetPresharedKey([32]byte{})
			case 2:
				if err := p.AddAllowedIP(netip.MustParsePrefix("10.77.0.0/16")); err != nil {
					return err
				}
				p.RemoveAllowedIP(netip.MustParsePrefix("10.77.0.0/16"))
			case 3:
				e, err := tx.CreatePeer(extra)
				if err != nil {
					return err
				}
				e.SetEndpoint(netip.MustParseAddrPort("192.0.2.200:1"))
				tx.RemovePeer(extra)
			case 4:
				p.SetEndpoint(other.bind.local())
			case 5:
				return tx.SetUserCookie(uint32(i))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = h.dev.Snapshot()
		if i%10 == 9 {
			if err := h.dev.Down(); err != nil {
				t.Fatal(err)
			}
			if err := h.dev.Up(); err != nil {
				t.Fatal(err)
			}
		}
		tp.clock.Advance(time.Second)
	}
	close(stop)
	wg.Wait()
	// The tunnel must still carry traffic both ways after the churn.
	for _, h := range []*testHost{tp.a, tp.b} {
		for drained := false; !drained; {
			select {
			case <-h.tun.Written():
			default:
				drained = true
			}
		}
	}
	// b went down and up, dropping its keys while a kept its own: as in
	// any WireGuard, a's data goes unanswered until its timers start a
	// new handshake, so the clock moves on until the packets cross.
	eventuallyCrosses(t, tp, tp.a, tp.b, false, "after the churn")
	eventuallyCrosses(t, tp, tp.b, tp.a, true, "and back")
}

// eventuallyCrosses injects a packet into from's TUN, again after each
// second of fake time (a packet sent on keys the other side dropped is
// lost), until it comes out of to's TUN, skipping packets left over from
// earlier traffic. It fails after a minute of fake time.
func eventuallyCrosses(t *testing.T, tp *testPair, from, to *testHost, v6 bool, payload string) {
	t.Helper()
	pkt := packet(from, to, v6, payload)
	for range 60 {
		if err := from.tun.Inject(pkt); err != nil {
			t.Fatal(err)
		}
		wait := time.After(200 * time.Millisecond)
	drain:
		for {
			select {
			case got := <-to.tun.Written():
				if bytes.Equal(got, pkt) {
					return
				}
			case <-wait:
				break drain
			}
		}
		tp.clock.Advance(time.Second)
	}
	t.Fatalf("%q never crossed from %s to %s", payload, from.tun.Name(), to.tun.Name())
}
