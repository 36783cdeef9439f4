// SPDX-License-Identifier: BSD-2-Clause

package main

import "testing"

// TestLargerPeerMTU runs wgd at the default MTU against wireguard-go at
// MTU 9000 over a jumbo underlay. wireguard-go sends a 3,028-byte ping as
// one 3,060-byte datagram, larger than any buffer sized from wgd's own
// MTU; wgd must take it whole, as wireguard-go and Linux receive any
// datagram up to 65,535 bytes. wgd's replies leave at its own MTU (the
// kernel fragments them inside the tunnel), so the ping only succeeds
// when the large datagrams arrive.
func TestLargerPeerMTU(t *testing.T) {
	tl := requireTools(t)
	tp := newTopology(t, tl)
	for _, s := range []side{tp.a, tp.b} {
		tp.must("-n", s.ns, "link", "set", s.veth, "mtu", "9100")
	}
	wgdAndWireguardGo(t, tp, false)
	tp.must("-n", tp.b.ns, "link", "set", tp.b.iface, "mtu", "9000")

	for _, addr := range []string{tp.a.tunnel, tp.a.tunnel6} {
		out, err := tp.b.inNS(tl, tl.ping, "-c", "3", "-W", "5", "-s", "3000", addr).CombinedOutput()
		if err != nil {
			t.Fatalf("ping -s 3000 %s from the MTU-9000 side: %v\n%s", addr, err, out)
		}
	}
	// Small packets the other way still work.
	ping(t, tl, tp.a, tp.b.tunnel)
}
