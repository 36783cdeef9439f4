// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"net/netip"
	"slices"
	"syscall"
	"testing"

	"github.com/wgbsd/wgbsd/nvlist"
)

// recTarget is a deviceModel that records every call, so it keeps allowed
// IPs as the kernel does (see deviceModel); with addOnRemove it adds a
// prefix sent for removal, as kernels before allowed-IP removal do. The
// test fakes of the kernel and of wgd apply their SET requests to it with
// ApplySet.
type recTarget struct {
	deviceModel
	calls []string
}

type recPeer struct {
	t *recTarget
	p SetPeerTarget
}

func newRecTarget(d Device, oldKernel bool) *recTarget {
	return &recTarget{deviceModel: deviceModel{dev: d, addOnRemove: oldKernel}}
}

func (r *recTarget) rec(s string)  { r.calls = append(r.calls, s) }
func (r *recTarget) ReplacePeers() { r.rec("replace-peers"); r.deviceModel.ReplacePeers() }
func (r *recTarget) SetListenPort(p uint16) error {
	r.rec("listen-port")
	return r.deviceModel.SetListenPort(p)
}
func (r *recTarget) SetUserCookie(c uint32) error {
	r.rec("user-cookie")
	return r.deviceModel.SetUserCookie(c)
}
func (r *recTarget) SetPrivateKey(k [32]byte) { r.rec("private-key"); r.deviceModel.SetPrivateKey(k) }
func (r *recTarget) RemovePeer(pub [32]byte)  { r.rec("remove-peer"); r.deviceModel.RemovePeer(pub) }

func (r *recTarget) Peer(pub [32]byte) SetPeerTarget {
	if p := r.deviceModel.Peer(pub); p != nil {
		return &recPeer{r, p}
	}
	return nil
}

func (r *recTarget) CreatePeer(pub [32]byte) (SetPeerTarget, error) {
	r.rec("create-peer")
	p, err := r.deviceModel.CreatePeer(pub)
	return &recPeer{r, p}, err
}

func (p *recPeer) SetEndpoint(ep netip.AddrPort) { p.t.rec("endpoint"); p.p.SetEndpoint(ep) }
func (p *recPeer) SetPresharedKey(k [32]byte)    { p.t.rec("psk"); p.p.SetPresharedKey(k) }
func (p *recPeer) SetPersistentKeepalive(s uint16) {
	p.t.rec("keepalive")
	p.p.SetPersistentKeepalive(s)
}
func (p *recPeer) RemoveAllowedIPs()                { p.t.rec("remove-aips"); p.p.RemoveAllowedIPs() }
func (p *recPeer) Destroy()                         { p.t.rec("destroy"); p.p.Destroy() }
func (p *recPeer) RemoveAllowedIP(pfx netip.Prefix) { p.t.rec("remove-aip"); p.p.RemoveAllowedIP(pfx) }
func (p *recPeer) AddAllowedIP(pfx netip.Prefix) error {
	p.t.rec("add-aip")
	return p.p.AddAllowedIP(pfx)
}

// applyRec applies the SET request l to d with ApplySet.
func applyRec(d *Device, l *nvlist.List, oldKernel bool) error {
	r := newRecTarget(*d, oldKernel)
	err := ApplySet(r, l)
	*d = r.dev
	return err
}

// TestApplySetOrderAndNonAtomic checks the kernel's fixed order (whatever
// the order in the buffer), that a failing step keeps what came before,
// and that a peer created by a failing element is destroyed again.
func TestApplySetOrderAndNonAtomic(t *testing.T) {
	l := nvlist.New()
	l.AddNumber(NVUserCookie, 7)
	l.AddBinary(NVPrivateKey, keyBytes(vIfacePriv))
	l.AddNumber(NVListenPort, 51820)
	l.AddBool(NVReplacePeers, true)
	good := nvlist.New()
	good.AddBinary(NVPublicKey, keyBytes(vPeer1))
	good.AddNumber(NVKeepalive, 25)
	bad := nvlist.New()
	bad.AddBinary(NVPublicKey, keyBytes(vPeer2))
	bad.AddNumber(NVKeepalive, 70000) // EINVAL after the peer was created
	never := nvlist.New()
	never.AddBinary(NVPublicKey, keyBytes(vPeer3))
	l.AddNVListArray(NVPeers, []*nvlist.List{good, bad, never})

	r := newRecTarget(Device{Peers: []Peer{{PublicKey: vPeer3}}}, false)
	err := ApplySet(r, l)
	if !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("ApplySet() = %v, want EINVAL", err)
	}
	want := []string{"replace-peers", "listen-port", "private-key", "user-cookie",
		"create-peer", "keepalive", "create-peer", "destroy"}
	if !slices.Equal(r.calls, want) {
		t.Fatalf("calls %q\nwant %q", r.calls, want)
	}
	if len(r.dev.Peers) != 1 || r.dev.Peers[0].PublicKey != vPeer1 || r.dev.Peers[0].PersistentKeepalive != 25 {
		t.Errorf("peers after the failure: %+v", r.dev.Peers)
	}
}

// TestApplySetOwnKeyAndRemove checks that an element naming the
// interface's own public key is ignored, even with remove, and that remove
// ignores the rest of its element.
func TestApplySetOwnKeyAndRemove(t *testing.T) {
	own := nvlist.New()
	own.AddBinary(NVPublicKey, keyBytes(vIfacePub))
	own.AddBool(NVRemove, true)
	rm := nvlist.New()
	rm.AddBinary(NVPublicKey, keyBytes(vPeer1))
	rm.AddBool(NVRemove, true)
	rm.AddNumber(NVKeepalive, 1<<40) // would be EINVAL
	l := nvlist.New()
	l.AddNVListArray(NVPeers, []*nvlist.List{own, rm})
	r := newRecTarget(Device{PublicKey: &vIfacePub, Peers: []Peer{{PublicKey: vPeer1}}}, false)
	if err := ApplySet(r, l); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.calls, []string{"remove-peer"}) || len(r.dev.Peers) != 0 {
		t.Fatalf("calls %q, peers %+v", r.calls, r.dev.Peers)
	}
}

// TestDeviceModelAddKeepsOwnPrefix pins how a prefix is added, as
// wg_aip_add in sys/dev/wg/if_wg.c does it: a node already in the table is
// moved only when another peer holds it,
//
//	aip = (struct wg_aip *)node;
//	if (aip->a_peer != peer) {
//		LIST_REMOVE(aip, a_entry);
//		...
//		LIST_INSERT_HEAD(&peer->p_aips, aip, a_entry);
//
// so adding a prefix the peer already holds leaves it where it is, and one
// taken from another peer goes to the head.
func TestDeviceModelAddKeepsOwnPrefix(t *testing.T) {
	p, q := testPeerKey(1), testPeerKey(2)
	m := &deviceModel{dev: Device{Peers: []Peer{
		{PublicKey: p, AllowedIPs: []netip.Prefix{pfxB, pfxA}},
		{PublicKey: q, AllowedIPs: []netip.Prefix{pfxC}},
	}}}
	peer := m.Peer(p)
	for _, pfx := range []netip.Prefix{pfxA, pfxB} {
		if err := peer.AddAllowedIP(pfx); err != nil {
			t.Fatal(err)
		}
	}
	if got := m.dev.Peers[0].AllowedIPs; !slices.Equal(got, []netip.Prefix{pfxB, pfxA}) {
		t.Fatalf("re-adding its own prefixes: %v, want [%v %v]", got, pfxB, pfxA)
	}
	if err := peer.AddAllowedIP(pfxC); err != nil {
		t.Fatal(err)
	}
	if got := m.dev.Peers[0].AllowedIPs; !slices.Equal(got, []netip.Prefix{pfxC, pfxB, pfxA}) {
		t.Errorf("taking q's prefix: %v, want it at the head", got)
	}
	if got := m.dev.Peers[1].AllowedIPs; len(got) != 0 {
		t.Errorf("q still has %v", got)
	}
}

// TestDeviceModelPrivateKey checks the model's private-key step as wgc_set
// in sys/dev/wg/if_wg.c takes it: only a key other than the stored one
// does anything,
//
//	if (noise_local_keys(sc->sc_local, NULL, private) != 0 ||
//	    timingsafe_bcmp(private, key, WG_KEY_SIZE) != 0) {
//
// destroying the peer that has the new public key ("Peer conflict: remove
// conflicting peer."), and the zero key removes the identity ("we might be
// removing the private key").
func TestDeviceModelPrivateKey(t *testing.T) {
	m := &deviceModel{dev: Device{Peers: []Peer{{PublicKey: vIfacePub}}}}
	m.SetPrivateKey(vIfacePriv)
	if pub, ok := m.PublicKey(); !ok || pub != vIfacePub || len(m.dev.Peers) != 0 {
		t.Fatalf("after a new key: public %x %v, peers %+v", pub, ok, m.dev.Peers)
	}
	m.dev.Peers = []Peer{{PublicKey: vIfacePub}}
	m.SetPrivateKey(vIfacePriv)
	if len(m.dev.Peers) != 1 {
		t.Errorf("the stored key destroyed a peer")
	}
	m.SetPrivateKey([32]byte{})
	if _, ok := m.PublicKey(); ok || m.dev.PrivateKey != nil {
		t.Errorf("the zero key left an identity")
	}
}
