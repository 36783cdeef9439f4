// SPDX-License-Identifier: BSD-2-Clause

package rcd

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain also serves the wgd stand-in, which runs the test binary with
// RCD_HELPER=mksock to leave a UNIX socket behind, as wgd's bound control
// socket would be. A shell alone cannot create one.
func TestMain(m *testing.M) {
	if os.Getenv("RCD_HELPER") == "mksock" {
		if err := mksock(os.Args[1]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// mksock creates a UNIX socket file at path and leaves it there.
func mksock(path string) error {
	l, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	return l.Close()
}

// placeholder matches what the ports' SUB_LIST substitutes.
var placeholder = regexp.MustCompile(`%%[A-Z_]+%%`)

// harness runs a copy of the rc.d script against the stand-ins in a
// temporary directory.
type harness struct {
	t        *testing.T
	testdata string
	prefix   string
	script   string
	world    string
	rundir   string
	log      string
	msgs     string
	rcconf   string
	// gate, when not empty, is the file the sleep stand-in waits for
	// before a whole-second sleep returns.
	gate string
}

// result is what one run of the script did.
type result struct {
	stdout, stderr string
	code           int
}

// newHarness installs the script in a new temporary directory, in a world
// where if_wg loads, em0 (MTU 1500) is the only other interface, and
// rc.conf enables wg0.
func newHarness(t *testing.T) *harness {
	t.Helper()
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	h := &harness{
		t:        t,
		testdata: testdata,
		prefix:   filepath.Join(root, "prefix"),
		world:    filepath.Join(root, "world"),
		rundir:   filepath.Join(root, "run", "wireguard"),
		log:      filepath.Join(root, "commands.log"),
		msgs:     filepath.Join(root, "messages.log"),
		rcconf:   filepath.Join(root, "rc.conf"),
	}
	h.script = filepath.Join(h.prefix, "etc", "rc.d", "wireguard")
	for _, d := range []string{
		"bin", "sbin", "etc/rc.d", "etc/wireguard",
	} {
		h.mkdir(filepath.Join(h.prefix, d))
	}
	for _, d := range []string{"ifaces", "route", "hosts", "hosts-fail", "wg", "fail"} {
		h.mkdir(filepath.Join(h.world, d))
	}
	h.install()
	h.copy(filepath.Join(testdata, "bin", "wg"), filepath.Join(h.prefix, "bin", "wg"))
	h.copy(filepath.Join(testdata, "bin", "wgd"), filepath.Join(h.prefix, "sbin", "wgd"))
	h.setWorld("ifaces/em0", "em0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n")
	h.setWorld("now", "1700000000\n")
	h.setWorld("kld-loadable", "")
	h.rc(`wireguard_enable="YES"`, `wireguard_interfaces="wg0"`)
	return h
}

// install writes the script with %%PREFIX%% replaced, reading the
// stand-in rc.subr.
func (h *harness) install() {
	h.t.Helper()
	src, err := os.ReadFile("wireguard.in")
	if err != nil {
		h.t.Fatal(err)
	}
	text := string(src)
	const subr = "\n. /etc/rc.subr\n"
	if n := strings.Count(text, subr); n != 1 {
		h.t.Fatalf("wireguard.in has %d lines %q, want 1", n, strings.TrimSpace(subr))
	}
	text = strings.Replace(text, subr, "\n. "+filepath.Join(h.testdata, "rc.subr")+"\n", 1)
	text = strings.ReplaceAll(text, "%%PREFIX%%", h.prefix)
	if m := placeholder.FindString(text); m != "" {
		h.t.Fatalf("wireguard.in has %s; only %s is substituted", m, "%%PREFIX%%")
	}
	if err := os.WriteFile(h.script, []byte(text), 0o755); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) mkdir(dir string) {
	h.t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) copy(from, to string) {
	h.t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		h.t.Fatal(err)
	}
}

// setWorld writes a file of the scripted world (see testdata/bin/stublib.sh).
func (h *harness) setWorld(name, content string) {
	h.t.Helper()
	p := filepath.Join(h.world, name)
	h.mkdir(filepath.Dir(p))
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// fail makes a stand-in fail (see the stand-in for the names).
func (h *harness) fail(what string) { h.setWorld("fail/"+what, "") }

// conf writes the configuration file of an interface.
func (h *harness) conf(iface, text string) {
	h.t.Helper()
	p := filepath.Join(h.prefix, "etc", "wireguard", iface+".conf")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

// rc writes rc.conf with the given lines, plus wireguard_rundir.
func (h *harness) rc(lines ...string) {
	h.t.Helper()
	lines = append(lines, fmt.Sprintf("wireguard_rundir=%q", h.rundir))
	if err := os.WriteFile(h.rcconf, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// holdResolver makes the background resolver wait before its first retry
// until release is called.
func (h *harness) holdResolver() {
	h.gate = filepath.Join(filepath.Dir(h.world), "gate")
}

// release lets the background resolver go on.
func (h *harness) release() {
	h.t.Helper()
	if err := os.WriteFile(h.gate, nil, 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) env() []string {
	self, err := os.Executable()
	if err != nil {
		h.t.Fatal(err)
	}
	return []string{
		"PATH=" + filepath.Join(h.testdata, "bin") + ":/usr/bin:/bin",
		"LC_ALL=C",
		"RCD_TESTDATA=" + h.testdata,
		"RCD_WORLD=" + h.world,
		"RCD_LOG=" + h.log,
		"RCD_MSGLOG=" + h.msgs,
		"RCD_RUNDIR=" + h.rundir,
		"RCD_RCCONF=" + h.rcconf,
		"RCD_TESTBIN=" + self,
		"RCD_SLEEP_GATE=" + h.gate,
	}
}

// shell is the command that runs the script: /bin/sh, as rc(8) and
// service(8) use it, or RCD_SH (such as "bash --posix" or "busybox sh") to
// try another shell.
func shell() []string {
	if sh := strings.Fields(os.Getenv("RCD_SH")); len(sh) > 0 {
		return sh
	}
	return []string{"/bin/sh"}
}

// run runs the script with the shell.
func (h *harness) run(args ...string) result {
	h.t.Helper()
	sh := shell()
	cmd := exec.Command(sh[0], append(append(sh[1:], h.script), args...)...)
	cmd.Env = h.env()
	cmd.Dir = filepath.Dir(h.world)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		h.t.Fatalf("running the script: %v", err)
	}
	return r
}

// commands returns the command lines recorded since the last call.
func (h *harness) commands() []string {
	h.t.Helper()
	return h.takeLines(h.log)
}

// messages returns the warn/err/info messages since the last call.
func (h *harness) messages() []string {
	h.t.Helper()
	return h.takeLines(h.msgs)
}

// sleeps returns the sleep stand-in's arguments since the last call.
func (h *harness) sleeps() []string {
	h.t.Helper()
	return h.takeLines(filepath.Join(h.world, "sleep.log"))
}

func (h *harness) takeLines(path string) []string {
	h.t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		h.t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		h.t.Fatal(err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// state returns the script's state file for an interface, or "" without
// one.
func (h *harness) state(iface string) string {
	b, err := os.ReadFile(filepath.Join(h.rundir, iface+".state"))
	if err != nil {
		return ""
	}
	return string(b)
}

func (h *harness) exists(iface string) bool {
	_, err := os.Stat(filepath.Join(h.world, "ifaces", iface))
	return err == nil
}

// resolverPID returns the pid of the interface's background resolver, or
// 0 when none is recorded.
func (h *harness) resolverPID(iface string) int {
	b, err := os.ReadFile(filepath.Join(h.rundir, iface+".resolver.pid"))
	if err != nil {
		return 0
	}
	var pid int
	if _, err := fmt.Sscan(string(b), &pid); err != nil {
		h.t.Fatalf("resolver pid file: %v", err)
	}
	return pid
}

// waitGone waits for a process to end, reaped or a zombie. It is not a
// timing assertion: the deadline only keeps a broken script from hanging
// the test run.
func (h *harness) waitGone(pid int) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			h.t.Fatalf("process %d still runs", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitResolverDone waits for the background resolver to finish its work,
// which it shows by removing its pid file.
func (h *harness) waitResolverDone(iface string) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for h.resolverPID(iface) != 0 {
		if time.Now().After(deadline) {
			h.t.Fatal("the background resolver did not finish")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// processGone reports whether a process has ended. A zombie has: where
// the tests run as PID 1's children in a container, nobody may reap it.
func processGone(pid int) bool {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// The state follows the command name in parentheses.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		return i < 0 || i+2 >= len(s) || s[i+2] == 'Z'
	}
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// expect compares two line sequences and reports the first difference.
func expect(t *testing.T, what string, got, want []string) {
	t.Helper()
	n := min(len(got), len(want))
	for i := 0; i < n; i++ {
		if got[i] != want[i] {
			t.Fatalf("%s: line %d is\n\t%q\nwant\n\t%q\nall of it:\n\t%s",
				what, i+1, got[i], want[i], strings.Join(got, "\n\t"))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d lines, want %d\ngot:\n\t%s\nwant:\n\t%s",
			what, len(got), len(want), strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// lines splits a block of expected lines written one per line.
func lines(s string) []string {
	s = strings.TrimPrefix(s, "\n")
	s = strings.TrimRight(s, "\t\n")
	if s == "" {
		return nil
	}
	out := strings.Split(s, "\n")
	for i, l := range out {
		out[i] = strings.TrimLeft(l, "\t")
	}
	return out
}

// joined concatenates expected line blocks.
func joined(blocks ...[]string) []string {
	var out []string
	for _, b := range blocks {
		out = append(out, b...)
	}
	return out
}

// input renders a configuration as the stand-ins log what they read.
func input(text string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if l == "" {
			out = append(out, "|")
		} else {
			out = append(out, "| "+l)
		}
	}
	return out
}

// removeWorld removes a file of the scripted world.
func (h *harness) removeWorld(name string) {
	h.t.Helper()
	if err := os.Remove(filepath.Join(h.world, name)); err != nil {
		h.t.Fatal(err)
	}
}

// socket reports whether the interface's control socket exists.
func (h *harness) socket(iface string) bool {
	fi, err := os.Lstat(filepath.Join(h.rundir, iface+".sock"))
	return err == nil && fi.Mode()&os.ModeSocket != 0
}
