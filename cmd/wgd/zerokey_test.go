// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// TestZeroPrivateKeyShow runs the two ways wg(8) sends an all-zero
// private key against wgd, and reads the interface back with this tree's
// wg (nvlist, the kernel's protocol) and with Debian's wg (UAPI,
// wireguard-go's). FreeBSD's kernel clamps the zero key into an identity
// (sys/dev/wg/wg_noise.c, noise_local_private:
// "l->l_has_identity = curve25519_generate_public(l->l_public, l->l_private);"
// after "curve25519_clamp_secret(l->l_private);"), so over nvlist the
// interface shows the public key L+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q=
// and drops a peer of that key (wg_peer_add: "Silently ignored; not
// actually a failure."). wireguard-go's get leaves out a zero
// private_key, so over UAPI the interface shows none.
func TestZeroPrivateKeyShow(t *testing.T) {
	const (
		zeroPub  = "L+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q="
		zeroPriv = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEA=" // the zero key clamped
	)
	tl := requireTools(t)
	tp := newTopology(t, tl)
	iface := tp.a.iface
	startTestDaemon(t, tl, tp.a, nil, tl.wgd, "-f", iface)
	_, pub1 := newKeys(t)
	_, pub2 := newKeys(t)

	show := func(wg, field string) string {
		t.Helper()
		return runProg(t, "", wg, "show", iface, field)
	}
	check := func(step, peers string) {
		t.Helper()
		if got := show(tl.wg, "public-key"); got != zeroPub+"\n" {
			t.Errorf("%s: wg show public-key = %q, want %s", step, got, zeroPub)
		}
		if got := show(tl.wg, "private-key"); got != zeroPriv+"\n" {
			t.Errorf("%s: wg show private-key = %q, want %s", step, got, zeroPriv)
		}
		if got := show(tl.wg, "peers"); got != peers {
			t.Errorf("%s: wg show peers = %q, want %q", step, got, peers)
		}
		if got := show(tl.stockWG, "public-key"); got != "(none)\n" {
			t.Errorf("%s: Debian's wg show public-key = %q, want (none)", step, got)
		}
		if got := show(tl.stockWG, "private-key"); got != "(none)\n" {
			t.Errorf("%s: Debian's wg show private-key = %q, want (none)", step, got)
		}
	}

	if got := show(tl.wg, "public-key"); got != "(none)\n" {
		t.Fatalf("new interface: wg show public-key = %q, want (none)", got)
	}
	runProg(t, "", tl.wg, "set", iface, "private-key", "/dev/null",
		"peer", zeroPub, "peer", pub1.String())
	check("wg set private-key /dev/null", pub1.String()+"\n")

	setconf(t, tl.wg, tp.a, "[Peer]\nPublicKey = "+zeroPub+"\n\n[Peer]\nPublicKey = "+pub2.String()+"\n")
	check("wg setconf without PrivateKey", pub2.String()+"\n")

	// The UAPI answer is wireguard-go's: Debian's wg shows the same for
	// the pinned wireguard-go given the same command.
	wggo := testenv.RequireWireguardGo(t)
	startTestDaemon(t, tl, tp.b, []string{"WG_PROCESS_FOREGROUND=1"}, wggo, "-f", tp.b.iface)
	runProg(t, "", tl.stockWG, "set", tp.b.iface, "private-key", "/dev/null")
	for _, field := range []string{"public-key", "private-key"} {
		want := runProg(t, "", tl.stockWG, "show", tp.b.iface, field)
		if got := show(tl.stockWG, field); got != want {
			t.Errorf("Debian's wg show %s: wgd %q, wireguard-go %q", field, got, want)
		}
	}
}
