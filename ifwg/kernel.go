// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"

	"github.com/wgbsd/wgbsd/nvlist"
)

// ErrKernelUnsupported reports that this operating system has no if_wg
// kernel interface.
var ErrKernelUnsupported = errors.New("no if_wg kernel interface on this system")

// ErrAllowedIPRemoval reports a kernel that does not know allowed-IP
// removal: it added the prefixes it was asked to remove. The kernel backend
// detects this by reading the interface back and restores the allowed IPs
// it changed.
var ErrAllowedIPRemoval = errors.New("the kernel does not support removing single allowed IPs " +
	"(it added them instead; they were taken away again): use a replacing allowed-ips list")

// kernelOps is the syscall layer of the kernel backend: one ioctl on the
// control socket each. Tests replace it with a fake.
type kernelOps interface {
	// wgIoctl issues SIOCSWG or SIOCGWG (get selects which) for the
	// interface with buf as the data; a nil buf with get asks for the size.
	// It returns wgd_size as the kernel left it.
	wgIoctl(get bool, name [ifNameSize]byte, buf []byte) (int, error)
	// groupMembers issues SIOCGIFGMEMB for group; a nil buf asks for the
	// size. It returns ifgr_len as the kernel left it.
	groupMembers(group [ifNameSize]byte, buf []byte) (int, error)
}

// kernelBackend speaks if_wg's SIOCSWG/SIOCGWG ioctls.
type kernelBackend struct {
	ops kernelOps
}

var _ Backend = (*kernelBackend)(nil)

// Interfaces lists the members of interface group "wg" in the kernel's
// order; no such group means no interfaces. The kernel answers a buffer
// that the group outgrew since the size query with EINVAL, without saying
// how much it needs (if_getgroupmembers in sys/net/if.c), so the listing
// asks again with a larger buffer, a bounded number of times.
func (k *kernelBackend) Interfaces() ([]string, error) {
	group, _ := ifName(wgGroup)
	have := 0
	for attempt := 0; attempt < maxGetAttempts; attempt++ {
		n, err := k.ops.groupMembers(group, nil)
		if errors.Is(err, syscall.ENOENT) {
			return nil, nil
		}
		if err != nil {
			return nil, kernelErr("list", err)
		}
		if n == 0 {
			return nil, nil
		}
		buf := make([]byte, max(n+4*ifgReqSize, 2*have))
		have = len(buf)
		_, err = k.ops.groupMembers(group, buf)
		if errors.Is(err, syscall.EINVAL) {
			continue
		}
		if errors.Is(err, syscall.ENOENT) {
			return nil, nil
		}
		if err != nil {
			return nil, kernelErr("list", err)
		}
		return parseGroupMembers(buf), nil
	}
	return nil, fmt.Errorf("group %s kept growing during %d reads: %w",
		wgGroup, maxGetAttempts, &Errno{Op: "list", Errno: syscall.EINVAL})
}

// Device reads the interface with SIOCGWG.
func (k *kernelBackend) Device(name string) (*Device, error) {
	l, err := k.get(name)
	if err != nil {
		return nil, err
	}
	d, err := DecodeGet(l)
	if err != nil {
		return nil, fmt.Errorf("invalid reply for %s: %w", name, err)
	}
	d.Name = name
	return d, nil
}

func (k *kernelBackend) get(name string) (*nvlist.List, error) {
	n, err := ifName(name)
	if err != nil {
		return nil, err
	}
	data, err := kernelGetBytes(func(buf []byte) (int, error) {
		return k.ops.wgIoctl(true, n, buf)
	})
	if err != nil {
		return nil, kernelErr("get", err)
	}
	l, err := nvlist.UnpackOwned(data)
	if err != nil {
		return nil, fmt.Errorf("invalid reply for %s: %w", name, err)
	}
	return l, nil
}

// ConfigureDevice applies cfg with SIOCSWG. Peers marked UpdateOnly are
// checked against the current state first, since the nvlist protocol has
// no such key. When a kernel without allowed-IP removal (which adds the
// prefixes it is asked to remove) would leave other allowed IPs than one
// with it, the result is read back and compared with what the request
// asks for; what differs is put right and reported as ErrAllowedIPRemoval.
func (k *kernelBackend) ConfigureDevice(name string, cfg *Config) error {
	n, err := ifName(name)
	if err != nil {
		return err
	}
	var before *Device
	if hasUpdateOnly(cfg) || lastWordRemoves(cfg) {
		if before, err = k.Device(name); err != nil {
			return err
		}
		cfg = resolveUpdateOnly(cfg, before)
	}
	l, err := EncodeSet(cfg)
	if err != nil {
		return err
	}
	var want *Device
	if before != nil && lastWordRemoves(cfg) {
		want = removalOutcome(before, l)
	}
	if err := k.setList(n, l); err != nil {
		return err
	}
	if want == nil {
		return nil
	}
	after, err := k.Device(name)
	if err != nil {
		return err
	}
	repair := allowedIPRepair(want, after)
	if repair == nil {
		return nil
	}
	if err := k.set(n, repair); err != nil {
		return fmt.Errorf("%w; restoring the allowed IPs failed: %w", ErrAllowedIPRemoval, err)
	}
	return ErrAllowedIPRemoval
}

func (k *kernelBackend) set(name [ifNameSize]byte, cfg *Config) error {
	l, err := EncodeSet(cfg)
	if err != nil {
		return err
	}
	return k.setList(name, l)
}

func (k *kernelBackend) setList(name [ifNameSize]byte, l *nvlist.List) error {
	data, err := l.Pack()
	if err != nil {
		return fmt.Errorf("failed to pack set request: %w", err)
	}
	if _, err := k.ops.wgIoctl(false, name, data); err != nil {
		return kernelErr("set", err)
	}
	return nil
}

// kernelErr wraps an ioctl failure as an *Errno. An error that already
// holds one keeps its text, which says more than the errno.
func kernelErr(op string, err error) error {
	if _, ok := errors.AsType[*Errno](err); ok {
		return err
	}
	if en := errnoOf(err); en != 0 {
		return &Errno{Op: op, Errno: en}
	}
	return err
}

func hasUpdateOnly(cfg *Config) bool {
	for i := range cfg.Peers {
		if cfg.Peers[i].UpdateOnly {
			return true
		}
	}
	return false
}

// lastWordRemoves reports whether the request's last mention of some
// prefix, over all its peers, is a removal. Only then can kernels with and
// without allowed-IP removal disagree: after an add of a prefix to a peer,
// both give it to that peer, and what follows treats both alike.
func lastWordRemoves(cfg *Config) bool {
	last := map[netip.Prefix]bool{}
	for i := range cfg.Peers {
		for _, a := range cfg.Peers[i].AllowedIPs {
			last[a.Prefix.Masked()] = a.Remove
		}
	}
	for _, remove := range last {
		if remove {
			return true
		}
	}
	return false
}

// resolveUpdateOnly returns cfg without the UpdateOnly peers that do not
// exist in d, and with UpdateOnly cleared on the others. With ReplacePeers
// no peer exists any more when the peers are applied.
func resolveUpdateOnly(cfg *Config, d *Device) *Config {
	if !hasUpdateOnly(cfg) {
		return cfg
	}
	exists := make(map[Key]bool, len(d.Peers))
	if !cfg.ReplacePeers {
		for i := range d.Peers {
			exists[d.Peers[i].PublicKey] = true
		}
	}
	out := *cfg
	out.Peers = make([]PeerConfig, 0, len(cfg.Peers))
	for _, pc := range cfg.Peers {
		if pc.UpdateOnly {
			if !exists[pc.PublicKey] {
				continue
			}
			pc.UpdateOnly = false
		}
		exists[pc.PublicKey] = !pc.Remove
		out.Peers = append(out.Peers, pc)
	}
	return &out
}

// removalOutcome returns the device as the SET request l leaves before
// on a kernel with allowed-IP removal, or nil when a kernel without it
// would leave the same allowed IPs (nothing to check afterwards) or when
// the request fails in the model (the kernel then fails it too).
func removalOutcome(before *Device, l *nvlist.List) *Device {
	want, err := predictSet(before, l, false)
	if err != nil {
		return nil
	}
	old, err := predictSet(before, l, true)
	if err != nil || allowedIPRepair(want, old) == nil {
		return nil
	}
	return want
}

// allowedIPRepair returns the request that gives every peer of got the
// allowed IPs it has in want (replacing its list, oldest first so the
// kernel's newest-first order comes out as in want), or nil when every
// peer present in both already has them. Peers only one side has are left
// alone.
func allowedIPRepair(want, got *Device) *Config {
	var repair *Config
	for i := range got.Peers {
		g := &got.Peers[i]
		w := findPeer(want, g.PublicKey)
		if w == nil || samePrefixes(w.AllowedIPs, g.AllowedIPs) {
			continue
		}
		if repair == nil {
			repair = &Config{}
		}
		rc := PeerConfig{PublicKey: g.PublicKey, ReplaceAllowedIPs: true}
		for j := len(w.AllowedIPs) - 1; j >= 0; j-- {
			rc.AllowedIPs = append(rc.AllowedIPs, AllowedIP{Prefix: w.AllowedIPs[j]})
		}
		repair.Peers = append(repair.Peers, rc)
	}
	return repair
}

// samePrefixes reports whether a and b hold the same prefixes, in any
// order.
func samePrefixes(a, b []netip.Prefix) bool {
	if len(a) != len(b) {
		return false
	}
	for _, p := range a {
		if !hasPrefix(b, p) {
			return false
		}
	}
	return true
}

func findPeer(d *Device, key Key) *Peer {
	if d == nil {
		return nil
	}
	for i := range d.Peers {
		if d.Peers[i].PublicKey == key {
			return &d.Peers[i]
		}
	}
	return nil
}

func hasPrefix(list []netip.Prefix, p netip.Prefix) bool {
	for _, q := range list {
		if q.Masked() == p {
			return true
		}
	}
	return false
}
