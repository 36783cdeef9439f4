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

// recTarget is a SetTarget over a Device that records every call. It
// keeps allowed IPs as the kernel does (masked, newest first, moved from
// any other peer on add); with oldKernel it adds a prefix sent for
// removal, as kernels before allowed-IP removal do. The test fakes of the
// kernel and of wgd apply their SET requests to it with ApplySet.
type recTarget struct {
	dev       Device
	oldKernel bool
	calls     []string
}

type recPeer struct {
	t   *recTarget
	key Key
}

func (r *recTarget) rec(s string)       { r.calls = append(r.calls, s) }
func (r *recTarget) ReplacePeers()      { r.rec("replace-peers"); r.dev.Peers = nil }
func (r *recTarget) ListenPort() uint16 { return r.dev.ListenPort }
func (r *recTarget) SetListenPort(p uint16) error {
	r.rec("listen-port")
	r.dev.ListenPort = p
	return nil
}
func (r *recTarget) SetUserCookie(c uint32) error { r.rec("user-cookie"); r.dev.FwMark = c; return nil }
func (r *recTarget) SetPrivateKey(k [32]byte)     { r.rec("private-key"); r.dev.PrivateKey = Ptr(Key(k)) }
func (r *recTarget) RemovePeer(pub [32]byte)      { r.rec("remove-peer"); r.del(pub) }
func (r *recTarget) PublicKey() ([32]byte, bool) {
	if r.dev.PublicKey == nil {
		return [32]byte{}, false
	}
	return *r.dev.PublicKey, true
}

func (r *recTarget) find(pub Key) int {
	return slices.IndexFunc(r.dev.Peers, func(p Peer) bool { return p.PublicKey == pub })
}

func (r *recTarget) del(pub Key) {
	if i := r.find(pub); i >= 0 {
		r.dev.Peers = slices.Delete(r.dev.Peers, i, i+1)
	}
}

func (r *recTarget) Peer(pub [32]byte) SetPeerTarget {
	if r.find(pub) < 0 {
		return nil
	}
	return &recPeer{r, pub}
}

func (r *recTarget) CreatePeer(pub [32]byte) (SetPeerTarget, error) {
	r.rec("create-peer")
	r.dev.Peers = append(r.dev.Peers, Peer{PublicKey: pub})
	return &recPeer{r, pub}, nil
}

func (p *recPeer) peer() *Peer { return &p.t.dev.Peers[p.t.find(p.key)] }
func (p *recPeer) SetEndpoint(ep netip.AddrPort) {
	p.t.rec("endpoint")
	e, _ := EndpointFromAddrPort(ep)
	p.peer().Endpoint = e
}
func (p *recPeer) SetPresharedKey(k [32]byte) { p.t.rec("psk"); p.peer().PresharedKey = Ptr(Key(k)) }
func (p *recPeer) SetPersistentKeepalive(s uint16) {
	p.t.rec("keepalive")
	p.peer().PersistentKeepalive = s
}
func (p *recPeer) RemoveAllowedIPs() { p.t.rec("remove-aips"); p.peer().AllowedIPs = nil }
func (p *recPeer) Destroy()          { p.t.rec("destroy"); p.t.del(p.key) }

func (p *recPeer) RemoveAllowedIP(pfx netip.Prefix) {
	p.t.rec("remove-aip")
	if p.t.oldKernel {
		p.add(pfx)
		return
	}
	p.peer().AllowedIPs = slices.DeleteFunc(p.peer().AllowedIPs, func(q netip.Prefix) bool { return q == pfx })
}

func (p *recPeer) AddAllowedIP(pfx netip.Prefix) error {
	p.t.rec("add-aip")
	p.add(pfx)
	return nil
}

func (p *recPeer) add(pfx netip.Prefix) {
	for i := range p.t.dev.Peers {
		o := &p.t.dev.Peers[i]
		o.AllowedIPs = slices.DeleteFunc(o.AllowedIPs, func(q netip.Prefix) bool { return q == pfx })
	}
	p.peer().AllowedIPs = append([]netip.Prefix{pfx}, p.peer().AllowedIPs...)
}

// applyRec applies the SET request l to d with ApplySet.
func applyRec(d *Device, l *nvlist.List, oldKernel bool) error {
	r := &recTarget{dev: *d, oldKernel: oldKernel}
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

	r := &recTarget{dev: Device{Peers: []Peer{{PublicKey: vPeer3}}}}
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
	r := &recTarget{dev: Device{PublicKey: &vIfacePub, Peers: []Peer{{PublicKey: vPeer1}}}}
	if err := ApplySet(r, l); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.calls, []string{"remove-peer"}) || len(r.dev.Peers) != 0 {
		t.Fatalf("calls %q, peers %+v", r.calls, r.dev.Peers)
	}
}
