// SPDX-License-Identifier: BSD-2-Clause

package rcd

import (
	"strings"
	"testing"
)

// Keys of the test configurations.
const (
	privA = "ABt4qhSderkFyKmHIIrDzqRBGjSqoiHBIrmHyj9G7lI="
	pk1   = "4yA1eKvWh55J5Ew14p6drqS72xAdQoyGtmFZlpF+vQM="
	pk2   = "DimyGqiC7mdanXWMJajSmmwIvAchonLvLCrrYKFR4wY="
)

// basicConf is one peer with a numeric endpoint, addresses of both
// families and host routes.
const basicConf = `[Interface]
PrivateKey = ` + privA + `
ListenPort = 51820
Address = 10.0.0.1/24, fd00::1/64

[Peer]
PublicKey = ` + pk1 + `
AllowedIPs = 10.0.0.2/32, fd00::2/128
Endpoint = 192.0.2.1:51820
`

// basicStripped is basicConf as wg(8) gets it.
const basicStripped = `[Interface]
PrivateKey = ` + privA + `
ListenPort = 51820

[Peer]
PublicKey = ` + pk1 + `
AllowedIPs = 10.0.0.2/32, fd00::2/128
Endpoint = 192.0.2.1:51820

`

// routeVia is what "route -n get" prints for a route through a gateway,
// as sbin/route/route.c print_getmsg lays it out:
//
//	(void)printf("   route to: %s\n", routename(&so_dst->sa));
//	(void)printf("destination: %s\n", routename(sp[RTAX_DST]));
//	...
//	(void)printf("  interface: %.*s\n", ifp->sdl_nlen, ifp->sdl_data);
func routeVia(dest, gw, dev string) string {
	return "   route to: " + dest + "\ndestination: default\n       mask: default\n    gateway: " +
		gw + "\n        fib: 0\n  interface: " + dev + "\n      flags: <UP,GATEWAY,DONE,STATIC>\n"
}

// basic sets up wg0 with basicConf and what wg reports after setconf.
func basic(t *testing.T) *harness {
	h := newHarness(t)
	h.conf("wg0", basicConf)
	h.setWorld("wg/wg0.endpoints", pk1+"\t192.0.2.1:51820\n")
	h.setWorld("wg/wg0.allowed-ips", pk1+"\t10.0.0.2/32 fd00::2/128\n")
	h.setWorld("route/-inet_192.0.2.1", routeVia("192.0.2.1", "192.168.1.1", "em0"))
	return h
}

// basicConfigure is what up does to wg0 with basicConf once the interface
// exists.
func basicConfigure() []string {
	return joined(
		lines("wg setconf wg0 /dev/stdin"),
		input(basicStripped),
		lines(`
			ifconfig wg0 inet 10.0.0.1/24 alias
			ifconfig wg0 inet6 fd00::1/64 alias
			wg show wg0 endpoints
			route -n get -inet 192.0.2.1
			ifconfig em0
			ifconfig wg0 mtu 1420
			ifconfig wg0 up
			wg show wg0 allowed-ips
			route -n get -inet6 fd00::2/128
			route -q -n add -inet6 fd00::2/128 -interface wg0
			route -n get -inet 10.0.0.2/32
			route -q -n add -inet 10.0.0.2/32 -interface wg0
		`))
}

// basicDown is what down does to wg0 with basicConf on if_wg.
var basicDown = lines(`
	wg show interfaces
	wg show wg0 allowed-ips
	ifconfig wg0 destroy
	ifconfig wg0
	resolvconf -l wg0
`)

func checkRun(t *testing.T, r result, code int, stdout string) {
	t.Helper()
	if r.code != code || r.stdout != stdout {
		t.Fatalf("exit status %d, stdout:\n%s\nstderr:\n%s\nwant exit status %d, stdout:\n%s",
			r.code, r.stdout, r.stderr, code, stdout)
	}
}

// echoed returns the commands wg-quick reported running, the "[#]" lines
// of its standard error.
func echoed(r result) []string {
	var out []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "[#] ") {
			out = append(out, strings.TrimPrefix(l, "[#] "))
		}
	}
	return out
}

// A plain tunnel on the kernel's if_wg, loaded by wg-quick: the exact
// commands of up and down, and what wg-quick says it runs.
func TestUpDownPlain(t *testing.T) {
	h := basic(t)
	r := h.wgQuick("up", "wg0")
	checkRun(t, r, 0, "")
	expect(t, "commands", h.commands(), joined(
		lines(`
			ifconfig wg0
			kldstat -q -m if_wg
			kldload -n if_wg
			ifconfig wg create name wg0
		`),
		basicConfigure()))
	expect(t, "echo", echoed(r), lines(`
		kldload -n if_wg
		ifconfig wg create name wg0
		wg setconf wg0 /dev/stdin
		ifconfig wg0 inet 10.0.0.1/24 alias
		ifconfig wg0 inet6 fd00::1/64 alias
		ifconfig wg0 mtu 1420
		ifconfig wg0 up
		route -q -n add -inet6 fd00::2/128 -interface wg0
		route -q -n add -inet 10.0.0.2/32 -interface wg0
	`))
	if m, _ := h.monitor("wg0"); m != 0 {
		t.Error("a route monitor runs without a default route in the tunnel")
	}

	r = h.wgQuick("down", h.confPath("wg0"))
	checkRun(t, r, 0, "")
	expect(t, "commands", h.commands(), basicDown)
	if h.exists("wg0") {
		t.Error("wg0 is still there")
	}

	// Not there: down says so and fails.
	r = h.wgQuick("down", "wg0")
	checkRun(t, r, 1, "")
	if r.stderr != "wg-quick: `wg0' is not a WireGuard interface\n" {
		t.Errorf("stderr: %q", r.stderr)
	}
	expect(t, "commands", h.commands(), lines("wg show interfaces"))
}

// up fails without changing anything when the interface exists.
func TestUpExisting(t *testing.T) {
	h := basic(t)
	h.setWorld("ifaces/wg0", "wg0: flags=8080<NOARP,MULTICAST> metric 0 mtu 1420\n")
	r := h.wgQuick("up", "wg0")
	checkRun(t, r, 1, "")
	if r.stderr != "wg-quick: `wg0' already exists\n" {
		t.Errorf("stderr: %q", r.stderr)
	}
	expect(t, "commands", h.commands(), lines("ifconfig wg0"))
	if !h.exists("wg0") {
		t.Error("wg0 was destroyed")
	}
}
