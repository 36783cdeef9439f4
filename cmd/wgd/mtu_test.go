// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// TestLargerPeerMTU runs wgd at the default MTU against wireguard-go at
// MTU 9000 over a jumbo underlay. wireguard-go sends a 3,028-byte ping as
// one 3,060-byte datagram, larger than any buffer sized from wgd's own
// MTU; wgd must take it whole, as wireguard-go and Linux receive any
// datagram up to 65,535 bytes. wgd's replies leave at its own MTU (the
// kernel fragments them inside the tunnel), so the ping only succeeds
// when the large datagrams arrive.
func TestLargerPeerMTU(t *testing.T) {
	tl := requireTools(t)
	wggo := testenv.RequireTool(t, "WGBSD_WIREGUARD_GO", "wireguard")
	tp := newTopology(t, tl)
	for _, s := range []side{tp.a, tp.b} {
		tp.must("-n", s.ns, "link", "set", s.veth, "mtu", "9100")
	}
	privA, pubA := newKeys(t)
	privB, pubB := newKeys(t)

	startTestDaemon(t, tl, tp.a, nil, tl.wgd, "-f", tp.a.iface)
	startTestDaemon(t, tl, tp.b, []string{"WG_PROCESS_FOREGROUND=1"}, wggo, "-f", tp.b.iface)
	setconf(t, tl.wg, tp.a, wgConfig(privA, 51820, pubB, tp.b, 51821, false))
	setconf(t, tl.stockWG, tp.b, wgConfig(privB, 51821, pubA, tp.a, 51820, false))
	tp.must("-n", tp.b.ns, "link", "set", tp.b.iface, "mtu", "9000")
	tp.addressUp(tp.a)
	tp.addressUp(tp.b)

	for _, addr := range []string{tp.a.tunnel, tp.a.tunnel6} {
		out, err := tp.b.inNS(tl, tl.ping, "-c", "3", "-W", "5", "-s", "3000", addr).CombinedOutput()
		if err != nil {
			t.Fatalf("ping -s 3000 %s from the MTU-9000 side: %v\n%s", addr, err, out)
		}
	}
	// Small packets the other way still work.
	ping(t, tl, tp.a, tp.b.tunnel)
}
