// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/nvlist"
)

// configuredEngine returns an engine with an identity, a port, a cookie
// and two peers, one with a preshared key, an endpoint, a handshake and
// traffic.
func configuredEngine() *fakeEngine {
	e := newFakeEngine()
	e.priv, e.hasID, e.port, e.cookie = key(0x42).Clamped(), true, 51820, 0x1234
	e.peers = []*fakePeer{{
		pub:       key(1),
		psk:       key(0x99),
		ep:        netip.MustParseAddrPort("192.0.2.1:51820"),
		keepalive: 25,
		aips:      []netip.Prefix{netip.MustParsePrefix("10.0.0.2/32"), netip.MustParsePrefix("fd00::/64")},
		rx:        1000, tx: 2000,
		handshake: time.Unix(1700000000, 5),
	}, {pub: key(2)}}
	return e
}

func TestGetPrivileged(t *testing.T) {
	e := configuredEngine()
	n := newNVClient(t, newTestServer(t, e), true)
	want, err := ifwg.EncodeGet(e.Snapshot(), true)
	if err != nil {
		t.Fatal(err)
	}
	got := n.get()
	if !nvlist.Equal(got, want) {
		t.Fatalf("GET reply differs from wgc_get's")
	}
	d, err := ifwg.DecodeGet(got)
	if err != nil {
		t.Fatal(err)
	}
	if d.PrivateKey == nil || *d.PrivateKey != key(0x42).Clamped() || *d.Peers[0].PresharedKey != key(0x99) {
		t.Error("privileged reply without the keys")
	}
	if d.Peers[1].PresharedKey == nil || !d.Peers[1].PresharedKey.IsZero() {
		t.Error("peer without a preshared key: want 32 zero bytes")
	}
}

func TestGetUnprivileged(t *testing.T) {
	e := configuredEngine()
	n := newNVClient(t, newTestServer(t, e), false)
	got := n.get()
	if _, ok := got.Binary(ifwg.NVPrivateKey); ok {
		t.Error("private-key sent to an unprivileged caller")
	}
	if _, ok := got.Binary(ifwg.NVPublicKey); !ok {
		t.Error("public-key missing")
	}
	ps, _ := got.NVListArray(ifwg.NVPeers)
	if len(ps) != 2 {
		t.Fatalf("%d peers", len(ps))
	}
	for _, p := range ps {
		if p.Exists(ifwg.NVPresharedKey) {
			t.Error("preshared-key sent to an unprivileged caller")
		}
	}
	want, _ := ifwg.EncodeGet(e.Snapshot(), false)
	if !nvlist.Equal(got, want) {
		t.Error("GET reply differs from wgc_get's")
	}
}

func TestGetEmpty(t *testing.T) {
	n := newNVClient(t, newTestServer(t, newFakeEngine()), true)
	en, data := n.roundTrip(ifwg.ControlGet, nil)
	want := append([]byte{0x6c}, make([]byte, 18)...)
	if en != 0 || !bytes.Equal(data, want) {
		t.Errorf("GET of a fresh interface: %v % x", en, data)
	}
}

func TestSetUnprivileged(t *testing.T) {
	e := configuredEngine()
	n := newNVClient(t, newTestServer(t, e), false)
	for _, payload := range [][]byte{nil, {1, 2, 3}, mustPack(t, nv(t, ifwg.NVReplacePeers, true))} {
		if en, _ := n.roundTrip(ifwg.ControlSet, payload); en != syscall.EPERM {
			t.Errorf("SET of %d bytes: %v, want EPERM", len(payload), en)
		}
	}
	if len(e.calls) != 0 || e.configures != 0 {
		t.Errorf("engine changed: %v", e.calls)
	}
	if d, _ := ifwg.DecodeGet(n.get()); len(d.Peers) != 2 {
		t.Error("connection unusable after EPERM")
	}
}

func mustPack(t *testing.T, l *nvlist.List) []byte {
	t.Helper()
	b, err := l.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRequestErrnos(t *testing.T) {
	n := newNVClient(t, newTestServer(t, configuredEngine()), true)
	for _, c := range []struct {
		name    string
		cmd     uint32
		payload []byte
		want    syscall.Errno
	}{
		{"empty SET", ifwg.ControlSet, nil, syscall.EFAULT},
		{"SET of garbage", ifwg.ControlSet, []byte("not an nvlist"), syscall.EBADMSG},
		{"SET with trailing bytes", ifwg.ControlSet, append(mustPack(t, nvlist.New()), 0), syscall.EBADMSG},
		{"GET with a payload", ifwg.ControlGet, []byte{0}, syscall.EINVAL},
		{"unknown command", 0xc02069d4, []byte("payload"), syscall.ENOTTY},
		{"ILP32 SET number", 0xc01869d2, nil, syscall.ENOTTY},
		{"empty nvlist", ifwg.ControlSet, mustPack(t, nvlist.New()), 0},
	} {
		if en, data := n.roundTrip(c.cmd, c.payload); en != c.want || len(data) != 0 {
			t.Errorf("%s: %v (%d bytes), want %v", c.name, en, len(data), c.want)
		}
	}
	// Still usable after every error.
	if d, _ := ifwg.DecodeGet(n.get()); len(d.Peers) != 2 {
		t.Error("GET after errors")
	}
}

// header returns a request header.
func header(cmd uint32, reserved uint32, size uint64) []byte {
	h := make([]byte, ifwg.ControlHeaderLen)
	binary.LittleEndian.PutUint32(h, cmd)
	binary.LittleEndian.PutUint32(h[4:], reserved)
	binary.LittleEndian.PutUint64(h[8:], size)
	return h
}

func TestHugeSizes(t *testing.T) {
	for _, c := range []struct {
		name string
		priv bool
		cmd  uint32
		size uint64
		want syscall.Errno
	}{
		{"SET of 0x7fffffff bytes", true, ifwg.ControlSet, 0x7fffffff, syscall.E2BIG},
		{"SET of 2^64-1 bytes", true, ifwg.ControlSet, 1<<64 - 1, syscall.E2BIG},
		{"unprivileged SET", false, ifwg.ControlSet, 1 << 40, syscall.EPERM},
		{"GET", true, ifwg.ControlGet, 1 << 40, syscall.EINVAL},
		{"unknown", true, 7, 1 << 40, syscall.ENOTTY},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := newNVClient(t, newTestServer(t, newFakeEngine()), c.priv)
			if _, err := n.c.Write(header(c.cmd, 0, c.size)); err != nil {
				t.Fatal(err)
			}
			en, data, err := ifwg.ReadControlReply(n.r)
			if err != nil || en != c.want || len(data) != 0 {
				t.Fatalf("reply %v %d bytes %v, want %v", en, len(data), err, c.want)
			}
			n.expectClosed()
		})
	}
}

func TestFramingErrorsClose(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"reserved word not zero", header(ifwg.ControlGet, 1, 0)},
		{"short payload", append(header(ifwg.ControlSet, 0, 100), 1, 2, 3)},
		{"short header", []byte{1, 2, 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := newNVClient(t, newTestServer(t, newFakeEngine()), true)
			if _, err := n.c.Write(c.data); err != nil {
				t.Fatal(err)
			}
			n.c.(interface{ CloseWrite() error }).CloseWrite()
			n.expectClosed()
		})
	}
	t.Run("bad greeting", func(t *testing.T) {
		c := dialServer(t, newTestServer(t, newFakeEngine()), true)
		c.Write([]byte("nvlist=2\n"))
		n := &nvClient{clientConn{t: t, c: c, r: bufioReader(c)}}
		n.expectClosed()
	})
}

func TestManyRequestsPerConnection(t *testing.T) {
	e := newFakeEngine()
	n := newNVClient(t, newTestServer(t, e), true)
	// Send every request before reading any reply.
	var batch bytes.Buffer
	const count = 50
	for i := range count {
		l := nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(byte(i)), ifwg.NVKeepalive, i)))
		ifwg.WriteControlRequest(&batch, ifwg.ControlSet, mustPack(t, l))
		ifwg.WriteControlRequest(&batch, ifwg.ControlGet, nil)
	}
	go n.c.Write(batch.Bytes())
	for i := range count {
		if en, _, err := ifwg.ReadControlReply(n.r); err != nil || en != 0 {
			t.Fatalf("SET %d: %v %v", i, en, err)
		}
		en, data, err := ifwg.ReadControlReply(n.r)
		if err != nil || en != 0 {
			t.Fatalf("GET %d: %v %v", i, en, err)
		}
		l, _ := nvlist.Unpack(data)
		d, _ := ifwg.DecodeGet(l)
		if len(d.Peers) != i+1 || d.Peers[i].PersistentKeepalive != uint16(i) {
			t.Fatalf("GET %d: %d peers", i, len(d.Peers))
		}
	}
}

func TestEngineClosed(t *testing.T) {
	e := newFakeEngine()
	e.closed = true
	n := newNVClient(t, newTestServer(t, e), true)
	if en := n.set(nv(t, ifwg.NVListenPort, 1)); en != syscall.ENXIO {
		t.Errorf("SET on a closed engine: %v, want ENXIO", en)
	}
}

// TestSetVectors applies the SET vectors that wg(8) produces for common
// commands and checks them against ifwg's all-or-nothing decoding.
func TestSetVectors(t *testing.T) {
	testSetVectors(t, func(*testing.T) Engine { return newFakeEngine() })
}

// testSetVectors applies each SET vector of ifwg/testdata to a fresh
// engine made by newEngine, through a server, and checks what GET then
// shows against ifwg's all-or-nothing decoding of the vector.
func testSetVectors(t *testing.T, newEngine func(t *testing.T) Engine) {
	files, _ := filepath.Glob("../../ifwg/testdata/set-*.bin")
	if len(files) == 0 {
		t.Fatal("no SET vectors in ../../ifwg/testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			n := newNVClient(t, newTestServer(t, newEngine(t)), true)
			if en, _ := n.roundTrip(ifwg.ControlSet, b); en != 0 {
				t.Fatalf("SET: %v", en)
			}
			l, _ := nvlist.Unpack(b)
			cfg, err := ifwg.DecodeSet(l)
			if err != nil {
				t.Fatal(err)
			}
			checkApplied(t, cfg, n.device())
		})
	}
}

// checkApplied checks that a fresh interface shows what cfg set.
func checkApplied(t *testing.T, cfg *ifwg.Config, d *ifwg.Device) {
	t.Helper()
	if cfg.ListenPort != nil && d.ListenPort != *cfg.ListenPort {
		t.Errorf("listen port %d", d.ListenPort)
	}
	if cfg.FwMark != nil && d.FwMark != *cfg.FwMark {
		t.Errorf("fwmark %d", d.FwMark)
	}
	live := 0
	for _, pc := range cfg.Peers {
		if pc.Remove {
			continue
		}
		live++
		var p *ifwg.Peer
		for i := range d.Peers {
			if d.Peers[i].PublicKey == pc.PublicKey {
				p = &d.Peers[i]
			}
		}
		if p == nil {
			t.Errorf("peer %v missing", pc.PublicKey)
			continue
		}
		if pc.Endpoint != nil && p.Endpoint.AddrPort() != pc.Endpoint.AddrPort() {
			t.Errorf("endpoint %v, want %v", p.Endpoint, pc.Endpoint)
		}
		var adds []netip.Prefix
		for _, a := range pc.AllowedIPs {
			if !a.Remove {
				adds = append([]netip.Prefix{a.Prefix.Masked()}, adds...)
			}
		}
		if !slices.Equal(p.AllowedIPs, adds) {
			t.Errorf("allowed IPs %v, want %v", p.AllowedIPs, adds)
		}
	}
	if len(d.Peers) != live {
		t.Errorf("%d peers, want %d", len(d.Peers), live)
	}
}

// TestLargeSetReleasesMemory checks that a privileged SET of largeSet
// bytes or more, and only such a SET, has the server return freed memory
// to the system once it is answered. The padding is a key ApplySet does
// not know, which it ignores, as wgc_set does. The server releases after
// its reply; the GET that follows each SET on the same connection is
// answered only once that is done.
func TestLargeSetReleasesMemory(t *testing.T) {
	e := newFakeEngine()
	s := newTestServer(t, e)
	var released atomic.Int32
	s.releaseMemory = func() { released.Add(1) }
	n := newNVClient(t, s, true)
	small := nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1))))
	if en := n.set(small); en != 0 {
		t.Fatalf("small SET: %v", en)
	}
	n.get()
	if got := released.Load(); got != 0 {
		t.Fatalf("memory released after a SET of %d bytes", len(mustPack(t, small)))
	}
	large := nv(t, "padding", make([]byte, largeSet), ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(2))))
	if en := n.set(large); en != 0 {
		t.Fatalf("large SET: %v", en)
	}
	n.get()
	if got := released.Load(); got != 1 {
		t.Fatalf("memory released %d times after a SET of %d bytes, want once", got, len(mustPack(t, large)))
	}
	if d := n.device(); len(d.Peers) != 2 {
		t.Fatalf("%d peers after both SETs, want 2", len(d.Peers))
	}
	u := newNVClient(t, s, false)
	if en := u.set(large); en != syscall.EPERM {
		t.Fatalf("unprivileged large SET: %v, want EPERM", en)
	}
	u.get()
	if got := released.Load(); got != 1 {
		t.Fatalf("memory released after a refused SET (%d times in all)", got)
	}
}
