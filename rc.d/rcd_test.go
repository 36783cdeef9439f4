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
	pk3   = "SmhiEg1pI3RWxDCCAYx1BO+nMLm4M9aGOGmOnqnAIzA="
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

// routeVia is what "route -n get" prints for a route through a gateway.
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

// basicConfigure is what start does to wg0 with basicConf once the
// interface exists.
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
			route -n get -inet 10.0.0.2/32
			route -q -n add -inet6 fd00::2/128 -interface wg0
			route -q -n add -inet 10.0.0.2/32 -interface wg0
		`))
}

const basicState = `backend kernel
addr inet 10.0.0.1/24
addr inet6 fd00::1/64
mtu 1420
route -inet6 fd00::2/128 -interface wg0
route -inet 10.0.0.2/32 -interface wg0
`

func checkRun(t *testing.T, r result, code int, stdout string) {
	t.Helper()
	if r.code != code || r.stdout != stdout {
		t.Fatalf("exit status %d, stdout:\n%s\nstderr:\n%s\nwant exit status %d, stdout:\n%s",
			r.code, r.stdout, r.stderr, code, stdout)
	}
}

func TestStartKernel(t *testing.T) {
	h := basic(t)
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (kernel).\n")
	expect(t, "commands", h.commands(), joined(
		lines(`
			ifconfig wg0
			kldload -n if_wg
			ifconfig wg create name wg0
		`),
		basicConfigure()))
	if got := h.state("wg0"); got != basicState {
		t.Errorf("state:\n%s\nwant:\n%s", got, basicState)
	}
	expect(t, "messages", h.messages(), nil)
}

func TestStartModuleMissingUsesWgd(t *testing.T) {
	h := basic(t)
	h.removeWorld("kld-loadable")
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (wgd).\n")
	expect(t, "commands", h.commands(), joined(
		lines(`
			ifconfig wg0
			kldload -n if_wg
			wgd wg0
		`),
		basicConfigure()))
	if !strings.HasPrefix(h.state("wg0"), "backend wgd\n") {
		t.Errorf("state:\n%s", h.state("wg0"))
	}
	h.setWorld("wg/wg0.latest-handshakes", pk1+"\t0\n")
	checkRun(t, h.run("status"), 0,
		"wg0: up (wgd), 0 of 1 peers with a handshake in the last 180 seconds\n")
	h.commands()

	// Stopping removes the socket; wgd then destroys the interface.
	checkRun(t, h.run("stop"), 0, "Stopped wireguard wg0.\n")
	expect(t, "commands", h.commands(), lines(`
		ifconfig wg0
		route -q -n delete -inet 10.0.0.2/32 -interface wg0
		route -q -n delete -inet6 fd00::2/128 -interface wg0
		ifconfig wg0
	`))
	if h.exists("wg0") || h.socket("wg0") {
		t.Error("wg0 or its socket is still there")
	}
}

func TestStartNeverWithoutModule(t *testing.T) {
	h := basic(t)
	h.removeWorld("kld-loadable")
	h.rc(`wireguard_enable="YES"`, `wireguard_interfaces="wg0"`, `wireguard_userspace="never"`)
	r := h.run("start")
	checkRun(t, r, 1, "")
	if !strings.Contains(r.stderr, "kldload: can't load if_wg") {
		t.Errorf("stderr lacks kldload's reason:\n%s", r.stderr)
	}
	expect(t, "commands", h.commands(), lines(`
		ifconfig wg0
		kldload -n if_wg
	`))
	expect(t, "messages", h.messages(), []string{
		`WARNING: wg0: the if_wg kernel module cannot be loaded, and wireguard_userspace is "never"`,
	})
	if h.exists("wg0") || h.state("wg0") != "" {
		t.Error("wg0 was created")
	}
}

func TestStartAlwaysUsesWgd(t *testing.T) {
	h := basic(t)
	h.rc(`wireguard_enable="YES"`, `wireguard_interfaces="wg0"`, `wireguard_userspace="always"`)
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (wgd).\n")
	expect(t, "commands", h.commands(), joined(
		lines(`
			ifconfig wg0
			wgd wg0
		`),
		basicConfigure()))
}

// In a jail without the module loaded on the host, ifconfig cannot create
// the interface even though kldload -n succeeds (the module is there).
func TestStartCreateFailsUsesWgd(t *testing.T) {
	h := basic(t)
	h.fail("ifconfig-create")
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (wgd).\n")
	expect(t, "commands", h.commands(), joined(
		lines(`
			ifconfig wg0
			kldload -n if_wg
			ifconfig wg create name wg0
			wgd wg0
		`),
		basicConfigure()))
	expect(t, "messages", h.messages(), []string{
		"WARNING: wg0: cannot create an if_wg interface; using wgd",
	})
}

func TestStartExisting(t *testing.T) {
	h := basic(t)
	h.setWorld("ifaces/wg0", "wg0: flags=8080<NOARP,MULTICAST> metric 0 mtu 1420\n")
	checkRun(t, h.run("start"), 1, "")
	expect(t, "commands", h.commands(), lines("ifconfig wg0"))
	expect(t, "messages", h.messages(), []string{"WARNING: wg0 already exists"})
}

func TestBadUserspaceKnob(t *testing.T) {
	h := basic(t)
	h.rc(`wireguard_enable="YES"`, `wireguard_interfaces="wg0"`, `wireguard_userspace="sometimes"`)
	checkRun(t, h.run("start"), 1, "")
	expect(t, "commands", h.commands(), nil)
	expect(t, "messages", h.messages(), []string{
		`WARNING: wireguard_userspace is "sometimes", not auto, never or always`,
	})
}

func TestStop(t *testing.T) {
	h := basic(t)
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (kernel).\n")
	h.commands()

	// Routes go last first, then the interface; if_wg stays loaded.
	checkRun(t, h.run("stop", "wg0"), 0, "Stopped wireguard wg0.\n")
	expect(t, "commands", h.commands(), lines(`
		ifconfig wg0
		route -q -n delete -inet 10.0.0.2/32 -interface wg0
		route -q -n delete -inet6 fd00::2/128 -interface wg0
		ifconfig wg0
		ifconfig wg0 destroy
	`))
	if h.exists("wg0") || h.state("wg0") != "" {
		t.Error("wg0 or its state is still there")
	}

	// Stopping what is not running is no failure.
	checkRun(t, h.run("stop"), 0, "")
	expect(t, "commands", h.commands(), lines("ifconfig wg0"))
	expect(t, "messages", h.messages(), []string{"WARNING: wg0 is not running"})
}

// resolverConf has a peer whose endpoint is a name and whose allowed IPs
// take the default route, and a peer with a numeric endpoint.
const resolverConf = `[Interface]
PrivateKey = ` + privA + `
Address = 10.0.0.1/24

[Peer]
PublicKey = ` + pk1 + `
Endpoint = vpn.example.org:51820
AllowedIPs = 0.0.0.0/0

[Peer]
PublicKey = ` + pk2 + `
Endpoint = 192.0.2.2:51820
AllowedIPs = 10.0.0.3/32
`

// resolverStart sets up and starts wg0 with resolverConf while
// vpn.example.org resolves only at its fourth lookup.
func resolverStart(t *testing.T) *harness {
	h := newHarness(t)
	h.holdResolver()
	h.conf("wg0", resolverConf)
	h.setWorld("hosts/vpn.example.org", "198.51.100.7\n")
	h.setWorld("hosts-fail/vpn.example.org", "3\n")
	h.setWorld("wg/wg0.endpoints", pk1+"\t(none)\n"+pk2+"\t192.0.2.2:51820\n")
	h.setWorld("wg/wg0.allowed-ips", pk1+"\t0.0.0.0/0\n"+pk2+"\t10.0.0.3/32\n")
	h.setWorld("route/-inet_192.0.2.2", routeVia("192.0.2.2", "192.168.1.1", "em0"))
	h.setWorld("route/-inet_default", routeVia("default", "192.168.1.1", "em0"))

	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (kernel).\n"+
		"wg0: will set endpoints once they resolve: vpn.example.org:51820\n")
	expect(t, "commands", h.commands(), joined(
		lines(`
			ifconfig wg0
			kldload -n if_wg
			ifconfig wg create name wg0
			getent hosts vpn.example.org
			wg setconf wg0 /dev/stdin
		`),
		// The unresolvable Endpoint line is left out.
		input(`[Interface]
PrivateKey = `+privA+`

[Peer]
PublicKey = `+pk1+`
AllowedIPs = 0.0.0.0/0

[Peer]
PublicKey = `+pk2+`
Endpoint = 192.0.2.2:51820
AllowedIPs = 10.0.0.3/32

`),
		lines(`
			ifconfig wg0 inet 10.0.0.1/24 alias
			wg show wg0 endpoints
			route -n get -inet 192.0.2.2
			ifconfig em0
			ifconfig wg0 mtu 1420
			ifconfig wg0 up
			wg show wg0 allowed-ips
			route -n get -inet 10.0.0.3/32
			route -n get -inet default
			route -q -n add -inet 192.0.2.2 192.168.1.1
			route -q -n add -inet 10.0.0.3/32 -interface wg0
			route -q -n add -inet 0.0.0.0/1 -interface wg0
			route -q -n add -inet 128.0.0.0/1 -interface wg0
		`)))
	if h.resolverPID("wg0") == 0 {
		t.Fatal("no background resolver")
	}
	return h
}

func TestUnresolvableEndpointSetLater(t *testing.T) {
	h := resolverStart(t)

	// Once set, wg reports the endpoint's address.
	h.setWorld("wg/wg0.endpoints", pk1+"\t198.51.100.7:51820\n"+pk2+"\t192.0.2.2:51820\n")
	h.release()
	h.waitResolverDone("wg0")
	expect(t, "resolver commands", h.commands(), lines(`
		ifconfig wg0
		getent hosts vpn.example.org
		ifconfig wg0
		getent hosts vpn.example.org
		ifconfig wg0
		getent hosts vpn.example.org
		wg set wg0 peer `+pk1+` endpoint vpn.example.org:51820
		logger -t wireguard 'wg0: endpoint vpn.example.org:51820 set'
		wg show wg0 endpoints
		route -q -n add -inet 198.51.100.7 192.168.1.1
	`))
	expect(t, "resolver delays", h.sleeps(), []string{"1", "2", "4"})

	// stop removes the late host route too.
	checkRun(t, h.run("stop"), 0, "Stopped wireguard wg0.\n")
	expect(t, "commands", h.commands(), lines(`
		ifconfig wg0
		route -q -n delete -inet 198.51.100.7 192.168.1.1
		route -q -n delete -inet 128.0.0.0/1 -interface wg0
		route -q -n delete -inet 0.0.0.0/1 -interface wg0
		route -q -n delete -inet 10.0.0.3/32 -interface wg0
		route -q -n delete -inet 192.0.2.2 192.168.1.1
		ifconfig wg0
		ifconfig wg0 destroy
	`))
}

func TestStopEndsResolver(t *testing.T) {
	h := resolverStart(t)
	pid := h.resolverPID("wg0")

	checkRun(t, h.run("stop"), 0, "Stopped wireguard wg0.\n")
	expect(t, "commands", h.commands(), lines(`
		ifconfig wg0
		route -q -n delete -inet 128.0.0.0/1 -interface wg0
		route -q -n delete -inet 0.0.0.0/1 -interface wg0
		route -q -n delete -inet 10.0.0.3/32 -interface wg0
		route -q -n delete -inet 192.0.2.2 192.168.1.1
		ifconfig wg0
		ifconfig wg0 destroy
	`))
	h.waitGone(pid)
	h.release()
	expect(t, "commands after stop", h.commands(), nil)
	if h.resolverPID("wg0") != 0 {
		t.Error("the resolver's pid file is left")
	}
}

func TestReload(t *testing.T) {
	h := basic(t)
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (kernel).\n")
	h.commands()

	// An address and a peer added, an address and an allowed IP dropped,
	// DNS added; the new peer's endpoint is a name that resolves now.
	conf := `[Interface]
PrivateKey = ` + privA + `
ListenPort = 51820
Address = 10.0.0.1/24
Address = 10.0.1.1/24
DNS = 10.0.0.53

[Peer]
PublicKey = ` + pk1 + `
AllowedIPs = 10.0.0.2/32
Endpoint = 192.0.2.1:51820

[Peer]
PublicKey = ` + pk2 + `
AllowedIPs = 10.0.2.0/24
Endpoint = peer2.example.org:51820
`
	h.conf("wg0", conf)
	h.setWorld("hosts/peer2.example.org", "192.0.2.3\n")
	h.setWorld("wg/wg0.allowed-ips", pk1+"\t10.0.0.2/32\n"+pk2+"\t10.0.2.0/24\n")
	checkRun(t, h.run("reload"), 0, "Reloaded wireguard wg0.\n")
	expect(t, "commands", h.commands(), joined(
		lines(`
			ifconfig wg0
			getent hosts peer2.example.org
			wg syncconf wg0 /dev/stdin
		`),
		input(`[Interface]
PrivateKey = `+privA+`
ListenPort = 51820

[Peer]
PublicKey = `+pk1+`
AllowedIPs = 10.0.0.2/32
Endpoint = 192.0.2.1:51820

[Peer]
PublicKey = `+pk2+`
AllowedIPs = 10.0.2.0/24
Endpoint = peer2.example.org:51820

`),
		lines(`
			ifconfig wg0 inet 10.0.1.1/24 alias
			ifconfig wg0 inet6 fd00::1/64 -alias
			resolvconf -a wg0 -x
			| nameserver 10.0.0.53
			wg show wg0 allowed-ips
			route -n get -inet 10.0.2.0/24
			route -q -n add -inet 10.0.2.0/24 -interface wg0
			route -q -n delete -inet6 fd00::2/128 -interface wg0
		`)))
	want := `backend kernel
addr inet 10.0.0.1/24
addr inet 10.0.1.1/24
mtu 1420
dns 10.0.0.53
route -inet 10.0.0.2/32 -interface wg0
route -inet 10.0.2.0/24 -interface wg0
`
	if got := h.state("wg0"); got != want {
		t.Errorf("state:\n%s\nwant:\n%s", got, want)
	}

	// Reloading what is not running fails.
	checkRun(t, h.run("reload", "wg1"), 1, "")
	expect(t, "messages", h.messages(), []string{"WARNING: wg1: cannot read " +
		h.prefix + "/etc/wireguard/wg1.conf"})
}

func TestStatus(t *testing.T) {
	h := basic(t)
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (kernel).\n")
	h.commands()
	h.setWorld("wg/wg0.latest-handshakes",
		pk1+"\t1699999990\n"+pk2+"\t1699990000\n"+pk3+"\t0\n")
	checkRun(t, h.run("status", "wg0", "wg1"), 1,
		"wg0: up (kernel), 1 of 3 peers with a handshake in the last 180 seconds\n"+
			"\t"+pk1+": latest handshake 10 seconds ago\n"+
			"wg1: not running\n")
	expect(t, "commands", h.commands(), lines(`
		ifconfig wg0
		wg show wg0 latest-handshakes
		date +%s
		ifconfig wg1
	`))

	// Down but present.
	h.setWorld("ifaces/wg0", "wg0: flags=8080<NOARP,MULTICAST> metric 0 mtu 1420\n")
	checkRun(t, h.run("status"), 1,
		"wg0: down (kernel), 1 of 3 peers with a handshake in the last 180 seconds\n"+
			"\t"+pk1+": latest handshake 10 seconds ago\n")
}

func TestOneBrokenInterfaceOfTwo(t *testing.T) {
	h := basic(t)
	h.rc(`wireguard_enable="YES"`, `wireguard_interfaces="wg0 wg1"`)
	h.fail("wg-setconf-wg0")
	h.conf("wg1", `[Interface]
PrivateKey = `+privA+`
Address = 10.1.0.1/24
MTU = 1400
`)
	r := h.run("start")
	checkRun(t, r, 1, "Started wireguard wg1 (kernel).\n")
	if !strings.Contains(r.stderr, "Configuration parsing error") {
		t.Errorf("stderr lacks wg's message:\n%s", r.stderr)
	}
	expect(t, "commands", h.commands(), joined(
		lines(`
			ifconfig wg0
			kldload -n if_wg
			ifconfig wg create name wg0
			wg setconf wg0 /dev/stdin
		`),
		input(basicStripped),
		lines(`
			ifconfig wg0
			ifconfig wg0 destroy
			ifconfig wg1
			ifconfig wg create name wg1
			wg setconf wg1 /dev/stdin
			| [Interface]
			| PrivateKey = `+privA+`
			|
			ifconfig wg1 inet 10.1.0.1/24 alias
			ifconfig wg1 mtu 1400
			ifconfig wg1 up
			wg show wg1 allowed-ips
		`)))
	expect(t, "messages", h.messages(), []string{
		"WARNING: wg0: wg setconf failed",
		"WARNING: wg0: failed; removing it",
	})
	if h.exists("wg0") || !h.exists("wg1") {
		t.Error("want wg1 up and wg0 gone")
	}
}

const hookConf = `[Interface]
PrivateKey = ` + privA + `
PreUp = hook pre-up %i
PostUp = hook post-up %i '#1' # a comment for the shell
PreDown = hook pre-down %i%i
PostDown = hook post-down %i
`

func TestHooks(t *testing.T) {
	h := newHarness(t)
	h.conf("wg0", hookConf)
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (kernel).\n")
	// Without an endpoint or a default route the MTU is 1420.
	expect(t, "start", h.commands(), lines(`
		ifconfig wg0
		kldload -n if_wg
		ifconfig wg create name wg0
		hook pre-up wg0
		wg setconf wg0 /dev/stdin
		| [Interface]
		| PrivateKey = `+privA+`
		|
		wg show wg0 endpoints
		route -n get -inet default
		ifconfig wg0 mtu 1420
		ifconfig wg0 up
		wg show wg0 allowed-ips
		hook post-up wg0 #1
	`))
	checkRun(t, h.run("stop"), 0, "Stopped wireguard wg0.\n")
	expect(t, "stop", h.commands(), lines(`
		ifconfig wg0
		hook pre-down wg0wg0
		ifconfig wg0
		ifconfig wg0 destroy
		hook post-down wg0
	`))
}

func TestFailingHookUndoesStart(t *testing.T) {
	h := newHarness(t)
	h.conf("wg0", hookConf)
	h.fail("hook-pre-up")
	checkRun(t, h.run("start"), 1, "")
	expect(t, "start", h.commands(), lines(`
		ifconfig wg0
		kldload -n if_wg
		ifconfig wg create name wg0
		hook pre-up wg0
		ifconfig wg0
		ifconfig wg0 destroy
	`))
	expect(t, "messages", h.messages(), []string{
		"WARNING: wg0: hook failed: hook pre-up wg0",
		"WARNING: wg0: failed; removing it",
	})
}

// defaultRouteConf sends every IPv4 and IPv6 packet into the tunnel.
const defaultRouteConf = `[Interface]
PrivateKey = ` + privA + `
Address = 10.0.0.1/24

[Peer]
PublicKey = ` + pk1 + `
AllowedIPs = 0.0.0.0/0
Endpoint = 203.0.113.1:51820

[Peer]
PublicKey = ` + pk2 + `
AllowedIPs = ::/0
Endpoint = [2001:db8::1]:51820
`

func defaultRoute(t *testing.T) *harness {
	h := newHarness(t)
	h.conf("wg0", defaultRouteConf)
	h.setWorld("wg/wg0.endpoints", pk1+"\t203.0.113.1:51820\n"+pk2+"\t[2001:db8::1]:51820\n")
	h.setWorld("wg/wg0.allowed-ips", pk1+"\t0.0.0.0/0\n"+pk2+"\t::/0\n")
	h.setWorld("ifaces/em1", "em1: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1400\n")
	h.setWorld("route/-inet_203.0.113.1", routeVia("203.0.113.1", "192.168.1.1", "em0"))
	h.setWorld("route/-inet6_2001:db8::1", routeVia("2001:db8::1", "fe80::1%em1", "em1"))
	h.setWorld("route/-inet6_default", routeVia("default", "fe80::1%em1", "em1"))
	return h
}

// TestReloadFailureKeepsState checks that a reload that fails keeps the
// record stop needs: the endpoint host routes added at start must still be
// removed by a later stop.
func TestReloadFailureKeepsState(t *testing.T) {
	h := defaultRoute(t)
	h.setWorld("route/-inet_default", routeVia("default", "192.168.1.1", "em0"))
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (kernel).\n")
	before := h.state("wg0")
	if !strings.Contains(before, "203.0.113.1") {
		t.Fatalf("start recorded no endpoint host route:\n%s", before)
	}
	h.fail("wg-syncconf-wg0")
	if r := h.run("reload"); r.code == 0 {
		t.Fatalf("reload with a failing wg syncconf succeeded")
	}
	after := h.state("wg0")
	for _, line := range strings.Split(strings.TrimSpace(before), "\n") {
		if !strings.Contains(after, line) {
			t.Errorf("the failed reload lost %q from the state:\n%s", line, after)
		}
	}
	h.commands()
	h.run("stop")
	if stop := strings.Join(h.commands(), "\n"); !strings.Contains(stop, "delete -inet 203.0.113.1") {
		t.Errorf("stop after the failed reload left the endpoint host route:\n%s", stop)
	}
}

func TestDefaultRoute(t *testing.T) {
	h := defaultRoute(t)
	h.setWorld("route/-inet_default", routeVia("default", "192.168.1.1", "em0"))
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (kernel).\n")
	// The MTU is the smallest endpoint path's (em1, 1400) minus 80; host
	// routes to the endpoints keep the old default path before the halves
	// of the default routes go into the tunnel.
	expect(t, "start", h.commands(), joined(
		lines(`
			ifconfig wg0
			kldload -n if_wg
			ifconfig wg create name wg0
			wg setconf wg0 /dev/stdin
		`),
		input(`[Interface]
PrivateKey = `+privA+`

[Peer]
PublicKey = `+pk1+`
AllowedIPs = 0.0.0.0/0
Endpoint = 203.0.113.1:51820

[Peer]
PublicKey = `+pk2+`
AllowedIPs = ::/0
Endpoint = [2001:db8::1]:51820

`),
		lines(`
			ifconfig wg0 inet 10.0.0.1/24 alias
			wg show wg0 endpoints
			route -n get -inet 203.0.113.1
			ifconfig em0
			route -n get -inet6 2001:db8::1
			ifconfig em1
			ifconfig wg0 mtu 1320
			ifconfig wg0 up
			wg show wg0 allowed-ips
			route -n get -inet default
			route -n get -inet6 default
			route -q -n add -inet 203.0.113.1 192.168.1.1
			route -q -n add -inet6 2001:db8::1 fe80::1%em1
			route -q -n add -inet6 ::/1 -interface wg0
			route -q -n add -inet6 8000::/1 -interface wg0
			route -q -n add -inet 0.0.0.0/1 -interface wg0
			route -q -n add -inet 128.0.0.0/1 -interface wg0
		`)))
	checkRun(t, h.run("stop"), 0, "Stopped wireguard wg0.\n")
	expect(t, "stop", h.commands(), lines(`
		ifconfig wg0
		route -q -n delete -inet 128.0.0.0/1 -interface wg0
		route -q -n delete -inet 0.0.0.0/1 -interface wg0
		route -q -n delete -inet6 8000::/1 -interface wg0
		route -q -n delete -inet6 ::/1 -interface wg0
		route -q -n delete -inet6 2001:db8::1 fe80::1%em1
		route -q -n delete -inet 203.0.113.1 192.168.1.1
		ifconfig wg0
		ifconfig wg0 destroy
	`))
}

// Without a previous IPv4 default route an endpoint gets a blackhole
// route, so that its packets never loop through the tunnel.
func TestDefaultRouteWithoutGateway(t *testing.T) {
	h := defaultRoute(t)
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (kernel).\n")
	got := h.commands()
	want := lines(`
		route -n get -inet default
		route -n get -inet6 default
		route -q -n add -inet 203.0.113.1 127.0.0.1 -blackhole
		route -q -n add -inet6 2001:db8::1 fe80::1%em1
	`)
	for i := range got {
		if got[i] == want[0] {
			expect(t, "routes", got[i:i+len(want)], want)
			return
		}
	}
	t.Fatalf("no default route lookup in:\n%s", strings.Join(got, "\n"))
}

func TestTableIsFIB(t *testing.T) {
	h := newHarness(t)
	h.conf("wg0", `[Interface]
PrivateKey = `+privA+`
Table = 2
MTU = 1280

[Peer]
PublicKey = `+pk1+`
AllowedIPs = 0.0.0.0/0, 10.0.0.0/24
`)
	h.setWorld("fibs", "4\n")
	h.setWorld("wg/wg0.allowed-ips", pk1+"\t0.0.0.0/0 10.0.0.0/24\n")
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (kernel).\n")
	// With a FIB the default route is not split, and the given MTU needs
	// no lookups.
	expect(t, "start", h.commands(), lines(`
		sysctl -n net.fibs
		ifconfig wg0
		kldload -n if_wg
		ifconfig wg create name wg0
		wg setconf wg0 /dev/stdin
		| [Interface]
		| PrivateKey = `+privA+`
		|
		| [Peer]
		| PublicKey = `+pk1+`
		| AllowedIPs = 0.0.0.0/0, 10.0.0.0/24
		|
		ifconfig wg0 mtu 1280
		ifconfig wg0 up
		wg show wg0 allowed-ips
		route -q -n add -inet -fib 2 10.0.0.0/24 -interface wg0
		route -q -n add -inet -fib 2 0.0.0.0/0 -interface wg0
	`))

	// A FIB the kernel does not have fails the interface before anything
	// is created.
	h.setWorld("fibs", "2\n")
	checkRun(t, h.run("start", "wg9"), 1, "")
	h.conf("wg1", "[Interface]\nTable = 2\n")
	checkRun(t, h.run("start", "wg1"), 1, "")
	expect(t, "commands", h.commands(), lines("sysctl -n net.fibs"))
	expect(t, "messages", h.messages(), []string{
		"WARNING: wg9: cannot read " + h.prefix + "/etc/wireguard/wg9.conf",
		"WARNING: wg1: Table = 2 needs FIB 2, but net.fibs is 2",
	})

	// Table = off adds no route at all.
	h.conf("wg2", "[Interface]\nTable = off\nMTU = 1280\n")
	checkRun(t, h.run("start", "wg2"), 0, "Started wireguard wg2 (kernel).\n")
	expect(t, "Table = off", h.commands(), lines(`
		ifconfig wg2
		kldload -n if_wg
		ifconfig wg create name wg2
		wg setconf wg2 /dev/stdin
		| [Interface]
		|
		ifconfig wg2 mtu 1280
		ifconfig wg2 up
	`))
}

func TestDNS(t *testing.T) {
	h := newHarness(t)
	h.conf("wg0", `[Interface]
PrivateKey = `+privA+`
DNS = 10.0.0.53, fd00::53, example.com
DNS = corp.example
MTU = 1280
`)
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (kernel).\n")
	expect(t, "start", h.commands(), lines(`
		ifconfig wg0
		kldload -n if_wg
		ifconfig wg create name wg0
		wg setconf wg0 /dev/stdin
		| [Interface]
		| PrivateKey = `+privA+`
		|
		ifconfig wg0 mtu 1280
		ifconfig wg0 up
		resolvconf -a wg0 -x
		| nameserver 10.0.0.53
		| nameserver fd00::53
		| search example.com corp.example
		wg show wg0 allowed-ips
	`))
	checkRun(t, h.run("stop"), 0, "Stopped wireguard wg0.\n")
	expect(t, "stop", h.commands(), lines(`
		ifconfig wg0
		resolvconf -d wg0
		ifconfig wg0
		ifconfig wg0 destroy
	`))
}

// An allowed IP that already goes through the interface, such as the
// subnet of its address, gets no route of its own.
func TestRoutedPrefixSkipped(t *testing.T) {
	h := newHarness(t)
	h.conf("wg0", `[Interface]
PrivateKey = `+privA+`
Address = 10.0.0.1/24
MTU = 1280

[Peer]
PublicKey = `+pk1+`
AllowedIPs = 10.0.0.0/24
`)
	h.setWorld("wg/wg0.allowed-ips", pk1+"\t10.0.0.0/24\n")
	h.setWorld("route/-inet_10.0.0.0_24", "   route to: 10.0.0.0\ndestination: 10.0.0.0\n  interface: wg0\n")
	checkRun(t, h.run("start"), 0, "Started wireguard wg0 (kernel).\n")
	got := h.commands()
	expect(t, "routes", got[len(got)-2:], lines(`
		wg show wg0 allowed-ips
		route -n get -inet 10.0.0.0/24
	`))
}
