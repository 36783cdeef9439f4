// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/wgbsd/wgbsd/nvlist"
)

// fakeKernel is a kernelOps that keeps one interface and applies SET
// requests with if_wg's rules, enough to drive the kernel backend.
type fakeKernel struct {
	name    string
	dev     Device
	members []string
	// joinAfterSize join the group right after the next size query, as
	// interfaces created between wg(8)'s two ioctls do.
	joinAfterSize []string
	noGroup       bool
	// growOnce adds a peer between the next size query and read, so the
	// read fails with ENOSPC once.
	growOnce bool
	// oldKernel ignores the allowed-IP flags key, adding prefixes sent for
	// removal, as kernels before allowed-IP removal do.
	oldKernel bool
	calls     []string
	sets      []*Config
}

func (f *fakeKernel) wgIoctl(get bool, name [ifNameSize]byte, buf []byte) (int, error) {
	if n, _ := ifName(f.name); n != name {
		return 0, syscall.ENXIO
	}
	if !get {
		f.calls = append(f.calls, "set")
		return f.set(buf)
	}
	data := f.packed()
	if buf == nil {
		f.calls = append(f.calls, "size")
		if f.growOnce {
			f.growOnce = false
			f.dev.Peers = append(f.dev.Peers, Peer{PublicKey: Key{0xee}})
		}
		return len(data), nil
	}
	f.calls = append(f.calls, "read")
	if len(buf) < len(data) {
		return 0, syscall.ENOSPC
	}
	return copy(buf, data), nil
}

func (f *fakeKernel) packed() []byte {
	l, err := EncodeGet(&f.dev, true)
	if err != nil {
		panic(err)
	}
	b, err := l.Pack()
	if err != nil {
		panic(err)
	}
	return b
}

func (f *fakeKernel) set(buf []byte) (int, error) {
	l, err := nvlist.Unpack(buf)
	if err != nil {
		return 0, syscall.EBADMSG
	}
	cfg, err := DecodeSet(l)
	if err != nil {
		return 0, errnoOf(err)
	}
	f.sets = append(f.sets, cfg)
	if err := applyRec(&f.dev, l, f.oldKernel); err != nil {
		return 0, errnoOf(err)
	}
	return len(buf), nil
}

// groupMembers answers SIOCGIFGMEMB as if_getgroupmembers in
// sys/net/if.c does. A zero length asks for the size:
//
//	if (ifgr->ifgr_len == 0) {
//		CK_STAILQ_FOREACH(ifgm, &ifg->ifg_members, ifgm_next)
//			ifgr->ifgr_len += sizeof(ifgrq);
//
// otherwise the members are copied out one by one, and a buffer too small
// for the next one fails with EINVAL after the ones that fit, leaving
// ifgr_len as the caller set it:
//
//	if (len < sizeof(ifgrq)) {
//		IFNET_RUNLOCK();
//		return (EINVAL);
//
// On success ifgr_len is left as the caller set it, too.
func (f *fakeKernel) groupMembers(group [ifNameSize]byte, buf []byte) (int, error) {
	f.calls = append(f.calls, "members")
	if f.noGroup {
		return 0, syscall.ENOENT
	}
	if len(buf) == 0 {
		n := len(f.members) * ifgReqSize
		f.members = append(f.members, f.joinAfterSize...)
		f.joinAfterSize = nil
		return n, nil
	}
	for i, m := range f.members {
		if len(buf)-i*ifgReqSize < ifgReqSize {
			return len(buf), syscall.EINVAL
		}
		var req [ifgReqSize]byte
		copy(req[:ifgReqSize-1], m)
		copy(buf[i*ifgReqSize:], req[:])
	}
	return len(buf), nil
}

func testPeerKey(b byte) Key { return Key{b, 31: b} }

func TestKernelGetSizeDance(t *testing.T) {
	f := &fakeKernel{name: "wg0", dev: Device{ListenPort: 51820, Peers: []Peer{{PublicKey: testPeerKey(1)}}}}
	k := &kernelBackend{ops: f}
	d, err := k.Device("wg0")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "wg0" || d.ListenPort != 51820 || len(d.Peers) != 1 {
		t.Fatalf("Device() = %+v", d)
	}
	if want := []string{"size", "read"}; !slices.Equal(f.calls, want) {
		t.Errorf("calls = %v, want %v", f.calls, want)
	}
}

func TestKernelGetRetriesWhenConfigGrows(t *testing.T) {
	f := &fakeKernel{name: "wg0", growOnce: true, dev: Device{Peers: []Peer{{PublicKey: testPeerKey(1)}}}}
	k := &kernelBackend{ops: f}
	d, err := k.Device("wg0")
	if err != nil {
		t.Fatalf("Device() = %v, want success after a retry", err)
	}
	if len(d.Peers) != 2 {
		t.Errorf("got %d peers, want 2", len(d.Peers))
	}
	if want := []string{"size", "read", "size", "read"}; !slices.Equal(f.calls, want) {
		t.Errorf("calls = %v, want %v", f.calls, want)
	}
}

func TestKernelGetBytesGivesUp(t *testing.T) {
	calls := 0
	_, err := kernelGetBytes(func(buf []byte) (int, error) {
		calls++
		if buf == nil {
			return 100 * calls, nil
		}
		return 0, syscall.ENOSPC
	})
	if !errors.Is(err, syscall.ENOSPC) || calls != 2*maxGetAttempts {
		t.Fatalf("err = %v after %d calls", err, calls)
	}
	_, err = kernelGetBytes(func(buf []byte) (int, error) { return 0, nil })
	if !errors.Is(err, syscall.EBADMSG) {
		t.Fatalf("zero size: err = %v", err)
	}
}

func TestKernelErrors(t *testing.T) {
	k := &kernelBackend{ops: &fakeKernel{name: "wg0"}}
	_, err := k.Device("em0")
	var en *Errno
	if !errors.As(err, &en) || en.Errno != syscall.ENXIO || en.Op != "get" {
		t.Fatalf("Device(em0) = %v, want get ENXIO", err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ENXIO does not match os.ErrNotExist")
	}
	// A name too long for the kernel is refused, not cut to 15 bytes
	// (which could address another interface).
	k2 := &kernelBackend{ops: &fakeKernel{name: "abcdefghijklmno"}}
	if _, err := k2.Device("abcdefghijklmnopqrst"); !errors.Is(err, syscall.ENAMETOOLONG) {
		t.Errorf("long name: %v, want ENAMETOOLONG", err)
	}
	err = k.ConfigureDevice("wg0", &Config{ListenPort: Ptr[uint16](1)})
	if err != nil {
		t.Errorf("set: %v", err)
	}
}

func TestKernelInterfaces(t *testing.T) {
	k := &kernelBackend{ops: &fakeKernel{members: []string{"wg0", "wg1", "vpn"}}}
	got, err := k.Interfaces()
	if err != nil || !slices.Equal(got, []string{"wg0", "wg1", "vpn"}) {
		t.Fatalf("Interfaces() = %q, %v", got, err)
	}
	k = &kernelBackend{ops: &fakeKernel{noGroup: true}}
	if got, err := k.Interfaces(); err != nil || len(got) != 0 {
		t.Fatalf("no group: Interfaces() = %q, %v", got, err)
	}
}

// TestKernelInterfacesGroupGrows pins the retry of the listing: the kernel
// answers a buffer that the group outgrew since the size query with EINVAL
// and does not say how much it needs (see fakeKernel.groupMembers), so the
// backend asks again with a larger buffer.
func TestKernelInterfacesGroupGrows(t *testing.T) {
	var joined []string
	for i := range 9 {
		joined = append(joined, fmt.Sprintf("wg%d", i+1))
	}
	f := &fakeKernel{members: []string{"wg0"}, joinAfterSize: joined}
	got, err := (&kernelBackend{ops: f}).Interfaces()
	if err != nil {
		t.Fatalf("Interfaces() = %v (calls %v)", err, f.calls)
	}
	if want := append([]string{"wg0"}, joined...); !slices.Equal(got, want) {
		t.Fatalf("Interfaces() = %q, want %q", got, want)
	}
}

// TestKernelInterfacesGivesUp checks that a group that outgrows every
// buffer ends the listing after a bounded number of attempts.
func TestKernelInterfacesGivesUp(t *testing.T) {
	ops := &growingGroup{}
	_, err := (&kernelBackend{ops: ops}).Interfaces()
	var en *Errno
	if !errors.Is(err, syscall.EINVAL) || !errors.As(err, &en) || en.Op != "list" {
		t.Fatalf("Interfaces() = %v, want a list EINVAL", err)
	}
	// Like kernelGetBytes, the error says why the last EINVAL was final.
	if want := fmt.Sprintf("kept growing during %d reads", maxGetAttempts); !strings.Contains(err.Error(), want) {
		t.Errorf("Interfaces() = %q, want it to say %q", err, want)
	}
	if ops.calls != 2*maxGetAttempts {
		t.Fatalf("%d ioctls, want %d", ops.calls, 2*maxGetAttempts)
	}
}

// growingGroup is a kernelOps whose group has always grown past the
// buffer by the time it is read.
type growingGroup struct {
	fakeKernel
	calls int
}

func (g *growingGroup) groupMembers(group [ifNameSize]byte, buf []byte) (int, error) {
	g.calls++
	if len(buf) == 0 {
		return g.calls * ifgReqSize, nil
	}
	return len(buf), syscall.EINVAL
}

func TestKernelUpdateOnly(t *testing.T) {
	f := &fakeKernel{name: "wg0", dev: Device{Peers: []Peer{{PublicKey: testPeerKey(1)}}}}
	k := &kernelBackend{ops: f}
	err := k.ConfigureDevice("wg0", &Config{Peers: []PeerConfig{
		{PublicKey: testPeerKey(1), UpdateOnly: true, PersistentKeepalive: Ptr[uint16](5)},
		{PublicKey: testPeerKey(2), UpdateOnly: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.sets) != 1 || len(f.sets[0].Peers) != 1 || f.sets[0].Peers[0].PublicKey != testPeerKey(1) {
		t.Fatalf("sent %+v, want only the existing peer", f.sets)
	}
	if len(f.dev.Peers) != 1 {
		t.Errorf("peer created by an update-only request: %+v", f.dev.Peers)
	}
}

var (
	pfxA = netip.MustParsePrefix("10.0.0.0/24")
	pfxB = netip.MustParsePrefix("10.0.1.0/24")
	pfxC = netip.MustParsePrefix("10.0.2.0/24")
)

func TestKernelAllowedIPRemovalSupported(t *testing.T) {
	f := &fakeKernel{name: "wg0", dev: Device{Peers: []Peer{{PublicKey: testPeerKey(1), AllowedIPs: []netip.Prefix{pfxB, pfxA}}}}}
	k := &kernelBackend{ops: f}
	err := k.ConfigureDevice("wg0", &Config{Peers: []PeerConfig{{
		PublicKey:  testPeerKey(1),
		AllowedIPs: []AllowedIP{{Prefix: pfxA, Remove: true}, {Prefix: pfxC}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.dev.Peers[0].AllowedIPs; !slices.Equal(got, []netip.Prefix{pfxC, pfxB}) {
		t.Errorf("allowed IPs = %v", got)
	}
}

func TestKernelAllowedIPRemovalOldKernel(t *testing.T) {
	owner, other := testPeerKey(1), testPeerKey(2)
	f := &fakeKernel{name: "wg0", oldKernel: true, dev: Device{Peers: []Peer{
		{PublicKey: owner, AllowedIPs: []netip.Prefix{pfxB, pfxA}},
		{PublicKey: other, AllowedIPs: []netip.Prefix{pfxC}},
	}}}
	k := &kernelBackend{ops: f}
	// Remove pfxA (ours: the old kernel keeps it) and pfxC (the other
	// peer's: the old kernel moves it to us).
	err := k.ConfigureDevice("wg0", &Config{Peers: []PeerConfig{{
		PublicKey: owner,
		AllowedIPs: []AllowedIP{
			{Prefix: netip.MustParsePrefix("10.0.0.7/24"), Remove: true},
			{Prefix: pfxC, Remove: true},
		},
	}}})
	if !errors.Is(err, ErrAllowedIPRemoval) {
		t.Fatalf("ConfigureDevice() = %v, want ErrAllowedIPRemoval", err)
	}
	if got := f.dev.Peers[0].AllowedIPs; !slices.Equal(got, []netip.Prefix{pfxB}) {
		t.Errorf("owner's allowed IPs = %v, want [%v]", got, pfxB)
	}
	if got := f.dev.Peers[1].AllowedIPs; !slices.Equal(got, []netip.Prefix{pfxC}) {
		t.Errorf("other peer's allowed IPs = %v, want [%v] back", got, pfxC)
	}
}

// TestKernelAllowedIPRemovedAndReadded pins that the removal check looks
// at what the request as a whole asks for: a prefix removed and added
// again in the same request (`-10.0.0.0/24,+10.0.0.0/24`, or two [Peer]
// sections of one key) must stay, on kernels with and without allowed-IP
// removal alike.
func TestKernelAllowedIPRemovedAndReadded(t *testing.T) {
	p := testPeerKey(1)
	requests := map[string][]PeerConfig{
		"one peer entry": {{PublicKey: p, AllowedIPs: []AllowedIP{{Prefix: pfxA, Remove: true}, {Prefix: pfxA}}}},
		"two peer entries": {
			{PublicKey: p, AllowedIPs: []AllowedIP{{Prefix: pfxA, Remove: true}}},
			{PublicKey: p, AllowedIPs: []AllowedIP{{Prefix: netip.MustParsePrefix("10.0.0.9/24")}}},
		},
	}
	for name, peers := range requests {
		for _, old := range []bool{false, true} {
			f := &fakeKernel{name: "wg0", oldKernel: old, dev: Device{Peers: []Peer{{PublicKey: p, AllowedIPs: []netip.Prefix{pfxB, pfxA}}}}}
			err := (&kernelBackend{ops: f}).ConfigureDevice("wg0", &Config{Peers: peers})
			if err != nil {
				t.Errorf("%s, old kernel %v: ConfigureDevice() = %v", name, old, err)
			}
			// A kernel with removal takes A away and adds it again, at
			// the head; one without adds A twice to the peer that holds
			// it, which leaves it where it was (wg_aip_add moves a
			// prefix only `if (aip->a_peer != peer)`).
			want := []netip.Prefix{pfxA, pfxB}
			if old {
				want = []netip.Prefix{pfxB, pfxA}
			}
			if got := f.dev.Peers[0].AllowedIPs; !slices.Equal(got, want) {
				t.Errorf("%s, old kernel %v: allowed IPs = %v, want %v", name, old, got, want)
			}
			// Nothing is removed, so nothing is read back either.
			if !slices.Equal(f.calls, []string{"set"}) {
				t.Errorf("%s, old kernel %v: calls %v, want one SET", name, old, f.calls)
			}
		}
	}
}

// TestKernelAllowedIPAddedThenRemoved is the other order: the request's
// last word on the prefix is removal, which an old kernel ignores.
func TestKernelAllowedIPAddedThenRemoved(t *testing.T) {
	p := testPeerKey(1)
	f := &fakeKernel{name: "wg0", oldKernel: true, dev: Device{Peers: []Peer{{PublicKey: p, AllowedIPs: []netip.Prefix{pfxB}}}}}
	err := (&kernelBackend{ops: f}).ConfigureDevice("wg0", &Config{Peers: []PeerConfig{
		{PublicKey: p, AllowedIPs: []AllowedIP{{Prefix: pfxA}}},
		{PublicKey: p, AllowedIPs: []AllowedIP{{Prefix: pfxA, Remove: true}}},
	}})
	if !errors.Is(err, ErrAllowedIPRemoval) {
		t.Fatalf("ConfigureDevice() = %v, want ErrAllowedIPRemoval", err)
	}
	if got := f.dev.Peers[0].AllowedIPs; !slices.Equal(got, []netip.Prefix{pfxB}) {
		t.Errorf("allowed IPs = %v, want [%v]", got, pfxB)
	}
}

// TestKernelAllowedIPRemovalWholeRequest pins that the removal check
// compares the whole device with what the request as a whole asks for. A
// prefix has one owner, and sys/dev/wg/if_wg.c applies the peer sections
// one after the other, in wgc_set:
//
//	for (int i = 0; i < peercount; i++) {
//		err = wg_peer_add(sc, nvl_peers[i]);
//
// while wg_aip_add takes a prefix from whichever peer held it:
//
//	if (aip->a_peer != peer) {
//		LIST_REMOVE(aip, a_entry);
//		...
//		LIST_INSERT_HEAD(&peer->p_aips, aip, a_entry);
//
// So a removal on one peer can undo an add on another, or take a prefix
// from a peer the request never names. On a kernel without allowed-IP
// removal the backend must end where a kernel with it ends.
func TestKernelAllowedIPRemovalWholeRequest(t *testing.T) {
	p, q := testPeerKey(1), testPeerKey(2)
	cases := []struct {
		name         string
		before       []Peer
		req          []PeerConfig
		wantP, wantQ []netip.Prefix
	}{{
		name:   "Q adds what P then removes",
		before: []Peer{{PublicKey: p, AllowedIPs: []netip.Prefix{pfxA}}, {PublicKey: q}},
		req: []PeerConfig{
			{PublicKey: q, AllowedIPs: []AllowedIP{{Prefix: pfxA}}},
			{PublicKey: p, AllowedIPs: []AllowedIP{{Prefix: pfxA, Remove: true}}},
		},
		wantP: nil, wantQ: []netip.Prefix{pfxA},
	}, {
		name:   "P removes Q's prefix, then replaces its own",
		before: []Peer{{PublicKey: p, AllowedIPs: []netip.Prefix{pfxB}}, {PublicKey: q, AllowedIPs: []netip.Prefix{pfxA}}},
		req: []PeerConfig{
			{PublicKey: p, AllowedIPs: []AllowedIP{{Prefix: pfxA, Remove: true}}},
			{PublicKey: p, ReplaceAllowedIPs: true, AllowedIPs: []AllowedIP{{Prefix: pfxC}}},
		},
		wantP: []netip.Prefix{pfxC}, wantQ: []netip.Prefix{pfxA},
	}, {
		name:   "P adds and removes Q's prefix",
		before: []Peer{{PublicKey: p}, {PublicKey: q, AllowedIPs: []netip.Prefix{pfxA}}},
		req: []PeerConfig{
			{PublicKey: p, AllowedIPs: []AllowedIP{{Prefix: pfxA}, {Prefix: pfxA, Remove: true}}},
		},
		wantP: nil, wantQ: nil,
	}}
	for _, c := range cases {
		for _, old := range []bool{false, true} {
			dev := cloneDevice(&Device{Peers: c.before})
			f := &fakeKernel{name: "wg0", oldKernel: old, dev: dev}
			err := (&kernelBackend{ops: f}).ConfigureDevice("wg0", &Config{Peers: c.req})
			if old && !errors.Is(err, ErrAllowedIPRemoval) {
				t.Errorf("%s, old kernel: ConfigureDevice() = %v, want ErrAllowedIPRemoval", c.name, err)
			}
			if !old && err != nil {
				t.Errorf("%s: ConfigureDevice() = %v", c.name, err)
			}
			gotP, gotQ := findPeer(&f.dev, p).AllowedIPs, findPeer(&f.dev, q).AllowedIPs
			if !slices.Equal(gotP, c.wantP) || !slices.Equal(gotQ, c.wantQ) {
				t.Errorf("%s, old kernel %v: P %v Q %v, want P %v Q %v", c.name, old, gotP, gotQ, c.wantP, c.wantQ)
			}
		}
	}
}

// TestKernelDeviceGivesUp checks that a device whose configuration outgrows
// every buffer fails as a get ENOSPC that still says why the last ENOSPC
// was final, as the group listing does.
func TestKernelDeviceGivesUp(t *testing.T) {
	ops := &growingDevice{fakeKernel: fakeKernel{name: "wg0"}}
	_, err := (&kernelBackend{ops: ops}).Device("wg0")
	var en *Errno
	if !errors.Is(err, syscall.ENOSPC) || !errors.As(err, &en) || en.Op != "get" {
		t.Fatalf("Device() = %v, want a get ENOSPC", err)
	}
	if want := fmt.Sprintf("kept growing during %d reads", maxGetAttempts); !strings.Contains(err.Error(), want) {
		t.Errorf("Device() = %q, want it to say %q", err, want)
	}
	if ops.calls != 2*maxGetAttempts {
		t.Fatalf("%d ioctls, want %d", ops.calls, 2*maxGetAttempts)
	}
}

// growingDevice is a kernelOps whose configuration has always grown past
// the buffer by the time it is read.
type growingDevice struct {
	fakeKernel
	calls int
}

func (g *growingDevice) wgIoctl(get bool, name [ifNameSize]byte, buf []byte) (int, error) {
	g.calls++
	if buf == nil {
		return 100 * g.calls, nil
	}
	return 0, syscall.ENOSPC
}
