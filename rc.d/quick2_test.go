// SPDX-License-Identifier: BSD-2-Clause

package rcd

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// hostUp is what up runs before the configuration: the existence check
// and the kernel module, loaded by wg-quick.
var hostUp = lines(`
	ifconfig wg0
	kldstat -q -m if_wg
	kldload -n if_wg
	ifconfig wg create
`)

// loadedUp is what up runs before the configuration when if_wg is loaded.
var loadedUp = slices.Delete(slices.Clone(hostUp), 2, 3)

// bareUp is what up does, once the interface exists, with a file that
// has a private key and an MTU of 1400 only.
var bareUp = joined(
	lines("wg setconf wg0 /dev/stdin"),
	input("[Interface]\nPrivateKey = "+privA+"\n\n"),
	lines(`
		ifconfig wg0 mtu 1400
		ifconfig wg0 up
		wg show wg0 allowed-ips
	`))

// Table = <n> puts every route, a /0 as it is, in FIB n, after checking
// that FIB n exists; no endpoint host routes, no route monitor.
func TestTableIsFIB(t *testing.T) {
	h := newHarness(t)
	h.conf("wg0", `[Interface]
PrivateKey = `+privA+`
Table = 2
MTU = 1400

[Peer]
PublicKey = `+pk1+`
AllowedIPs = 0.0.0.0/0, 10.1.0.0/16
`)
	h.setWorld("wg/wg0.allowed-ips", pk1+"\t0.0.0.0/0 10.1.0.0/16\n")
	h.setWorld("fibs", "4\n")
	checkRun(t, h.wgQuick("up", "wg0"), 0, "")
	expect(t, "commands", h.commands(), joined(
		lines(`
			ifconfig wg0
			sysctl -n net.fibs
			kldstat -q -m if_wg
			kldload -n if_wg
			ifconfig wg create
			wg setconf wg0 /dev/stdin
		`),
		input(`[Interface]
PrivateKey = `+privA+`

[Peer]
PublicKey = `+pk1+`
AllowedIPs = 0.0.0.0/0, 10.1.0.0/16

`),
		lines(`
			ifconfig wg0 mtu 1400
			ifconfig wg0 up
			wg show wg0 allowed-ips
			route -q -n add -inet -fib 2 10.1.0.0/16 -interface wg0
			route -q -n add -inet -fib 2 0.0.0.0/0 -interface wg0
		`)))
	if m, _ := h.monitor("wg0"); m != 0 {
		t.Error("a route monitor runs for routes in another FIB")
	}
	checkRun(t, h.wgQuick("down", "wg0"), 0, "")
	expect(t, "commands", h.commands(), basicDown)

	// FIB 4 does not exist: nothing is changed.
	h.setWorld("fibs", "4\n")
	h.conf("wg0", "[Interface]\nPrivateKey = "+privA+"\nTable = 4\n")
	r := h.wgQuick("up", "wg0")
	checkRun(t, r, 1, "")
	if r.stderr != "wg-quick: Table = 4 needs FIB 4, but net.fibs is 4\n" {
		t.Errorf("stderr: %q", r.stderr)
	}
	expect(t, "commands", h.commands(), lines(`
		ifconfig wg0
		sysctl -n net.fibs
	`))

	// Table = off: no routes at all.
	h.conf("wg0", "[Interface]\nPrivateKey = "+privA+"\nTable = off\nMTU = 1400\n")
	checkRun(t, h.wgQuick("up", "wg0"), 0, "")
	expect(t, "commands", h.commands(), joined(loadedUp, bareUp))
}

// dnsConf has name servers of both families and a search domain.
var dnsConf = basicConf[:len("[Interface]\n")] + `DNS = 10.0.0.53, fd00::53, corp.example
` + basicConf[len("[Interface]\n"):]

// DNS goes to resolvconf(8) once the interface is up, and is withdrawn
// after it is gone.
func TestDNS(t *testing.T) {
	h := basic(t)
	h.conf("wg0", dnsConf)
	checkRun(t, h.wgQuick("up", "wg0"), 0, "")
	cmds := h.commands()
	i := len(hostUp) + len(input(basicStripped)) + 1 + 7
	expect(t, "commands", cmds[i-1:i+5], lines(`
		ifconfig wg0 up
		resolvconf -a wg0 -x
		| nameserver 10.0.0.53
		| nameserver fd00::53
		| search corp.example
		wg show wg0 allowed-ips
	`))
	checkRun(t, h.wgQuick("down", "wg0"), 0, "")
	// Down as with basicConf, but resolvconf(8) withdraws the records.
	dnsDown := slices.Clone(basicDown)
	dnsDown[len(dnsDown)-1] = "resolvconf -d wg0"
	expect(t, "commands", h.commands(), dnsDown)
	if h.readWorld("resolv/wg0") != "" {
		t.Error("resolvconf still holds wg0's records")
	}
}

// A failure in the middle of up (here the last step, a PostUp hook)
// undoes everything up did: the route monitor, the endpoint host routes,
// the DNS records and the interface.
func TestFailureUndoesUp(t *testing.T) {
	h := full(t)
	h.conf("wg0", fullConf[:len("[Interface]\n")]+"DNS = 10.0.0.53\nPostUp = hook broken %i\n"+
		fullConf[len("[Interface]\n"):])
	h.fail("hook-broken")
	r := h.wgQuick("up", "wg0")
	checkRun(t, r, 1, "")
	cmds := h.commands()
	i := slices.Index(cmds, "hook broken wg0")
	if i < 0 || !slices.Contains(cmds[:i], "resolvconf -a wg0 -x") ||
		!slices.Contains(cmds[:i], "route -q -n add -inet 192.0.2.1 -gateway 192.168.1.1") {
		t.Fatalf("commands:\n%s", strings.Join(cmds, "\n"))
	}
	expect(t, "commands from the hook on", cmds[i:], lines(`
		hook broken wg0
		route -q -n delete -inet 192.0.2.1
		route -q -n delete -inet6 2001:db8::1
		resolvconf -d wg0
		ifconfig wg0 destroy
		ifconfig wg0
	`))
	if !strings.Contains(r.stderr, "[#] hook broken wg0\nhook broken failed\n") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if h.exists("wg0") || h.runFile("wg0.monitor") != "" || h.runFile("wg0.hostroutes") != "" ||
		h.readWorld("resolv/wg0") != "" {
		t.Error("up left something behind")
	}
}

// A failure before the interface exists leaves nothing to undo.
func TestFailingPreUp(t *testing.T) {
	h := basic(t)
	h.conf("wg0", "[Interface]\nPreUp = hook pre %i\nPrivateKey = "+privA+"\n")
	h.fail("hook-pre")
	checkRun(t, h.wgQuick("up", "wg0"), 1, "")
	expect(t, "commands", h.commands(), lines(`
		ifconfig wg0
		hook pre wg0
	`))
}

// hooksConf's hooks call wg(8), which lives in PREFIX/bin, outside rc's
// PATH, and keep their "#" text.
const hooksConf = `[Interface]
PrivateKey = ` + privA + `
PreUp = hook pre %i
PostUp = wg set %i peer ` + pk1 + ` persistent-keepalive 25
PostUp = hook 'a#b' # a comment, passed to sh
PreDown = hook predown %i
PostDown = hook postdown %i
MTU = 1400
`

// Hooks run in order, with %i replaced; started by service(8), with rc's
// PATH, wg(8) is found.
func TestHooksCallWg(t *testing.T) {
	h := newHarness(t)
	h.conf("wg0", hooksConf)
	r := h.run("start")
	checkRun(t, r, 0, "")
	cmds := h.commands()
	expect(t, "commands", cmds, joined(
		lines(`
			ifconfig wg0
			hook pre wg0
			kldstat -q -m if_wg
			kldload -n if_wg
			ifconfig wg create
		`),
		bareUp,
		lines(`
			wg set wg0 peer `+pk1+` persistent-keepalive 25
			hook a#b
		`)))
	if !strings.Contains(r.stderr, "[#] hook 'a#b' # a comment, passed to sh\n") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	checkRun(t, h.run("stop"), 0, "")
	expect(t, "commands", h.commands(), lines(`
		wg show interfaces
		hook predown wg0
		wg show wg0 allowed-ips
		ifconfig wg0 destroy
		ifconfig wg0
		resolvconf -l wg0
		hook postdown wg0
	`))
}

// A failing hook on the way down is reported; the interface still goes.
func TestFailingPreDown(t *testing.T) {
	h := newHarness(t)
	h.conf("wg0", hooksConf)
	checkRun(t, h.wgQuick("up", "wg0"), 0, "")
	h.fail("hook-predown")
	r := h.wgQuick("down", "wg0")
	checkRun(t, r, 0, "")
	if !strings.Contains(r.stderr, "[!] the hook failed: hook predown wg0\n") || h.exists("wg0") {
		t.Errorf("wg0 exists: %v, stderr:\n%s", h.exists("wg0"), r.stderr)
	}
}

// saveConf has what SaveConfig keeps from the file: MTU, a hook and
// SaveConfig itself.
const saveConf = `[Interface]
PrivateKey = ` + privA + `
Address = 10.0.0.1/24, fd00::1/64
DNS = 10.0.0.53, corp.example
MTU = 1400
SaveConfig = true
PostUp = hook up %i
ListenPort = 51820

[Peer]
PublicKey = ` + pk1 + `
AllowedIPs = 10.0.0.2/32
`

// What "wg showconf wg0" prints once a peer was added at run time.
const liveShowconf = `[Interface]
ListenPort = 51820
PrivateKey = ` + privA + `

[Peer]
PublicKey = ` + pk1 + `
AllowedIPs = 10.0.0.2/32

[Peer]
PublicKey = ` + pk2 + `
AllowedIPs = 10.0.0.9/32
Endpoint = 198.51.100.9:51820
`

// The file SaveConfig writes: the live addresses, resolv.conf records and
// peers, with the file's own keys.
var savedConf = `[Interface]
Address = 10.0.0.1/24
Address = fd00::1/64
DNS = 10.0.0.53
DNS = corp.example
MTU = 1400
SaveConfig = true
PostUp = hook up %i
` + strings.TrimPrefix(liveShowconf, "[Interface]\n")

// SaveConfig: save, and down, write what is live back to the file, synced
// to the disk before it replaces the old one; peers added at run time
// survive a restart.
func TestSaveConfig(t *testing.T) {
	h := newHarness(t)
	h.conf("wg0", saveConf)
	h.setWorld("wg/wg0.allowed-ips", pk1+"\t10.0.0.2/32\n")
	checkRun(t, h.wgQuick("up", "wg0"), 0, "")
	h.commands()
	h.setWorld("wg/wg0.showconf", liveShowconf)
	// A link-local address, as the kernel may add one, is not saved.
	h.setWorld("ifaces/wg0.addrs", h.readWorld("ifaces/wg0.addrs")+"inet6 fe80::1%wg0/64\n")

	r := h.wgQuick("save", "wg0")
	checkRun(t, r, 0, "")
	expect(t, "save", h.commands(), lines(`
		wg show interfaces
		ifconfig -f inet:cidr,inet6:cidr wg0
		resolvconf -l wg0
		wg showconf wg0
		sync
	`))
	expect(t, "echo", echoed(r), lines("wg showconf wg0"))
	checkSaved(t, h)

	h.conf("wg0", saveConf)
	checkRun(t, h.wgQuick("down", "wg0"), 0, "")
	expect(t, "down", h.commands(), lines(`
		wg show interfaces
		ifconfig -f inet:cidr,inet6:cidr wg0
		resolvconf -l wg0
		wg showconf wg0
		sync
		wg show wg0 allowed-ips
		ifconfig wg0 destroy
		ifconfig wg0
		resolvconf -d wg0
	`))
	checkSaved(t, h)
}

func checkSaved(t *testing.T, h *harness) {
	t.Helper()
	b, err := os.ReadFile(h.confPath("wg0"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != savedConf {
		t.Errorf("saved:\n%s\nwant:\n%s", b, savedConf)
	}
	if fi, err := os.Stat(h.confPath("wg0")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("saved file mode: %v %v", fi.Mode(), err)
	}
}

// In a jail kldload fails even though the host has if_wg loaded: kldstat
// sees the module, and the interface is if_wg's, even with
// WG_QUICK_USERSPACE=never.
func TestJailWithModuleLoaded(t *testing.T) {
	h := basic(t)
	h.removeWorld("kld-loadable")
	h.setWorld("kld-loaded", "")
	h.setWorld("jail", "")
	r := h.exec([]string{"WG_QUICK_USERSPACE=never"}, h.quick, "up", "wg0")
	checkRun(t, r, 0, "")
	expect(t, "commands", h.commands(), joined(loadedUp, basicConfigure()))
}

// Without if_wg, and where it cannot be loaded, wg-quick falls back to
// wgd; down removes wgd's socket, and wgd takes the interface with it.
func TestNoModuleUsesWgd(t *testing.T) {
	h := basic(t)
	h.removeWorld("kld-loadable")
	r := h.wgQuick("up", "wg0")
	checkRun(t, r, 0, "")
	expect(t, "commands", h.commands(), joined(hostUp, lines("wgd wg0"), basicConfigure()))
	if !strings.Contains(r.stderr, "[!] No kernel WireGuard (ifconfig: SIOCIFCREATE2: Invalid argument); using wgd\n[#] wgd wg0\n") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if !h.socket("wg0") {
		t.Fatal("no control socket")
	}
	checkRun(t, h.run("status"), 0,
		"wg0: up (wgd), 0 of 0 peers with a handshake in the last 180 seconds\n")
	h.commands()
	r = h.wgQuick("down", "wg0")
	checkRun(t, r, 0, "")
	expect(t, "commands", h.commands(), lines(`
		wg show interfaces
		wg show wg0 allowed-ips
		ifconfig wg0
		resolvconf -l wg0
	`))
	expect(t, "echo", echoed(r), lines("rm -f "+filepath.Join(h.rundir, "wg0.sock")))
	if h.exists("wg0") || h.socket("wg0") {
		t.Error("wg0 or its socket is still there")
	}
}

// WG_QUICK_USERSPACE=never refuses wgd; =always takes it without asking
// the kernel.
func TestUserspaceChoice(t *testing.T) {
	h := basic(t)
	h.removeWorld("kld-loadable")
	r := h.exec([]string{"WG_QUICK_USERSPACE=never"}, h.quick, "up", "wg0")
	checkRun(t, r, 1, "")
	if r.stderr != "[#] kldload -n if_wg\nkldload: can't load if_wg: No such file or directory\n"+
		"wg-quick: if_wg cannot be loaded, and WG_QUICK_USERSPACE is never\n" {
		t.Errorf("stderr: %q", r.stderr)
	}
	expect(t, "commands", h.commands(), lines(`
		ifconfig wg0
		kldstat -q -m if_wg
		kldload -n if_wg
	`))

	r = h.exec([]string{"WG_QUICK_USERSPACE=always"}, h.quick, "up", "wg0")
	checkRun(t, r, 0, "")
	expect(t, "commands", h.commands(), joined(lines(`
		ifconfig wg0
		wgd wg0
	`), basicConfigure()))
}

// A name stands for its file in /etc/wireguard, else in
// PREFIX/etc/wireguard; a path must end in a valid interface name and
// ".conf".
func TestConfigurationSearch(t *testing.T) {
	h := newHarness(t)
	h.conf("wg0", "[Interface]\nListenPort = 2\n")
	r := h.wgQuick("strip", "wg0")
	checkRun(t, r, 0, "[Interface]\nListenPort = 2\n\n")
	if err := os.WriteFile(filepath.Join(h.etc, "wg0.conf"), []byte("[Interface]\nListenPort = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkRun(t, h.wgQuick("strip", "wg0"), 0, "[Interface]\nListenPort = 1\n\n")

	r = h.wgQuick("strip", "wg9")
	checkRun(t, r, 1, "")
	if want := "wg-quick: `" + h.prefix + "/etc/wireguard/wg9.conf' does not exist\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
	bad := filepath.Join(h.etc, "wg0.txt")
	if err := os.WriteFile(bad, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r = h.wgQuick("strip", bad)
	checkRun(t, r, 1, "")
	if r.stderr != "wg-quick: The config file must be a valid interface name, followed by .conf\n" {
		t.Errorf("stderr %q", r.stderr)
	}
	if err := os.Chmod(filepath.Join(h.etc, "wg0.conf"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = h.wgQuick("strip", "wg0")
	if want := "Warning: `" + filepath.Join(h.etc, "wg0.conf") + "' is world accessible\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
}

// Usage, help and the need for root.
func TestUsage(t *testing.T) {
	h := newHarness(t)
	h.conf("wg0", basicConf)
	for _, args := range [][]string{nil, {"up"}, {"sideways", "wg0"}, {"up", "wg0", "wg1"}} {
		r := h.wgQuick(args...)
		if r.code != 1 || !strings.HasPrefix(r.stderr, "Usage: wg-quick [ up | down | save | strip ]") {
			t.Errorf("%q: exit status %d, stderr:\n%s", args, r.code, r.stderr)
		}
	}
	if r := h.wgQuick("--help"); r.code != 0 || !strings.HasPrefix(r.stderr, "Usage: ") {
		t.Errorf("--help: exit status %d", r.code)
	}
	r := h.exec([]string{"RCD_UID=1001"}, h.quick, "up", "wg0")
	checkRun(t, r, 1, "")
	if r.stderr != "wg-quick: must be run as root\n" {
		t.Errorf("stderr %q", r.stderr)
	}
	expect(t, "commands", h.commands(), nil)
}

// Without a default route, an endpoint's host route is a blackhole: the
// tunnel must never carry its own packets. The two builds of route(8)
// differ here: on netlink "route get" of a missing route succeeds and
// prints nothing but a warning (see testdata/bin/route).
func TestFullTunnelWithoutDefaultRoute(t *testing.T) {
	for _, build := range []string{"netlink", "rtsock"} {
		t.Run(build, func(t *testing.T) {
			h := full(t)
			if build == "rtsock" {
				h.setWorld("rtsock", "")
			}
			h.removeWorld("route/-inet_default")
			h.removeWorld("route/-inet6_default")
			h.removeWorld("route/-inet_192.0.2.1")
			h.removeWorld("monitor-gate")
			checkRun(t, h.wgQuick("up", "wg0"), 0, "")
			cmds := h.commands()
			expect(t, "host routes", cmds[len(cmds)-2:], lines(`
				route -q -n add -inet 192.0.2.1 127.0.0.1 -blackhole
				route -q -n add -inet6 2001:db8::1 ::1 -blackhole
			`))
			// The MTU comes from the IPv6 endpoint's route alone.
			if !slices.Contains(cmds, "ifconfig wg0 mtu 1420") {
				t.Errorf("commands:\n%s", strings.Join(cmds, "\n"))
			}
		})
	}
}

// A failure halfway, a route the kernel refuses, undoes the DNS records
// and the interface.
func TestRouteFailureUndoesUp(t *testing.T) {
	h := basic(t)
	h.conf("wg0", dnsConf)
	h.fail("route-add")
	r := h.wgQuick("up", "wg0")
	checkRun(t, r, 1, "")
	cmds := h.commands()
	i := slices.Index(cmds, "route -q -n add -inet6 fd00::2/128 -interface wg0")
	if i < 0 {
		t.Fatalf("commands:\n%s", strings.Join(cmds, "\n"))
	}
	expect(t, "commands from the failing route on", cmds[i:], lines(`
		route -q -n add -inet6 fd00::2/128 -interface wg0
		resolvconf -d wg0
		ifconfig wg0 destroy
		ifconfig wg0
	`))
	if !strings.HasSuffix(r.stderr, "[#] route -q -n add -inet6 fd00::2/128 -interface wg0\n[#] resolvconf -d wg0\n[#] ifconfig wg0 destroy\n") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if h.exists("wg0") || h.readWorld("resolv/wg0") != "" {
		t.Error("up left something behind")
	}
}

// A hook that reads its standard input reads wg-quick's, not the list of
// the hooks still to run: the hook after it runs too.
func TestHookReadsStandardInput(t *testing.T) {
	h := newHarness(t)
	h.conf("wg0", "[Interface]\nPrivateKey = "+privA+"\nMTU = 1400\n"+
		"PostUp = cat > /dev/null\nPostUp = hook after %i\n")
	checkRun(t, h.wgQuick("up", "wg0"), 0, "")
	expect(t, "commands", h.commands(), joined(hostUp, bareUp, lines("hook after wg0")))
}

// What wg-quick reports is printed as it is: dash's echo, unlike FreeBSD
// sh's, reads backslash escapes, and would print a tab and stop at "\c".
func TestEchoKeepsBackslashes(t *testing.T) {
	h := newHarness(t)
	h.conf("wg0", "[Interface]\nPrivateKey = "+privA+"\nMTU = 1400\n"+
		`PostUp = hook 'x\ty\c' %i`+"\n")
	r := h.wgQuick("up", "wg0")
	checkRun(t, r, 0, "")
	if !strings.Contains(r.stderr, `[#] hook 'x\ty\c' wg0`+"\n") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	h.commands()
	r = h.wgQuick("up", `/nowhere/x\ty.conf`)
	checkRun(t, r, 1, "")
	if want := "wg-quick: `/nowhere/x\\ty.conf' does not exist\n"; r.stderr != want {
		t.Errorf("stderr:\n%q\nwant\n%q", r.stderr, want)
	}
}

// Configuration values are words, never file name patterns: a "*" in
// Address or DNS reaches ifconfig(8) and resolvconf(8) as it is, not as
// the names of the files in the working directory. A hook is shell, and
// globs.
func TestValuesAreNotGlobbed(t *testing.T) {
	h := newHarness(t)
	conf := h.confPath("wg0")
	h.conf("wg0", "[Interface]\nPrivateKey = "+privA+"\nMTU = 1400\nAddress = 10.0.0.1/24, *\nDNS = 10.0.0.53, *\n"+
		"PostUp = hook "+conf[:len(conf)-1]+"?\n")
	checkRun(t, h.wgQuick("up", "wg0"), 0, "")
	cmds := h.commands()
	for _, want := range []string{"ifconfig wg0 inet * alias", "| search *", "hook " + conf} {
		if !slices.Contains(cmds, want) {
			t.Errorf("no %q in the commands:\n%s", want, strings.Join(cmds, "\n"))
		}
	}
}
