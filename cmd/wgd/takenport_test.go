// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSetconfTakenPortKeepsDevice runs `wg setconf` against wgd with a
// ListenPort another interface holds, through this tree's wg (nvlist) and
// Debian's (UAPI). The command must fail with EADDRINUSE and leave the
// interface as it was: its port and its peers. if_wg removes the peers
// first and keeps them removed (sys/dev/wg/if_wg.c, wgc_set:
// "if (nvlist_exists_bool(nvl, "replace-peers") && nvlist_get_bool(nvl,
// "replace-peers")) wg_peer_destroy_all(sc);" comes before "if ((err =
// wg_socket_init(sc, new_port)) != 0) goto out_locked;"), so a failed
// command takes a live tunnel down; wgd binds the new port before it
// applies anything else. The file carries a new private key and a new
// peer: wg(8) writes private_key= before listen_port= (wireguard-tools
// src/ipc-uapi.h, userspace_set_device), so over UAPI, too, wgd must bind
// the port before it applies the request's earlier lines.
func TestSetconfTakenPortKeepsDevice(t *testing.T) {
	tl := requireTools(t)
	tp := newTopology(t, tl)
	s := tp.a
	holder := tp.b
	holder.ns = s.ns // a second interface in the same namespace
	startTestDaemon(t, tl, s, nil, tl.wgd, "-f", s.iface)
	startTestDaemon(t, tl, holder, nil, tl.wgd, "-f", holder.iface)
	for _, i := range []string{s.iface, holder.iface} {
		tp.must("-n", s.ns, "link", "set", i, "up")
	}
	const port, taken = 51820, 51830
	privH, _ := newKeys(t)
	setconf(t, tl.wg, holder, "[Interface]\nPrivateKey = "+privH.String()+"\nListenPort = 51830\n")

	priv, _ := newKeys(t)
	fresh, _ := newKeys(t)
	_, peer := newKeys(t)
	_, other := newKeys(t)
	conf := "[Interface]\nPrivateKey = " + fresh.String() + "\nListenPort = 51830\n\n[Peer]\nPublicKey = " +
		other.String() + "\nAllowedIPs = 10.9.9.9/32\n"
	file := filepath.Join(t.TempDir(), s.iface+".conf")
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, wg := range []string{tl.wg, tl.stockWG} {
		setconf(t, tl.wg, s, wgConfig(priv, port, peer, tp.b, 51821, true))
		before := runProg(t, "", tl.wg, "showconf", s.iface)
		if !strings.Contains(before, peer.String()) {
			t.Fatalf("peer not configured:\n%s", before)
		}
		out, err := exec.Command(wg, "setconf", s.iface, file).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "Address already in use") {
			t.Errorf("%s setconf with port %d taken: %v\n%s", wg, taken, err, out)
		}
		if after := runProg(t, "", tl.wg, "showconf", s.iface); after != before {
			t.Errorf("%s setconf failed but changed the interface:\n%s\nwas\n%s", wg, after, before)
		}
	}
}
