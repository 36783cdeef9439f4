// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"encoding/base64"
	"errors"
	"net/netip"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/internal/conn/bindtest"
	"github.com/wgbsd/wgbsd/internal/device/clock"
	"github.com/wgbsd/wgbsd/internal/noise"
	"github.com/wgbsd/wgbsd/internal/tun/tuntest"
)

// newLoneDevice returns a down device with no configuration.
func newLoneDevice(t *testing.T, opts Options) (*Device, *testBind, *clock.Fake) {
	t.Helper()
	c := clock.NewFake(testStart)
	n := bindtest.NewNetwork()
	b := newTestBind(n, "192.0.2.50")
	opts.Clock = c
	opts.IgnoreLinkEvents = true
	d := NewDevice(tuntest.New("lone", DefaultMTU), b, opts)
	t.Cleanup(func() { d.Close() })
	return d, b, c
}

// configure runs fn in d.Configure and fails the test on error.
func configure(t *testing.T, d *Device, fn func(tx *ConfigTx) error) {
	t.Helper()
	if err := d.Configure(fn); err != nil {
		t.Fatal(err)
	}
}

func pubOf(t *testing.T) noise.PublicKey {
	return newKey(t).PublicKey()
}

func peerKeys(s State) []noise.PublicKey {
	var keys []noise.PublicKey
	for _, p := range s.Peers {
		keys = append(keys, p.PublicKey)
	}
	return keys
}

func TestConfigPeersOrderAndRemoval(t *testing.T) {
	d, _, _ := newLoneDevice(t, Options{})
	keys := []noise.PublicKey{pubOf(t), pubOf(t), pubOf(t), pubOf(t)}
	configure(t, d, func(tx *ConfigTx) error {
		for _, k := range keys {
			if _, err := tx.CreatePeer(k); err != nil {
				return err
			}
		}
		return nil
	})
	if got := peerKeys(d.Snapshot()); !slices.Equal(got, keys) {
		t.Fatal("peers not in creation order")
	}
	configure(t, d, func(tx *ConfigTx) error {
		tx.RemovePeer(keys[1])
		tx.RemovePeer(pubOf(t)) // absent: no-op
		if tx.Peer(keys[1]) != nil || tx.Peer(keys[0]) == nil {
			t.Error("Peer lookup wrong after removal")
		}
		tx.Peer(keys[3]).Destroy()
		_, err := tx.CreatePeer(keys[1])
		return err
	})
	if got, want := peerKeys(d.Snapshot()), []noise.PublicKey{keys[0], keys[2], keys[1]}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	configure(t, d, func(tx *ConfigTx) error {
		tx.ReplacePeers()
		return nil
	})
	if n := len(d.Snapshot().Peers); n != 0 {
		t.Fatalf("%d peers after ReplacePeers", n)
	}
}

func TestConfigMaxPeers(t *testing.T) {
	d, _, _ := newLoneDevice(t, Options{MaxPeers: 3})
	err := d.Configure(func(tx *ConfigTx) error {
		for range 4 {
			if _, err := tx.CreatePeer(pubOf(t)); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err %v, want ENOSPC", err)
	}
	// Not atomic: the peers created before the failure stay.
	if n := len(d.Snapshot().Peers); n != 3 {
		t.Fatalf("%d peers, want 3", n)
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) || errno != syscall.ENOSPC {
		t.Fatalf("error %v does not wrap the errno", err)
	}
}

func TestConfigNotAtomic(t *testing.T) {
	d, _, _ := newLoneDevice(t, Options{})
	k := pubOf(t)
	boom := errors.New("boom")
	err := d.Configure(func(tx *ConfigTx) error {
		if err := tx.SetListenPort(4242); err != nil {
			return err
		}
		p, err := tx.CreatePeer(k)
		if err != nil {
			return err
		}
		p.SetPersistentKeepalive(7)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	s := d.Snapshot()
	if s.ListenPort != 4242 || len(s.Peers) != 1 || s.Peers[0].PersistentKeepalive != 7 {
		t.Fatalf("changes before the error were lost: %+v", s)
	}
}

func TestConfigListenPort(t *testing.T) {
	d, b, _ := newLoneDevice(t, Options{})
	configure(t, d, func(tx *ConfigTx) error {
		if tx.ListenPort() != 0 {
			t.Error("initial port not 0")
		}
		return tx.SetListenPort(5000)
	})
	// Down: only stored.
	if b.local().Port() != 0 || d.Snapshot().ListenPort != 5000 {
		t.Fatal("port not stored while down")
	}
	if err := d.Up(); err != nil {
		t.Fatal(err)
	}
	if b.local().Port() != 5000 {
		t.Fatalf("bound %v", b.local())
	}
	// Up: rebound at once; 0 picks a port, which becomes the port.
	configure(t, d, func(tx *ConfigTx) error { return tx.SetListenPort(0) })
	got := d.Snapshot().ListenPort
	if got == 0 || got == 5000 || b.local().Port() != got {
		t.Fatalf("random port %d, bound %v", got, b.local())
	}
	// Equal to the bound port: nothing.
	opens := b.openCount()
	configure(t, d, func(tx *ConfigTx) error { return tx.SetListenPort(got) })
	if b.openCount() != opens {
		t.Fatal("equal port rebound the sockets")
	}
	// A port in use fails with EADDRINUSE and keeps the old sockets.
	other := newTestBind(b.net, "192.0.2.50")
	if _, err := other.Open(6000); err != nil {
		t.Fatal(err)
	}
	err := d.Configure(func(tx *ConfigTx) error { return tx.SetListenPort(6000) })
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("err %v, want EADDRINUSE", err)
	}
	if p := d.Snapshot().ListenPort; p != got || b.local().Port() != got || !d.up.Load() {
		t.Fatalf("after failure: port %d, bound %v", p, b.local())
	}
	// Down keeps reporting the last port.
	if err := d.Down(); err != nil {
		t.Fatal(err)
	}
	if p := d.Snapshot().ListenPort; p != got {
		t.Fatalf("port %d while down, want %d", p, got)
	}
	// Up on a port in use fails and stays down.
	configure(t, d, func(tx *ConfigTx) error { return tx.SetListenPort(6000) })
	if err := d.Up(); !errors.Is(err, syscall.EADDRINUSE) || d.up.Load() {
		t.Fatalf("Up on a used port: %v", err)
	}
}

func TestConfigUserCookie(t *testing.T) {
	d, b, _ := newLoneDevice(t, Options{})
	configure(t, d, func(tx *ConfigTx) error { return tx.SetUserCookie(0x1234) })
	if b.Mark() != 0 || d.Snapshot().UserCookie != 0x1234 {
		t.Fatal("cookie not stored while down, or applied")
	}
	if err := d.Up(); err != nil {
		t.Fatal(err)
	}
	if b.Mark() != 0x1234 {
		t.Fatal("cookie not applied on up")
	}
	configure(t, d, func(tx *ConfigTx) error { return tx.SetUserCookie(7) })
	if b.Mark() != 7 || d.Snapshot().UserCookie != 7 {
		t.Fatal("cookie not applied while up")
	}
}

func TestConfigPrivateKey(t *testing.T) {
	d, _, _ := newLoneDevice(t, Options{})
	if s := d.Snapshot(); s.HasIdentity {
		t.Fatal("new device has an identity")
	}
	raw := newKey(t)
	raw[0] |= 7 // unclamped
	raw[31] |= 128
	clamped := raw
	clampKey(&clamped)
	other := pubOf(t)
	configure(t, d, func(tx *ConfigTx) error {
		if _, ok := tx.PublicKey(); ok {
			t.Error("identity before SetPrivateKey")
		}
		if _, err := tx.CreatePeer(clamped.PublicKey()); err != nil {
			return err
		}
		if _, err := tx.CreatePeer(other); err != nil {
			return err
		}
		tx.SetPrivateKey(raw)
		pub, ok := tx.PublicKey()
		if !ok || pub != clamped.PublicKey() {
			t.Error("wrong public key")
		}
		return nil
	})
	s := d.Snapshot()
	if !s.HasIdentity || s.PrivateKey != clamped || s.PublicKey != clamped.PublicKey() {
		t.Fatal("key not stored clamped")
	}
	// The peer with our own public key was destroyed.
	if got := peerKeys(s); !slices.Equal(got, []noise.PublicKey{other}) {
		t.Fatalf("peers %v", got)
	}
	// The zero key is a key like any other: clamped, it gives an
	// identity (TestConfigZeroPrivateKey), and the peer with its public
	// key is destroyed.
	var zero noise.PrivateKey
	zeroClamped := zero
	clampKey(&zeroClamped)
	configure(t, d, func(tx *ConfigTx) error {
		if _, err := tx.CreatePeer(zeroClamped.PublicKey()); err != nil {
			return err
		}
		tx.SetPrivateKey([32]byte{})
		if pub, ok := tx.PublicKey(); !ok || pub != zeroClamped.PublicKey() {
			t.Error("zero key gave no identity")
		}
		return nil
	})
	s = d.Snapshot()
	if !s.HasIdentity || s.PrivateKey != zeroClamped || s.PublicKey != zeroClamped.PublicKey() {
		t.Fatal("zero key not stored clamped with its identity")
	}
	if got := peerKeys(s); !slices.Equal(got, []noise.PublicKey{other}) {
		t.Fatalf("peers %v", got)
	}
}

func TestConfigPrivateKeyInvalidatesSessions(t *testing.T) {
	tp := newPair(t)
	send(t, tp.a, tp.b, false, "before")
	pa := tp.a.peer(tp.b)
	kp := pa.currentKeypair()
	// The same key changes nothing.
	configure(t, tp.a.dev, func(tx *ConfigTx) error {
		tx.SetPrivateKey(tp.a.key)
		return nil
	})
	if pa.sendKeypair(tp.clock.Now()) != kp {
		t.Fatal("same key invalidated the session")
	}
	// An unclamped form of the same key counts as a change, as in if_wg.
	unclamped := tp.a.key
	unclamped[0] |= 7
	configure(t, tp.a.dev, func(tx *ConfigTx) error {
		tx.SetPrivateKey(unclamped)
		return nil
	})
	if pa.sendKeypair(tp.clock.Now()) != nil {
		t.Fatal("session still sends after the key changed")
	}
	if pa.currentKeypair() != kp {
		t.Fatal("session dropped instead of expired")
	}
	// The next packet starts a handshake at once and gets through. (The
	// clock must move on, or the initiation would carry the timestamp of
	// the first one and be refused as a replay.)
	tp.run(t, time.Second)
	send(t, tp.a, tp.b, false, "after")
	if pa.currentKeypair() == kp {
		t.Fatal("no new session")
	}
	// A new key that b does not know: handshakes fail.
	newPriv := newKey(t)
	configure(t, tp.a.dev, func(tx *ConfigTx) error {
		tx.SetPrivateKey(newPriv)
		return nil
	})
	if err := tp.a.tun.Inject(packet(tp.a, tp.b, false, "unknown")); err != nil {
		t.Fatal(err)
	}
	tp.quiesce(t)
	expectNoPacket(t, tp.b)
	// b learns a's new key: the staged packet gets through after the
	// next retransmission.
	configure(t, tp.b.dev, func(tx *ConfigTx) error {
		tx.RemovePeer(tp.a.pub)
		tp.a.pub = newPriv.PublicKey()
		return nil
	})
	tp.b.addPeer(t, tp.a, 0)
	tp.run(t, RekeyTimeout+RekeyTimeoutJitterMax)
	expectPacket(t, tp.b, packet(tp.a, tp.b, false, "unknown"))
}

// TestConfigZeroPrivateKey pins that an all-zero private key gives the
// identity FreeBSD's kernel derives from it, whose public key is
// L+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q=. noise_local_private
// (sys/dev/wg/wg_noise.c) stores every key clamped and derives the
// identity from the clamped key:
//
//	curve25519_clamp_secret(l->l_private);
//	l->l_has_identity = curve25519_generate_public(l->l_public, l->l_private);
//
// The zero key clamps to 2^254, not to zero, so the interface has an
// identity and completes handshakes with peers that know its public key.
func TestConfigZeroPrivateKey(t *testing.T) {
	const wantPub = "L+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q="
	tp := newPair(t)
	configure(t, tp.b.dev, func(tx *ConfigTx) error {
		tx.SetPrivateKey([32]byte{})
		return nil
	})
	s := tp.b.dev.Snapshot()
	if got := base64.StdEncoding.EncodeToString(s.PublicKey[:]); !s.HasIdentity || got != wantPub {
		t.Fatalf("identity %v, public key %s, want %s", s.HasIdentity, got, wantPub)
	}
	// a learns b's new public key; traffic flows both ways.
	configure(t, tp.a.dev, func(tx *ConfigTx) error {
		tx.RemovePeer(tp.b.pub)
		tp.b.pub = s.PublicKey
		return nil
	})
	tp.a.addPeer(t, tp.b, 0)
	send(t, tp.a, tp.b, false, "to the zero key")
	send(t, tp.b, tp.a, false, "from the zero key")
}

func TestConfigAllowedIPs(t *testing.T) {
	d, _, _ := newLoneDevice(t, Options{})
	k1, k2 := pubOf(t), pubOf(t)
	pfx := netip.MustParsePrefix
	configure(t, d, func(tx *ConfigTx) error {
		p1, _ := tx.CreatePeer(k1)
		p2, _ := tx.CreatePeer(k2)
		for _, s := range []string{"10.1.0.7/16", "fd00::1/64", "192.168.1.1/32"} {
			if err := p1.AddAllowedIP(pfx(s)); err != nil {
				return err
			}
		}
		// Moved from p1 to p2.
		if err := p2.AddAllowedIP(pfx("10.1.2.3/16")); err != nil {
			return err
		}
		// Not p2's: nothing happens.
		p2.RemoveAllowedIP(pfx("fd00::/64"))
		p1.RemoveAllowedIP(pfx("192.168.1.1/32"))
		return nil
	})
	s := d.Snapshot()
	want1 := []netip.Prefix{pfx("fd00::/64")}
	want2 := []netip.Prefix{pfx("10.1.0.0/16")}
	if !slices.Equal(s.Peers[0].AllowedIPs, want1) || !slices.Equal(s.Peers[1].AllowedIPs, want2) {
		t.Fatalf("allowed IPs %v %v", s.Peers[0].AllowedIPs, s.Peers[1].AllowedIPs)
	}
	configure(t, d, func(tx *ConfigTx) error {
		p1 := tx.Peer(k1)
		if err := p1.AddAllowedIP(pfx("10.2.0.0/16")); err != nil {
			return err
		}
		if err := p1.AddAllowedIP(pfx("10.3.0.0/16")); err != nil {
			return err
		}
		tx.Peer(k2).RemoveAllowedIPs()
		return nil
	})
	s = d.Snapshot()
	if want := []netip.Prefix{pfx("10.3.0.0/16"), pfx("10.2.0.0/16"), pfx("fd00::/64")}; !slices.Equal(s.Peers[0].AllowedIPs, want) {
		t.Fatalf("not newest first: %v", s.Peers[0].AllowedIPs)
	}
	if len(s.Peers[1].AllowedIPs) != 0 {
		t.Fatal("RemoveAllowedIPs left prefixes")
	}
}

func TestConfigAddAllowedIPInvalid(t *testing.T) {
	d, _, _ := newLoneDevice(t, Options{})
	err := d.Configure(func(tx *ConfigTx) error {
		p, _ := tx.CreatePeer(pubOf(t))
		return p.AddAllowedIP(netip.Prefix{})
	})
	if !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("err %v, want EINVAL", err)
	}
}

func TestConfigPeerFields(t *testing.T) {
	d, _, _ := newLoneDevice(t, Options{})
	k := pubOf(t)
	psk := [32]byte{1, 2, 3}
	ep6 := netip.MustParseAddrPort("[fe80::1%2]:51820")
	configure(t, d, func(tx *ConfigTx) error {
		p, _ := tx.CreatePeer(k)
		p.SetEndpoint(ep6)
		p.SetPresharedKey(psk)
		p.SetPersistentKeepalive(25)
		return nil
	})
	ps := d.Snapshot().Peers[0]
	if ps.Endpoint != ep6 || ps.Endpoint.Addr().Zone() != "2" || ps.PresharedKey != psk || ps.PersistentKeepalive != 25 {
		t.Fatalf("%+v", ps)
	}
	if !ps.LastHandshake.IsZero() || ps.RxBytes != 0 || ps.TxBytes != 0 {
		t.Fatalf("%+v", ps)
	}
	configure(t, d, func(tx *ConfigTx) error {
		p := tx.Peer(k)
		p.SetEndpoint(netip.AddrPort{})
		p.SetPresharedKey([32]byte{})
		p.SetPersistentKeepalive(0)
		return nil
	})
	ps = d.Snapshot().Peers[0]
	if ps.Endpoint.IsValid() || ps.PresharedKey != ([32]byte{}) || ps.PersistentKeepalive != 0 {
		t.Fatalf("%+v", ps)
	}
}

func TestConfigPresharedKeyHandshake(t *testing.T) {
	tp := newPair(t)
	psk := [32]byte{9, 9, 9}
	for _, h := range []struct{ self, other *testHost }{{tp.a, tp.b}, {tp.b, tp.a}} {
		configure(t, h.self.dev, func(tx *ConfigTx) error {
			tx.Peer(h.other.pub).SetPresharedKey(psk)
			return nil
		})
	}
	send(t, tp.a, tp.b, false, "with psk")
	// A mismatched key makes the handshake fail.
	configure(t, tp.b.dev, func(tx *ConfigTx) error {
		tx.Peer(tp.a.pub).SetPresharedKey([32]byte{})
		return nil
	})
	configure(t, tp.a.dev, func(tx *ConfigTx) error {
		tx.SetPrivateKey(tp.a.key) // no change: keeps the session
		return nil
	})
	send(t, tp.a, tp.b, false, "old session still works")
}

func TestConfigClosed(t *testing.T) {
	d, _, _ := newLoneDevice(t, Options{})
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	called := false
	err := d.Configure(func(*ConfigTx) error { called = true; return nil })
	if !errors.Is(err, ErrClosed) || called {
		t.Fatalf("Configure after Close: %v, called %v", err, called)
	}
	if err := d.Up(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Up after Close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
}
