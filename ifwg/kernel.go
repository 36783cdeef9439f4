// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
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
	return nil, &Errno{Op: "list", Errno: syscall.EINVAL}
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
// no such key. When cfg removes allowed IPs, the result is read back: a
// kernel without allowed-IP removal adds those prefixes instead, which is
// undone and reported as ErrAllowedIPRemoval.
func (k *kernelBackend) ConfigureDevice(name string, cfg *Config) error {
	n, err := ifName(name)
	if err != nil {
		return err
	}
	var before *Device
	if hasUpdateOnly(cfg) || hasAllowedIPRemoval(cfg) {
		if before, err = k.Device(name); err != nil {
			return err
		}
		cfg = resolveUpdateOnly(cfg, before)
	}
	if err := k.set(n, cfg); err != nil {
		return err
	}
	if !hasAllowedIPRemoval(cfg) {
		return nil
	}
	after, err := k.Device(name)
	if err != nil {
		return err
	}
	repair := removalRepair(cfg, before, after)
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
	data, err := l.Pack()
	if err != nil {
		return fmt.Errorf("failed to pack set request: %w", err)
	}
	if _, err := k.ops.wgIoctl(false, name, data); err != nil {
		return kernelErr("set", err)
	}
	return nil
}

// kernelErr wraps an ioctl failure as an *Errno.
func kernelErr(op string, err error) error {
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

// hasAllowedIPRemoval reports whether the request as a whole removes an
// allowed IP from a peer: a prefix removed and added again stays.
func hasAllowedIPRemoval(cfg *Config) bool {
	removed, _ := requestedRemovals(cfg)
	for _, m := range removed {
		for _, remove := range m {
			if remove {
				return true
			}
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

// removalRepair compares the state after a SET that removed allowed IPs
// with the state before it. When a prefix the request as a whole removed
// from a peer (its last word on that prefix for that peer is removal) is
// now held by that peer, the kernel ignored the removal flag and added it;
// the returned Config takes such prefixes away again (replacing the peer's
// allowed IPs, oldest first so the kernel's newest-first order is kept) and
// gives prefixes that had moved from another peer back to it. It returns nil
// when every removal took effect.
func removalRepair(cfg *Config, before, after *Device) *Config {
	removed, order := requestedRemovals(cfg)
	wrong := map[Key]map[netip.Prefix]bool{}
	for _, key := range order {
		p := findPeer(after, key)
		if p == nil {
			continue
		}
		for pfx, remove := range removed[key] {
			if remove && hasPrefix(p.AllowedIPs, pfx) {
				if wrong[key] == nil {
					wrong[key] = map[netip.Prefix]bool{}
				}
				wrong[key][pfx] = true
			}
		}
	}
	if len(wrong) == 0 {
		return nil
	}
	repair := &Config{}
	for _, key := range order {
		bad := wrong[key]
		if bad == nil {
			continue
		}
		p := findPeer(after, key)
		rc := PeerConfig{PublicKey: key, ReplaceAllowedIPs: true}
		var moved []netip.Prefix
		for i := len(p.AllowedIPs) - 1; i >= 0; i-- {
			if pfx := p.AllowedIPs[i]; !bad[pfx] {
				rc.AllowedIPs = append(rc.AllowedIPs, AllowedIP{Prefix: pfx})
			} else {
				moved = append(moved, pfx)
			}
		}
		repair.Peers = append(repair.Peers, rc)
		for _, pfx := range moved {
			if owner := prefixOwner(before, pfx); owner != nil && !owner.Equal(key) && findPeer(after, *owner) != nil {
				repair.Peers = append(repair.Peers, PeerConfig{
					PublicKey:  *owner,
					AllowedIPs: []AllowedIP{{Prefix: pfx}},
				})
			}
		}
	}
	return repair
}

// requestedRemovals returns, for each peer cfg changes, the prefixes it
// names with whether the request's last word on each is removal, and the
// peers in the order of their first appearance. Removing a peer forgets
// what came before for it.
func requestedRemovals(cfg *Config) (map[Key]map[netip.Prefix]bool, []Key) {
	last := map[Key]map[netip.Prefix]bool{}
	var order []Key
	for i := range cfg.Peers {
		pc := &cfg.Peers[i]
		if pc.Remove {
			delete(last, pc.PublicKey)
			continue
		}
		m := last[pc.PublicKey]
		if m == nil {
			m = map[netip.Prefix]bool{}
			last[pc.PublicKey] = m
			if !slices.Contains(order, pc.PublicKey) {
				order = append(order, pc.PublicKey)
			}
		}
		for _, a := range pc.AllowedIPs {
			m[a.Prefix.Masked()] = a.Remove
		}
	}
	return last, order
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

func prefixOwner(d *Device, p netip.Prefix) *Key {
	if d == nil {
		return nil
	}
	for i := range d.Peers {
		if hasPrefix(d.Peers[i].AllowedIPs, p) {
			return &d.Peers[i].PublicKey
		}
	}
	return nil
}
