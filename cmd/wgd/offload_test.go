// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"strconv"
	"strings"
	"testing"
)

// iffVnetHdr is Linux's IFF_VNET_HDR tun flag (include/uapi/linux/if_tun.h).
const iffVnetHdr = 0x4000

// TestWgdOffloadsOff runs two wgd with WGD_OFFLOADS=off, the FreeBSD
// path on Linux (one packet per tun read and write, one datagram per
// system call), and checks that their tun interfaces are plain, without
// the virtio header (IFF_VNET_HDR in the tun_flags the kernel shows in
// sysfs), so that they run FreeBSD's tun readers and writers, and that
// pings and transfers pass both ways.
func TestWgdOffloadsOff(t *testing.T) {
	tl := requireTools(t)
	tp := newTopology(t, tl)
	privA, pubA := newKeys(t)
	privB, pubB := newKeys(t)
	env := []string{offloadsEnv + "=off"}
	startTestDaemon(t, tl, tp.a, env, tl.wgd, "-f", tp.a.iface)
	startTestDaemon(t, tl, tp.b, env, tl.wgd, "-f", tp.b.iface)
	setconf(t, tl.wg, tp.a, wgConfig(privA, 51820, pubB, tp.b, 51821, false))
	setconf(t, tl.wg, tp.b, wgConfig(privB, 51821, pubA, tp.a, 51820, false))
	tp.addressUp(tp.a)
	tp.addressUp(tp.b)
	for _, s := range []side{tp.a, tp.b} {
		out, err := s.inNS(tl, "cat", "/sys/class/net/"+s.iface+"/tun_flags").Output()
		if err != nil {
			t.Fatalf("tun_flags of %s: %v", s.iface, err)
		}
		flags, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(string(out)), "0x"), 16, 32)
		if err != nil {
			t.Fatalf("tun_flags of %s: %q: %v", s.iface, out, err)
		}
		if flags&iffVnetHdr != 0 {
			t.Errorf("%s: tun_flags %#x with IFF_VNET_HDR: offloads off still runs the Linux tun path", s.iface, flags)
		}
	}
	exercise(t, tp)
}

// TestWgdOffloadsBadValue checks that a value other than on or off is
// refused with a clear error before anything is created.
func TestWgdOffloadsBadValue(t *testing.T) {
	tl := requireTools(t)
	tp := newTopology(t, tl)
	cmd := tp.a.inNS(tl, tl.wgd, "-f", tp.a.iface)
	cmd.Env = append(cmd.Environ(), offloadsEnv+"=maybe")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), offloadsEnv+`="maybe": want on or off`) {
		t.Fatalf("wgd with %s=maybe: %v\n%s", offloadsEnv, err, out)
	}
	if _, err := tp.ip("-n", tp.a.ns, "link", "show", tp.a.iface); err == nil {
		t.Errorf("interface %s created despite the error", tp.a.iface)
	}
}
