// SPDX-License-Identifier: BSD-2-Clause

package rcd

import (
	"os"
	"path/filepath"
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
	expect(t, "commands", h.commands(), joined(hostUp, basicConfigure()))
	expect(t, "echo", echoed(r), lines(`
		kldload -n if_wg
		ifconfig wg create
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

// fullConf sends everything through the tunnel: a peer with both default
// routes, and a peer reached over IPv6.
const fullConf = `[Interface]
PrivateKey = ` + privA + `
Address = 10.0.0.1/24, fd00::1/64

[Peer]
PublicKey = ` + pk1 + `
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = 192.0.2.1:51820

[Peer]
PublicKey = ` + pk2 + `
AllowedIPs = 10.0.0.3/32
Endpoint = [2001:db8::1]:51820
`

// full sets up wg0 with fullConf, default routes of both families by em0,
// and a route monitor that waits for the test.
func full(t *testing.T) *harness {
	h := newHarness(t)
	h.conf("wg0", fullConf)
	h.setWorld("wg/wg0.endpoints", pk1+"\t192.0.2.1:51820\n"+pk2+"\t[2001:db8::1]:51820\n")
	h.setWorld("wg/wg0.allowed-ips", pk1+"\t0.0.0.0/0 ::/0\n"+pk2+"\t10.0.0.3/32\n")
	h.setWorld("route/-inet_192.0.2.1", routeVia("192.0.2.1", "192.168.1.1", "em0"))
	h.setWorld("route/-inet6_2001:db8::1", routeVia("2001:db8::1", "fe80::1%em0", "em0"))
	h.setWorld("route/-inet_default", routeVia("default", "192.168.1.1", "em0"))
	h.setWorld("route/-inet6_default", routeVia("default", "fe80::1%em0", "em0"))
	h.setWorld("monitor-gate", "")
	return h
}

// fullUp is what up does with fullConf once wg0 exists.
func fullUp() []string {
	return joined(
		lines("wg setconf wg0 /dev/stdin"),
		input(strings.Replace(fullConf, "Address = 10.0.0.1/24, fd00::1/64\n", "", 1)+"\n"),
		lines(`
			ifconfig wg0 inet 10.0.0.1/24 alias
			ifconfig wg0 inet6 fd00::1/64 alias
			wg show wg0 endpoints
			route -n get -inet 192.0.2.1
			ifconfig em0
			route -n get -inet6 2001:db8::1
			ifconfig em0
			ifconfig wg0 mtu 1420
			ifconfig wg0 up
			wg show wg0 allowed-ips
			route -n get -inet 10.0.0.3/32
			route -q -n add -inet 10.0.0.3/32 -interface wg0
			route -q -n add -inet6 ::/1 -interface wg0
			route -q -n add -inet6 8000::/1 -interface wg0
			route -q -n add -inet 0.0.0.0/1 -interface wg0
			route -q -n add -inet 128.0.0.0/1 -interface wg0
			route -n get -inet default
			route -n get -inet6 default
			wg show wg0 endpoints
			route -q -n add -inet 192.0.2.1 -gateway 192.168.1.1
			route -q -n add -inet6 2001:db8::1 -gateway fe80::1%em0
		`))
}

// A full tunnel: each default route as two halves that win over it,
// host routes to the endpoints the way the default routes went, and a
// route monitor; down deletes the host routes and stops the monitor.
//
// "route -n get default" still finds the default route once the halves
// are in: route(8) gives "default" a netmask (sbin/route/route.c getaddr:
// "Default is net 0.0.0.0/0", getaddr(c, RTA_NETMASK, ...)), and
// sys/net/rtsock.c handle_rtm_get then looks for that prefix exactly:
//
//	By (implicit) convention host route (one without netmask)
//	means longest-prefix-match request and the route with netmask
//	means exact-match lookup.
func TestFullTunnel(t *testing.T) {
	h := full(t)
	h.setWorld("kld-loaded", "")
	r := h.wgQuick("up", "wg0")
	checkRun(t, r, 0, "")
	expect(t, "commands", h.commands(), joined(loadedUp, fullUp()))
	route, loop := h.monitor("wg0")
	if route == 0 || processGone(loop) {
		t.Fatalf("no route monitor runs:\n%s", r.stderr)
	}
	if got, want := h.runFile("wg0.hostroutes"), "-inet 192.0.2.1 -gateway 192.168.1.1\n-inet6 2001:db8::1 -gateway fe80::1%em0\n"; got != want {
		t.Errorf("recorded host routes:\n%s\nwant:\n%s", got, want)
	}

	checkRun(t, h.wgQuick("down", "wg0"), 0, "")
	expect(t, "commands", h.commands(), lines(`
		wg show interfaces
		route -q -n delete -inet 192.0.2.1
		route -q -n delete -inet6 2001:db8::1
		ifconfig wg0 destroy
		ifconfig wg0
		resolvconf -l wg0
	`))
	h.waitGone(loop)
	if !processGone(route) || h.runFile("wg0.monitor") != "" || h.runFile("wg0.hostroutes") != "" {
		t.Error("the route monitor or its records outlive down")
	}
	expect(t, "monitor", h.takeLines(h.world+"/monitor.log"), lines("route -n monitor"))
}

// routeEvents are the lines "route -n monitor" prints for a change of the
// default route and for an interface's departure, in the two builds of
// route(8) (see testdata/bin/route): netlink, FreeBSD 14's default, and
// the routing socket.
var routeEvents = []struct {
	build, change, departure string
}{
	{
		build: "netlink",
		// route_netlink.c print_nlmsg_route, print_nlmsg_link.
		change:    "10:00:00.124 PID  812 add/repl route 0.0.0.0/0 gw 10.9.9.1 iface em0 mtu 1500 table inet.0\n",
		departure: "10:00:00.124 PID    0 delete iface iface#5 wg0 admin DOWN oper DOWN mtu 1420 \n",
	},
	{
		build: "rtsock",
		// route.c monitor and print_rtmsg.
		change: "\ngot message of size 200 on Mon Dec  7 10:00:00 2026\n" +
			"RTM_CHANGE: Change Metrics or flags: len 200, pid: 12, seq 3, errno 0, flags:<UP,GATEWAY,DONE,STATIC>\n",
		departure: "\ngot message of size 32 on Mon Dec  7 10:00:00 2026\n" +
			"RTM_IFANNOUNCE: interface arrival/departure: len 32, if# 5, what: departure\n",
	},
}

// fullUpWith brings wg0 up with fullConf with the build of route(8) named
// ("netlink" or "rtsock"), and returns the pids of its route monitor, which
// waits for the test.
func fullUpWith(t *testing.T, build string) (h *harness, route, loop int) {
	t.Helper()
	h = full(t)
	if build == "rtsock" {
		h.setWorld("rtsock", "")
	}
	checkRun(t, h.wgQuick("up", "wg0"), 0, "")
	h.commands()
	route, loop = h.monitor("wg0")
	return h, route, loop
}

// The route monitor moves the endpoint host routes when the default route
// changes: a new gateway after roaming to another network. It reads the
// gateway with netstat(1), not "route get": on a routing socket route(8)'s
// own lookup is echoed to every listener (sys/net/rtsock.c send_rtm_reply,
// "Sends the prepared reply message in @rtm to all rtsock clients";
// rts_attach sets SO_USELOOPBACK), route(8) monitor included.
func TestRouteMonitorFollowsDefaultRoute(t *testing.T) {
	for _, ev := range routeEvents {
		t.Run(ev.build, func(t *testing.T) {
			h, _, loop := fullUpWith(t, ev.build)

			h.setWorld("route/-inet_default", routeVia("default", "10.9.9.1", "em0"))
			h.setWorld("monitor", ev.change)
			h.setWorld("monitor-exit", "")
			h.setWorld("monitor-go", "")
			h.waitGone(loop)
			expect(t, "monitor's commands", h.commands(), lines(`
				ifconfig wg0
				netstat -rn -f inet
				netstat -rn -f inet6
				wg show wg0 endpoints
				route -q -n delete -inet 192.0.2.1
				route -q -n add -inet 192.0.2.1 -gateway 10.9.9.1
			`))
			if got, want := h.runFile("wg0.hostroutes"), "-inet6 2001:db8::1 -gateway fe80::1%em0\n-inet 192.0.2.1 -gateway 10.9.9.1\n"; got != want {
				t.Errorf("recorded host routes:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// Lookups and misses change no route: the monitor lets them pass. Were it
// to act on an RTM_GET, its own would wake it again, without end.
func TestRouteMonitorIgnoresLookups(t *testing.T) {
	h, _, loop := fullUpWith(t, "rtsock")
	h.setWorld("monitor", "\ngot message of size 200 on Mon Dec  7 10:00:00 2026\n"+
		"RTM_GET: Report Metrics: len 200, pid: 812, seq 1, errno 0, flags:<UP,GATEWAY,DONE,STATIC>\n"+
		"\ngot message of size 200 on Mon Dec  7 10:00:00 2026\n"+
		"RTM_MISS: Lookup failed on this address: len 200, pid: 0, seq 0, errno 0, flags:<>\n"+
		"10:00:00.124 PID  812 add/repl addr 10.0.0.1/24 iface wg0 \n")
	h.setWorld("monitor-exit", "")
	h.setWorld("monitor-go", "")
	h.waitGone(loop)
	expect(t, "monitor's commands", h.commands(), nil)
}

// The route monitor cleans up after an interface destroyed behind
// wg-quick's back.
func TestRouteMonitorInterfaceGone(t *testing.T) {
	for _, ev := range routeEvents {
		t.Run(ev.build, func(t *testing.T) {
			h, route, loop := fullUpWith(t, ev.build)
			h.removeWorld("ifaces/wg0")
			h.setWorld("monitor", ev.departure)
			h.setWorld("monitor-go", "")
			h.waitGone(loop)
			h.waitGone(route)
			expect(t, "monitor's commands", h.commands(), lines(`
				ifconfig wg0
				route -q -n delete -inet 192.0.2.1
				route -q -n delete -inet6 2001:db8::1
			`))
			if h.runFile("wg0.hostroutes") != "" || h.runFile("wg0.monitor") != "" {
				t.Error("records left behind")
			}
		})
	}
}

// An interface destroyed behind wg-quick's back while its monitor saw
// nothing: a new up stops the old monitor rather than orphan it.
func TestUpStopsStaleMonitor(t *testing.T) {
	h := full(t)
	checkRun(t, h.wgQuick("up", "wg0"), 0, "")
	oldRoute, oldLoop := h.monitor("wg0")
	h.removeWorld("ifaces/wg0")
	h.removeWorld("ifaces/wg0.wg")
	checkRun(t, h.wgQuick("up", "wg0"), 0, "")
	h.waitGone(oldLoop)
	h.waitGone(oldRoute)
	if route, loop := h.monitor("wg0"); route == oldRoute || loop == oldLoop || processGone(loop) {
		t.Errorf("monitor %d %d after a second up, the first was %d %d", route, loop, oldRoute, oldLoop)
	}
}

// An endpoint host route that exists already (an administrator's static
// route, a second tunnel) fails with "File exists": up goes on with a
// warning, and down leaves that route alone.
func TestEndpointRouteExists(t *testing.T) {
	h := full(t)
	h.fail("route-add-192.0.2.1")
	r := h.wgQuick("up", "wg0")
	checkRun(t, r, 0, "")
	if !strings.Contains(r.stderr, "[#] route -q -n add -inet 192.0.2.1 -gateway 192.168.1.1\n[!] going on without a host route to 192.0.2.1: the route there already carries its traffic\n") {
		t.Errorf("no warning:\n%s", r.stderr)
	}
	h.commands()
	checkRun(t, h.wgQuick("down", "wg0"), 0, "")
	expect(t, "commands", h.commands(), lines(`
		wg show interfaces
		route -q -n delete -inet6 2001:db8::1
		ifconfig wg0 destroy
		ifconfig wg0
		resolvconf -l wg0
	`))
}

// An interface brought up by the port's wg-quick has none of our records:
// down finds the endpoint host routes from what wg(8) shows, and the
// name servers from what resolvconf(8) holds, even when the file no
// longer names them.
func TestDownWithoutRecords(t *testing.T) {
	h := full(t)
	checkRun(t, h.wgQuick("up", "wg0"), 0, "")
	h.stopMonitors()
	for _, f := range []string{"wg0.hostroutes", "wg0.monitor"} {
		if err := os.Remove(filepath.Join(h.rundir, f)); err != nil {
			t.Fatal(err)
		}
	}
	h.setWorld("resolv/wg0", "nameserver 10.0.0.53\n")
	h.commands()
	checkRun(t, h.wgQuick("down", "wg0"), 0, "")
	expect(t, "commands", h.commands(), lines(`
		wg show interfaces
		wg show wg0 allowed-ips
		wg show wg0 endpoints
		route -q -n delete -inet 192.0.2.1
		route -q -n delete -inet6 2001:db8::1
		ifconfig wg0 destroy
		ifconfig wg0
		resolvconf -l wg0
		resolvconf -d wg0
	`))
}

// Another takes the name between up's look and the kernel's new
// interface: the rename fails, and up destroys the interface it made,
// which "ifconfig wg create name wg0" would have left behind, and leaves
// the other's alone.
func TestUpRenameRace(t *testing.T) {
	h := basic(t)
	h.setWorld("kld-loaded", "")
	h.setWorld("race-wg0", "")
	r := h.wgQuick("up", "wg0")
	checkRun(t, r, 1, "")
	expect(t, "commands", h.commands(), lines(`
		ifconfig wg0
		kldstat -q -m if_wg
		ifconfig wg create
		ifconfig wg1 name wg0
		ifconfig wg1 destroy
	`))
	if !strings.HasSuffix(r.stderr, "ifconfig: ioctl SIOCSIFNAME (set name): File exists\n[#] ifconfig wg1 destroy\n") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if h.exists("wg1") || !h.exists("wg0") {
		t.Errorf("wg1 exists: %v, wg0 exists: %v", h.exists("wg1"), h.exists("wg0"))
	}
}
