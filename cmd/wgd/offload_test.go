// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"strings"
	"testing"
)

// TestWgdOffloadsOff runs two wgd with WGD_OFFLOADS=off, the FreeBSD
// path on Linux (one packet per tun read and write, one datagram per
// system call), and checks that pings and transfers pass both ways, and
// that the daemons said they run without offloads.
func TestWgdOffloadsOff(t *testing.T) {
	tl := requireTools(t)
	tp := newTopology(t, tl)
	privA, pubA := newKeys(t)
	privB, pubB := newKeys(t)
	env := []string{offloadsEnv + "=off"}
	a := startTestDaemon(t, tl, tp.a, env, tl.wgd, "-f", "-v", tp.a.iface)
	startTestDaemon(t, tl, tp.b, env, tl.wgd, "-f", tp.b.iface)
	setconf(t, tl.wg, tp.a, wgConfig(privA, 51820, pubB, tp.b, 51821, false))
	setconf(t, tl.wg, tp.b, wgConfig(privB, 51821, pubA, tp.a, 51820, false))
	tp.addressUp(tp.a)
	tp.addressUp(tp.b)
	exercise(t, tp)
	if !strings.Contains(a.output.String(), "offloads off") {
		t.Errorf("wgd -v did not report the offloads off:\n%s", a.output.String())
	}
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
