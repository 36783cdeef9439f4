// SPDX-License-Identifier: BSD-2-Clause

package rcd

import (
	"os"
	"strings"
	"testing"
)

// start runs wg-quick up on each interface: exactly what wg-quick does
// alone.
func TestStart(t *testing.T) {
	h := basic(t)
	r := h.run("start")
	checkRun(t, r, 0, "")
	expect(t, "commands", h.commands(), joined(hostUp, basicConfigure()))
	expect(t, "messages", h.messages(), nil)

	checkRun(t, h.run("stop"), 0, "")
	expect(t, "commands", h.commands(), basicDown)
	if h.exists("wg0") {
		t.Error("wg0 is still there")
	}

	// Stopping what is not running fails, and says so.
	checkRun(t, h.run("stop"), 1, "")
	expect(t, "commands", h.commands(), lines("wg show interfaces"))
	expect(t, "messages", h.messages(), []string{"WARNING: wg0: wg-quick down failed"})
}

// wireguard_enable=NO: start does nothing, onestart does.
func TestNotEnabled(t *testing.T) {
	h := basic(t)
	h.rc(`wireguard_interfaces="wg0"`)
	checkRun(t, h.run("start"), 0, "")
	expect(t, "commands", h.commands(), nil)
	checkRun(t, h.run("onestart"), 0, "")
	expect(t, "commands", h.commands(), joined(hostUp, basicConfigure()))
}

// One interface that fails does not stop the others; start fails.
func TestOneBrokenInterfaceOfTwo(t *testing.T) {
	h := basic(t)
	h.rc(`wireguard_enable="YES"`, `wireguard_interfaces="wg1 wg0"`)
	h.conf("wg1", "[Interface]\nPrivateKey = "+privA+"\nSaveConfig = maybe\n")
	r := h.run("start")
	checkRun(t, r, 1, "")
	if !strings.Contains(r.stderr, "wg-quick: `maybe' is neither true nor false\n") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	expect(t, "messages", h.messages(), []string{"WARNING: wg1: wg-quick up failed"})
	expect(t, "commands", h.commands(), joined(hostUp, basicConfigure()))
	if !h.exists("wg0") || h.exists("wg1") {
		t.Error("wg0 should run, wg1 not")
	}
}

// wireguard_userspace reaches wg-quick: "never" in a jail that sees the
// host's if_wg; a bad value stops everything.
func TestUserspaceKnob(t *testing.T) {
	h := basic(t)
	h.removeWorld("kld-loadable")
	h.setWorld("kld-loaded", "")
	h.setWorld("jail", "")
	h.rc(`wireguard_enable="YES"`, `wireguard_interfaces="wg0"`, `wireguard_userspace="never"`)
	checkRun(t, h.run("start"), 0, "")
	expect(t, "commands", h.commands()[:3], lines(`
		ifconfig wg0
		kldstat -q -m if_wg
		ifconfig wg create
	`))
	h.rc(`wireguard_enable="YES"`, `wireguard_interfaces="wg0"`, `wireguard_userspace="sometimes"`)
	checkRun(t, h.run("stop"), 1, "")
	expect(t, "commands", h.commands(), nil)
	expect(t, "messages", h.messages(), []string{
		`WARNING: wireguard_userspace is "sometimes", not auto, never or always`,
	})
}

// reload hands the stripped file to "wg syncconf"; nothing else changes.
func TestReload(t *testing.T) {
	h := basic(t)
	checkRun(t, h.run("start"), 0, "")
	h.commands()
	h.conf("wg0", basicConf+"\n[Peer]\nPublicKey = "+pk2+"\nAllowedIPs = 10.0.0.9/32\n")
	checkRun(t, h.run("reload"), 0, "")
	cmds := h.commands()
	tmp, ok := strings.CutPrefix(cmds[0], "wg syncconf wg0 /tmp/wireguard.")
	if !ok {
		t.Fatalf("commands:\n%s", strings.Join(cmds, "\n"))
	}
	expect(t, "configuration", cmds[1:],
		input(strings.TrimSuffix(basicStripped, "\n")+"\n[Peer]\nPublicKey = "+pk2+"\nAllowedIPs = 10.0.0.9/32\n\n"))
	if _, err := os.Stat("/tmp/wireguard." + tmp); !os.IsNotExist(err) {
		t.Errorf("the temporary file is left: %v", err)
	}

	// A file wg-quick rejects is not applied.
	h.conf("wg0", "[Interface]\nSaveConfig = maybe\n")
	checkRun(t, h.run("reload"), 1, "")
	expect(t, "commands", h.commands(), nil)
}

// status reports the interfaces from what the system shows, whoever
// brought them up.
func TestStatus(t *testing.T) {
	h := basic(t)
	h.rc(`wireguard_enable="YES"`, `wireguard_interfaces="wg0 wg1"`)
	checkRun(t, h.run("start", "wg0"), 0, "")
	h.setWorld("wg/wg0.latest-handshakes", pk1+"\t1699999950\n"+pk2+"\t1699999000\n")
	r := h.run("status")
	checkRun(t, r, 1, "wg0: up (kernel), 1 of 2 peers with a handshake in the last 180 seconds\n"+
		"\t"+pk1+": latest handshake 50 seconds ago\n"+
		"wg1: not running\n")
}

// The script is the port's drop-in: same name, PROVIDE, KEYWORD and
// variables; and, as rc.d/netif, it is skipped in jails without VNET.
// libexec/rc/rc.d/netif:
//
//	# KEYWORD: nojailvnet
//
// which libexec/rc/rc has rcorder skip in a jail without its own network
// stack:
//
//	if [ "$(sysctl -n security.jail.vnet)" != 1 ]; then
//		skip="$skip -s nojailvnet"
func TestHeader(t *testing.T) {
	b, err := os.ReadFile("wireguard.in")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\n# PROVIDE: wireguard\n", "\n# REQUIRE: DAEMON\n", "\n# KEYWORD: nojailvnet shutdown\n",
		"\nname=wireguard\n", "\nrcvar=wireguard_enable\n",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("wireguard.in lacks %q", strings.TrimSpace(want))
		}
	}
}
