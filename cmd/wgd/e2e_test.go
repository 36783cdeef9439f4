// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/internal/testenv"
)

// The helper modes of the test binary, run inside a namespace: "recv"
// accepts one TCP connection on WGD_E2E_ADDR, prints "listening" once it
// listens, then the length and SHA-256 of everything it reads; "send"
// connects to WGD_E2E_ADDR, sends WGD_E2E_BYTES pseudo-random bytes and
// prints their length and SHA-256.
const (
	helperEnv      = "WGD_E2E_HELPER"
	helperAddrEnv  = "WGD_E2E_ADDR"
	helperBytesEnv = "WGD_E2E_BYTES"
)

// transferBytes is the size of each TCP transfer.
const transferBytes = 4 << 20

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := tcpHelper(mode, os.Getenv(helperAddrEnv)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	removeBuilt()
	removeLockFiles()
	os.Exit(code)
}

// removeLockFiles removes the lock files the daemons of this test process
// left in the socket directory: wgd keeps a name's lock file for the next
// daemon of that name, and the tests' names are theirs alone (they carry
// the process id, as newTopology makes them).
func removeLockFiles() {
	pattern := fmt.Sprintf("we%d*.lock", os.Getpid()%10000000)
	files, _ := filepath.Glob(filepath.Join(ifwg.DefaultSocketDir, pattern))
	for _, f := range files {
		os.Remove(f)
	}
}

// tcpHelper runs a helper mode.
func tcpHelper(mode, addr string) error {
	h := sha256.New()
	var n int64
	switch mode {
	case "recv":
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		fmt.Println("listening")
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		n, err = io.Copy(h, c)
		if err != nil {
			return err
		}
	case "send":
		var size int64
		fmt.Sscan(os.Getenv(helperBytesEnv), &size)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		src := io.LimitReader(rand.NewChaCha8([32]byte{1}), size)
		n, err = io.Copy(io.MultiWriter(c, h), src)
		if err != nil {
			return err
		}
		if err := c.Close(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown helper mode %q", mode)
	}
	fmt.Printf("%d %s\n", n, hex.EncodeToString(h.Sum(nil)))
	return nil
}

// transfer sends transferBytes over TCP from one side to the other's
// tunnel address and checks that they arrive intact.
func transfer(t *testing.T, tl tools, from, to side, addr string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	recv := to.inNS(tl, self)
	recv.Env = append(os.Environ(), helperEnv+"=recv", helperAddrEnv+"="+addr)
	out, err := recv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	recv.Stderr = os.Stderr
	if err := recv.Start(); err != nil {
		t.Fatal(err)
	}
	defer recv.Process.Kill()
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "listening" {
		t.Fatalf("receiver did not start: %q", lines.Text())
	}
	send := from.inNS(tl, self)
	send.Env = append(os.Environ(), helperEnv+"=send", helperAddrEnv+"="+addr,
		fmt.Sprintf("%s=%d", helperBytesEnv, transferBytes))
	sent, err := send.Output()
	if err != nil {
		t.Fatalf("sender: %v", err)
	}
	if !lines.Scan() {
		t.Fatalf("receiver printed nothing: %v", recv.Wait())
	}
	got, want := lines.Text(), strings.TrimSpace(string(sent))
	if got != want || !strings.HasPrefix(want, fmt.Sprint(transferBytes)+" ") {
		t.Fatalf("%s -> %s: received %q, sent %q", from.ns, to.ns, got, want)
	}
}

// ping pings the address from the side, over IPv4 or IPv6.
func ping(t *testing.T, tl tools, from side, addr string) {
	t.Helper()
	out, err := from.inNS(tl, tl.ping, "-c", "3", "-W", "5", addr).CombinedOutput()
	if err != nil {
		t.Fatalf("ping %s from %s: %v\n%s", addr, from.ns, err, out)
	}
}

// wgConfig returns a wg(8) configuration: the side's private key and
// port, and one peer.
func wgConfig(priv ifwg.Key, port int, peerPub ifwg.Key, peer side, peerPort int, keepalive bool) string {
	c := fmt.Sprintf("[Interface]\nPrivateKey = %s\nListenPort = %d\n\n[Peer]\nPublicKey = %s\nEndpoint = %s:%d\nAllowedIPs = %s/32, %s/128\n",
		priv, port, peerPub, peer.under, peerPort, peer.tunnel, peer.tunnel6)
	if keepalive {
		c += "PersistentKeepalive = 25\n"
	}
	return c
}

// setconf applies a configuration with a wg tool.
func setconf(t *testing.T, wg string, s side, conf string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), s.iface+".conf")
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	runProg(t, "", wg, "setconf", s.iface, file)
}

// addressUp gives the side's interface its tunnel addresses and brings it
// up.
func (tp *topology) addressUp(s side) {
	tp.t.Helper()
	tp.must("-n", s.ns, "addr", "add", s.tunnel+"/24", "dev", s.iface)
	tp.must("-n", s.ns, "addr", "add", s.tunnel6+"/64", "dev", s.iface, "nodad")
	tp.must("-n", s.ns, "link", "set", s.iface, "up")
}

// exercise pings and transfers both ways over IPv4 and IPv6.
func exercise(t *testing.T, tp *topology) {
	t.Helper()
	ping(t, tp.tl, tp.a, tp.b.tunnel)
	ping(t, tp.tl, tp.b, tp.a.tunnel)
	ping(t, tp.tl, tp.a, tp.b.tunnel6)
	ping(t, tp.tl, tp.b, tp.a.tunnel6)
	transfer(t, tp.tl, tp.a, tp.b, net.JoinHostPort(tp.b.tunnel, "7777"))
	transfer(t, tp.tl, tp.b, tp.a, net.JoinHostPort(tp.a.tunnel6, "7778"))
}

// dumpLines returns `wg show <if> dump` split into lines of fields.
func dumpLines(t *testing.T, wg, iface string) [][]string {
	t.Helper()
	var lines [][]string
	for _, l := range strings.Split(strings.TrimSpace(runProg(t, "", wg, "show", iface, "dump")), "\n") {
		lines = append(lines, strings.Split(l, "\t"))
	}
	return lines
}

// checkDumps compares `wg show <if> dump` from our wg (nvlist for wgd,
// UAPI for others) and Debian's (UAPI) with what was configured: keys,
// port, endpoint, allowed IPs (in any order) and keepalive exactly; the
// handshake and both counters must be non-zero. The two tools must agree
// on every field but the handshake and the counters, which move.
func checkDumps(t *testing.T, tl tools, s side, priv ifwg.Key, port int, peerPub ifwg.Key, peer side, peerPort int, keepalive string) {
	t.Helper()
	want := [][]string{
		{priv.String(), priv.PublicKey().String(), fmt.Sprint(port), "off"},
		{peerPub.String(), "(none)", fmt.Sprintf("%s:%d", peer.under, peerPort), peer.tunnel + "/32," + peer.tunnel6 + "/128", "", "", "", keepalive},
	}
	var dumps [2][][]string
	for k, wg := range []string{tl.wg, tl.stockWG} {
		got := dumpLines(t, wg, s.iface)
		dumps[k] = got
		if len(got) != 2 || len(got[0]) != 4 || len(got[1]) != 8 {
			t.Fatalf("%s show %s dump: %q", wg, s.iface, got)
		}
		for i := range want {
			for j, w := range want[i] {
				g := got[i][j]
				switch {
				case i == 1 && j >= 4 && j <= 6:
					if g == "0" {
						t.Errorf("%s: %s field %d is 0", wg, s.iface, j)
					}
					continue
				case i == 1 && j == 3:
					f := strings.Split(g, ",")
					slices.Sort(f)
					g = strings.Join(f, ",")
				}
				if g != w {
					t.Errorf("%s: %s line %d field %d = %q, want %q", wg, s.iface, i, j, g, w)
				}
			}
		}
	}
	if !slices.Equal(dumps[0][0], dumps[1][0]) || dumps[0][1][3] != dumps[1][1][3] {
		t.Errorf("the two tools disagree: %q and %q", dumps[0], dumps[1])
	}
}

// TestWgdToWgd runs wgd on both sides: side a detached (wgd's daemon
// mode) and configured by this tree's wg over nvlist, side b in the
// foreground and configured by Debian's wg over UAPI.
func TestWgdToWgd(t *testing.T) {
	tl := requireTools(t)
	tp := newTopology(t, tl)
	privA, pubA := newKeys(t)
	privB, pubB := newKeys(t)

	runProg(t, "", tl.ip, "netns", "exec", tp.a.ns, tl.wgd, tp.a.iface)
	t.Cleanup(func() { os.Remove(socketPath(tp.a.iface)) })
	b := startTestDaemon(t, tl, tp.b, nil, tl.wgd, "-f", "-v", tp.b.iface)

	setconf(t, tl.wg, tp.a, wgConfig(privA, 51820, pubB, tp.b, 51821, true))
	setconf(t, tl.stockWG, tp.b, wgConfig(privB, 51821, pubA, tp.a, 51820, false))
	tp.addressUp(tp.a)
	tp.addressUp(tp.b)
	exercise(t, tp)
	checkDumps(t, tl, tp.a, privA, 51820, pubB, tp.b, 51821, "25")
	checkDumps(t, tl, tp.b, privB, 51821, pubA, tp.a, 51820, "off")

	// Removing the socket stops the detached daemon, which destroys its
	// interface; SIGTERM stops the other.
	if err := os.Remove(socketPath(tp.a.iface)); err != nil {
		t.Fatal(err)
	}
	tp.waitGone(tp.a)
	b.cmd.Process.Signal(os.Interrupt)
	<-b.exited
	if !b.cmd.ProcessState.Success() {
		t.Errorf("wgd -f exited with %v", b.cmd.ProcessState)
	}
	tp.waitGone(tp.b)
	if _, err := os.Lstat(socketPath(tp.b.iface)); err == nil {
		t.Error("socket left after SIGINT")
	}
}

// TestWgdToWireguardGo runs wgd, configured by this tree's wg over
// nvlist, against wireguard-go, configured by Debian's wg over UAPI.
func TestWgdToWireguardGo(t *testing.T) {
	tl := requireTools(t)
	tp := newTopology(t, tl)
	privA, pubA, privB, pubB := wgdAndWireguardGo(t, tp, true)
	exercise(t, tp)
	checkDumps(t, tl, tp.a, privA, 51820, pubB, tp.b, 51821, "off")
	checkDumps(t, tl, tp.b, privB, 51821, pubA, tp.a, 51820, "25")
}

// wgdAndWireguardGo starts wgd on side a, configured by this tree's wg
// over nvlist, and the pinned wireguard-go on side b, configured by
// Debian's wg over UAPI (with a keepalive if keepaliveB), and brings both
// interfaces up. It returns the keys of a and b.
func wgdAndWireguardGo(t *testing.T, tp *topology, keepaliveB bool) (privA, pubA, privB, pubB ifwg.Key) {
	t.Helper()
	tl := tp.tl
	wggo := testenv.RequireWireguardGo(t)
	privA, pubA = newKeys(t)
	privB, pubB = newKeys(t)
	startTestDaemon(t, tl, tp.a, nil, tl.wgd, "-f", tp.a.iface)
	startTestDaemon(t, tl, tp.b, []string{"WG_PROCESS_FOREGROUND=1"}, wggo, "-f", tp.b.iface)
	setconf(t, tl.wg, tp.a, wgConfig(privA, 51820, pubB, tp.b, 51821, false))
	setconf(t, tl.stockWG, tp.b, wgConfig(privB, 51821, pubA, tp.a, 51820, keepaliveB))
	tp.addressUp(tp.a)
	tp.addressUp(tp.b)
	return privA, pubA, privB, pubB
}

// TestStartErrors checks wgd's one-line errors for the failures to start
// that a test can provoke.
func TestStartErrors(t *testing.T) {
	tl := requireTools(t)
	tp := newTopology(t, tl)
	wgdIn := func(s side, args ...string) (string, error) {
		out, err := s.inNS(tl, tl.wgd, args...).CombinedOutput()
		return string(out), err
	}
	// A veth end is an interface of another kind that every kernel has.
	tp.must("-n", tp.a.ns, "link", "add", tp.a.iface, "type", "veth", "peer", "name", tp.a.iface+"p")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"name of a non-tun interface", []string{"-f", tp.a.iface}, "taken by a non-tun interface"},
		{"detached, same failure", []string{tp.a.iface}, "taken by a non-tun interface"},
		{"invalid name", []string{"a/b"}, "invalid interface name"},
		{"no name", []string{"-f"}, "expected exactly one interface name"},
		{"unknown flag", []string{"-x", "wg0"}, "unknown option"},
	} {
		out, err := wgdIn(tp.a, c.args...)
		if err == nil || !strings.HasPrefix(out, "wgd: ") || !strings.Contains(out, c.want) {
			t.Errorf("%s: %v: %q", c.name, err, out)
		}
	}
	if _, err := os.Lstat(socketPath(tp.a.iface)); err == nil {
		t.Error("socket left by a failed start")
	}

	startTestDaemon(t, tl, tp.b, nil, tl.wgd, "-f", tp.b.iface)
	out, err := wgdIn(tp.a, "-f", tp.b.iface)
	if err == nil || !strings.Contains(out, "already served by a running daemon") {
		t.Errorf("second daemon: %v: %q", err, out)
	}

	cmd := exec.Command(tl.wgd, "-f", "x")
	cmd.SysProcAttr = nobody()
	if out, err := cmd.CombinedOutput(); err == nil || string(out) != "wgd: must be run as root\n" {
		t.Errorf("as nobody: %v: %q", err, out)
	}

	// Without the tun device node, as in a jail or container that hides
	// it.
	unshare := testenv.RequireTool(t, "", "unshare")
	cmd = tp.a.inNS(tl, unshare, "-m", "sh", "-c", "mount -t tmpfs none /dev/net && exec \"$0\" -f \"$1\"", tl.wgd, tp.a.iface+"n")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "no tun device") {
		t.Errorf("without /dev/net/tun: %v: %q", err, out)
	}
}

// TestInterfaceDestroyed destroys wgd's interface under it: wgd must
// notice, exit with an error and remove its socket.
func TestInterfaceDestroyed(t *testing.T) {
	tl := requireTools(t)
	tp := newTopology(t, tl)
	d := startTestDaemon(t, tl, tp.a, nil, tl.wgd, "-f", tp.a.iface)
	tp.must("-n", tp.a.ns, "link", "del", tp.a.iface)
	<-d.exited
	if d.cmd.ProcessState.Success() || !strings.Contains(d.output.String(), "wgd: the interface was destroyed") {
		t.Errorf("wgd exited with %v:\n%s", d.cmd.ProcessState, d.output.String())
	}
	if _, err := os.Lstat(socketPath(tp.a.iface)); err == nil {
		t.Error("socket left")
	}
}
