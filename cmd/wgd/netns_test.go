// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/internal/testenv"
)

// This file holds what the end-to-end tests share: building the
// commands, network namespaces joined by a veth pair, and the daemons
// running in them. Every name carries the test process's id, so that
// parallel runs never collide, and everything is removed when the test
// ends, whether it passed or not.

// topoSeq numbers the topologies of one test process.
var topoSeq atomic.Uint32

// tools are the programs an end-to-end test runs.
type tools struct {
	wgd, wg string // built from this tree
	ip      string
	ping    string
	stockWG string // Debian's wg(8)
}

// buildOnce builds wgd and wg once per test process.
var buildOnce struct {
	sync.Once
	dir string
	err error
}

// requireTools checks the prerequisites and builds wgd and wg.
func requireTools(t testing.TB) tools {
	t.Helper()
	testenv.RequireRoot(t)
	tl := tools{
		ip:      testenv.RequireTool(t, "", "ip"),
		ping:    testenv.RequireTool(t, "", "ping"),
		stockWG: testenv.RequireTool(t, "WGBSD_WG", "wg"),
	}
	tl.wgd, tl.wg = buildCommands(t)
	return tl
}

// buildCommands builds cmd/wgd and cmd/wg into a directory removed by
// TestMain.
func buildCommands(t testing.TB) (wgd, wg string) {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			buildOnce.err = err
			return
		}
		dir, err := os.MkdirTemp("", "wgd-e2e-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.dir = dir
		// Tests run the commands as nobody too.
		if err := os.Chmod(dir, 0o755); err != nil {
			buildOnce.err = err
			return
		}
		for _, pkg := range []string{"wgd", "wg"} {
			out, err := exec.Command(goTool, "build", "-o", filepath.Join(dir, pkg),
				"github.com/wgbsd/wgbsd/cmd/"+pkg).CombinedOutput()
			if err != nil {
				buildOnce.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
				return
			}
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return filepath.Join(buildOnce.dir, "wgd"), filepath.Join(buildOnce.dir, "wg")
}

// removeBuilt removes what buildCommands built.
func removeBuilt() {
	if buildOnce.dir != "" {
		os.RemoveAll(buildOnce.dir)
	}
}

// side is one end of a topology: a namespace, its veth end and the
// WireGuard interface in it.
type side struct {
	ns, veth, iface string
	under, tunnel   string // addresses on the veth and on the interface
	tunnel6         string
}

// topology is two namespaces joined by a veth pair.
type topology struct {
	t    testing.TB
	tl   tools
	a, b side
}

// newTopology creates two namespaces joined by a veth pair with addresses
// on both ends, removed when the test ends.
func newTopology(t testing.TB, tl tools) *topology {
	t.Helper()
	n := topoSeq.Add(1)
	pid := os.Getpid()
	mk := func(s string, host int) side {
		return side{
			ns:      fmt.Sprintf("wgbsd-e2e-%d-%d%s", pid, n, s),
			veth:    fmt.Sprintf("ve%d%d%s", pid%10000000, n%10, s),
			iface:   fmt.Sprintf("we%d%d%s", pid%10000000, n%10, s),
			under:   fmt.Sprintf("10.200.%d.%d", n%250, host),
			tunnel:  fmt.Sprintf("10.201.%d.%d", n%250, host),
			tunnel6: fmt.Sprintf("fd00:201:%d::%d", n%250, host),
		}
	}
	tp := &topology{t: t, tl: tl, a: mk("a", 1), b: mk("b", 2)}
	for _, s := range []side{tp.a, tp.b} {
		tp.must("netns", "add", s.ns)
		ns := s.ns
		t.Cleanup(func() { tp.removeNS(ns) })
		tp.must("-n", s.ns, "link", "set", "lo", "up")
	}
	tp.must("link", "add", tp.a.veth, "netns", tp.a.ns, "type", "veth", "peer", "name", tp.b.veth, "netns", tp.b.ns)
	for _, s := range []side{tp.a, tp.b} {
		tp.must("-n", s.ns, "addr", "add", s.under+"/24", "dev", s.veth)
		tp.must("-n", s.ns, "link", "set", s.veth, "up")
	}
	return tp
}

// removeNS kills what still runs in a namespace, then deletes it.
func (tp *topology) removeNS(ns string) {
	out, _ := tp.ip("netns", "pids", ns)
	for _, f := range strings.Fields(out) {
		var pid int
		if _, err := fmt.Sscan(f, &pid); err == nil && pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if out, err := tp.ip("netns", "del", ns); err != nil {
		tp.t.Errorf("ip netns del %s: %v\n%s", ns, err, out)
	}
}

// ip runs ip(8) and returns its combined output and error.
func (tp *topology) ip(args ...string) (string, error) {
	out, err := exec.Command(tp.tl.ip, args...).CombinedOutput()
	return string(out), err
}

// must runs ip(8) and fails the test when it fails.
func (tp *topology) must(args ...string) {
	tp.t.Helper()
	if out, err := tp.ip(args...); err != nil {
		tp.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// inNS returns a command running prog in the side's namespace.
func (s side) inNS(tl tools, prog string, args ...string) *exec.Cmd {
	return exec.Command(tl.ip, append([]string{"netns", "exec", s.ns, prog}, args...)...)
}

// daemon is a WireGuard daemon started in the foreground for a test.
type daemon struct {
	cmd    *exec.Cmd
	output bytes.Buffer
	exited chan struct{}
}

// startTestDaemon starts a foreground daemon in the side's namespace, stopped
// with SIGTERM when the test ends, and waits until its socket answers.
func startTestDaemon(t testing.TB, tl tools, s side, env []string, prog string, args ...string) *daemon {
	t.Helper()
	d := &daemon{cmd: s.inNS(tl, prog, args...), exited: make(chan struct{})}
	d.cmd.Env = append(os.Environ(), env...)
	d.cmd.Stdout, d.cmd.Stderr = &d.output, &d.output
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		d.cmd.Wait()
		close(d.exited)
	}()
	t.Cleanup(func() {
		d.cmd.Process.Signal(syscall.SIGTERM)
		<-d.exited
		os.Remove(socketPath(s.iface))
		if t.Failed() {
			t.Logf("%s in %s:\n%s", filepath.Base(prog), s.ns, d.output.String())
		}
	})
	waitSocket(t, s.iface, d.exited)
	return d
}

// waitSocket waits until the interface's control socket answers a UAPI
// get, failing the test if exited closes first. A connection alone is not
// enough: wgd listens before it creates the interface, so that a second
// wgd for the same name fails early, and the kernel queues connections
// before anything accepts them.
func waitSocket(t testing.TB, iface string, exited <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := uapiGetAnswered(socketPath(iface), deadline)
		if err == nil {
			return
		}
		select {
		case <-exited:
			t.Fatalf("daemon for %s exited before serving its socket", iface)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("socket of %s never answered: %v", iface, err)
		}
	}
}

// uapiGetAnswered sends a UAPI get to the socket at path and reads the
// reply up to its closing errno line.
func uapiGetAnswered(path string, deadline time.Time) error {
	c, err := net.Dial("unix", path)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(deadline)
	if _, err := c.Write([]byte("get=1\n\n")); err != nil {
		return err
	}
	var reply []byte
	buf := make([]byte, 4096)
	for !bytes.HasSuffix(reply, []byte("\n\n")) {
		n, err := c.Read(buf)
		if err != nil {
			return fmt.Errorf("reading the get reply: %w", err)
		}
		reply = append(reply, buf[:n]...)
	}
	if !bytes.Contains(reply, []byte("errno=0\n")) {
		return fmt.Errorf("get reply %q", reply)
	}
	return nil
}

// waitGone waits until the interface no longer exists in the side's
// namespace.
func (tp *topology) waitGone(s side) {
	tp.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := tp.ip("-n", s.ns, "link", "show", s.iface); err != nil {
			return
		}
	}
	tp.t.Fatalf("interface %s still exists", s.iface)
}

// newKeys returns a new private key and its public key.
func newKeys(t *testing.T) (priv, pub ifwg.Key) {
	t.Helper()
	k, err := ifwg.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k, k.PublicKey()
}

// runProg runs a program and fails the test when it fails.
func runProg(t *testing.T, stdin string, prog string, args ...string) string {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(prog), strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// nobody returns the process attributes of a command run as nobody.
func nobody() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
}
