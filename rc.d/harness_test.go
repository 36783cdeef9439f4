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

// systemTools are the programs of the base system the scripts and the
// stand-ins use that have no stand-in. They are linked into a directory of
// their own, so that the PATH of a test holds no other program: no wg(8)
// of the build host in particular.
var systemTools = []string{
	"cat", "env", "ls", "mkdir", "mkfifo", "mktemp", "mv", "realpath",
	"rm", "sed", "sort", "touch", "tr",
}

// harness runs copies of wg-quick and the rc.d script against the
// stand-ins in a temporary directory.
type harness struct {
	t        *testing.T
	testdata string
	prefix   string
	etc      string // stands for /etc/wireguard
	quick    string
	script   string
	world    string
	rundir   string // stands for /var/run/wireguard
	sysbin   string
	log      string
	msgs     string
	rcconf   string
}

// result is what one run of a script did.
type result struct {
	stdout, stderr string
	code           int
}

// newHarness installs the scripts in a new temporary directory, in a world
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
		etc:      filepath.Join(root, "etc", "wireguard"),
		world:    filepath.Join(root, "world"),
		rundir:   filepath.Join(root, "run", "wireguard"),
		sysbin:   filepath.Join(root, "sysbin"),
		log:      filepath.Join(root, "commands.log"),
		msgs:     filepath.Join(root, "messages.log"),
		rcconf:   filepath.Join(root, "rc.conf"),
	}
	h.quick = filepath.Join(h.prefix, "bin", "wg-quick")
	h.script = filepath.Join(h.prefix, "etc", "rc.d", "wireguard")
	for _, d := range []string{"bin", "sbin", "etc/rc.d", "etc/wireguard"} {
		h.mkdir(filepath.Join(h.prefix, d))
	}
	h.mkdir(h.etc)
	h.mkdir(h.sysbin)
	for _, d := range []string{"ifaces", "route", "wg", "fail"} {
		h.mkdir(filepath.Join(h.world, d))
	}
	for _, tool := range systemTools {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("the tests need %s: %v", tool, err)
		}
		if err := os.Symlink(p, filepath.Join(h.sysbin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	h.install()
	h.copy(filepath.Join(testdata, "wg"), filepath.Join(h.prefix, "bin", "wg"))
	h.copy(filepath.Join(testdata, "wgd"), filepath.Join(h.prefix, "sbin", "wgd"))
	h.setWorld("ifaces/em0", "em0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n")
	h.setWorld("now", "1700000000\n")
	h.setWorld("kld-loadable", "")
	h.rc(`wireguard_enable="YES"`, `wireguard_interfaces="wg0"`)
	t.Cleanup(h.stopMonitors)
	return h
}

// substitute replaces old by new in text, which must hold it exactly once.
func (h *harness) substitute(file, text, old, new string) string {
	h.t.Helper()
	if n := strings.Count(text, old); n != 1 {
		h.t.Fatalf("%s has %q %d times, want once", file, old, n)
	}
	return strings.Replace(text, old, new, 1)
}

// install writes the scripts with %%PREFIX%% replaced, and the system's
// directories replaced by the test's.
func (h *harness) install() {
	h.t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "wg-quick", "wg-quick.in"))
	if err != nil {
		h.t.Fatal(err)
	}
	text := h.substitute("wg-quick.in", string(src), `"/etc/wireguard `, `"`+h.etc+` `)
	text = h.substitute("wg-quick.in", text, "=/var/run/wireguard\n", "="+h.rundir+"\n")
	h.write("wg-quick.in", h.quick, text)

	src, err = os.ReadFile("wireguard.in")
	if err != nil {
		h.t.Fatal(err)
	}
	text = h.substitute("wireguard.in", string(src), "\n. /etc/rc.subr\n",
		"\n. "+filepath.Join(h.testdata, "rc.subr")+"\n")
	text = h.substitute("wireguard.in", text, "=/var/run/wireguard\n", "="+h.rundir+"\n")
	h.write("wireguard.in", h.script, text)
}

// write installs a script as the ports do, with %%PREFIX%% substituted.
func (h *harness) write(name, path, text string) {
	h.t.Helper()
	text = strings.ReplaceAll(text, "%%PREFIX%%", h.prefix)
	if m := placeholder.FindString(text); m != "" {
		h.t.Fatalf("%s has %s; only %s is substituted", name, m, "%%PREFIX%%")
	}
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
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

// world returns a file of the scripted world, or "" without one.
func (h *harness) readWorld(name string) string {
	b, _ := os.ReadFile(filepath.Join(h.world, name))
	return string(b)
}

// removeWorld removes a file of the scripted world.
func (h *harness) removeWorld(name string) {
	h.t.Helper()
	if err := os.Remove(filepath.Join(h.world, name)); err != nil {
		h.t.Fatal(err)
	}
}

// fail makes a stand-in fail (see the stand-in for the names).
func (h *harness) fail(what string) { h.setWorld("fail/"+what, "") }

// confPath is where conf writes an interface's configuration file.
func (h *harness) confPath(iface string) string {
	return filepath.Join(h.prefix, "etc", "wireguard", iface+".conf")
}

// conf writes the configuration file of an interface in
// PREFIX/etc/wireguard.
func (h *harness) conf(iface, text string) {
	h.t.Helper()
	if err := os.WriteFile(h.confPath(iface), []byte(text), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

// rc writes rc.conf with the given lines.
func (h *harness) rc(lines ...string) {
	h.t.Helper()
	if err := os.WriteFile(h.rcconf, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// path is the PATH the scripts run with: the stand-ins and the system's
// other tools, as rc(8) sets /sbin:/bin:/usr/sbin:/usr/bin.
func (h *harness) path() string {
	return filepath.Join(h.testdata, "bin") + ":" + h.sysbin
}

func (h *harness) env() []string {
	self, err := os.Executable()
	if err != nil {
		h.t.Fatal(err)
	}
	return []string{
		"PATH=" + h.path(),
		"RCD_RCPATH=" + h.path(),
		"RCD_RCDIR=" + filepath.Dir(h.script),
		"RCD_TESTDATA=" + h.testdata,
		"RCD_WORLD=" + h.world,
		"RCD_LOG=" + h.log,
		"RCD_MSGLOG=" + h.msgs,
		"RCD_RUNDIR=" + h.rundir,
		"RCD_RCCONF=" + h.rcconf,
		"RCD_TESTBIN=" + self,
		"RCD_SH=" + strings.Join(shell(), " "),
	}
}

// shell is the command that runs the scripts: dash, the POSIX sh of the
// tests, or RCD_SH (such as "bash --posix" or "busybox sh") to try another.
func shell() []string {
	if sh := strings.Fields(os.Getenv("RCD_SH")); len(sh) > 0 {
		// The service(8) stand-in runs it with rc's PATH.
		if p, err := exec.LookPath(sh[0]); err == nil {
			sh[0] = p
		}
		return sh
	}
	if _, err := os.Stat("/usr/bin/dash"); err == nil {
		return []string{"/usr/bin/dash"}
	}
	return []string{"/bin/sh"}
}

// exec runs a script with the shell and the environment.
func (h *harness) exec(env []string, script string, args ...string) result {
	h.t.Helper()
	sh := shell()
	cmd := exec.Command(sh[0], append(append(sh[1:], script), args...)...)
	cmd.Env = append(h.env(), env...)
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
		h.t.Fatalf("running %s: %v", script, err)
	}
	return r
}

// wgQuick runs wg-quick.
func (h *harness) wgQuick(args ...string) result {
	h.t.Helper()
	return h.exec(nil, h.quick, args...)
}

// run runs the rc.d script through the service(8) stand-in, with rc's
// PATH and nothing else of the test's environment.
func (h *harness) run(args ...string) result {
	h.t.Helper()
	return h.exec(nil, filepath.Join(h.testdata, "bin", "service"), append([]string{"wireguard"}, args...)...)
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

// run returns a file of the run directory, or "" without one.
func (h *harness) runFile(name string) string {
	b, _ := os.ReadFile(filepath.Join(h.rundir, name))
	return string(b)
}

func (h *harness) exists(iface string) bool {
	_, err := os.Stat(filepath.Join(h.world, "ifaces", iface))
	return err == nil
}

// socket reports whether the interface's control socket exists.
func (h *harness) socket(iface string) bool {
	fi, err := os.Lstat(filepath.Join(h.rundir, iface+".sock"))
	return err == nil && fi.Mode()&os.ModeSocket != 0
}

// monitor returns the pids of an interface's route monitor: route(8)'s
// and the loop's, or zeros without one.
func (h *harness) monitor(iface string) (route, loop int) {
	s := h.runFile(iface + ".monitor")
	if s == "" {
		return 0, 0
	}
	if _, err := fmt.Sscan(s, &route, &loop); err != nil {
		h.t.Fatalf("monitor pid file %q: %v", s, err)
	}
	return route, loop
}

// stopMonitors ends the route monitors a test left running.
func (h *harness) stopMonitors() {
	files, _ := filepath.Glob(filepath.Join(h.rundir, "*.monitor"))
	for _, f := range files {
		var route, loop int
		b, _ := os.ReadFile(f)
		if _, err := fmt.Sscan(string(b), &route, &loop); err == nil {
			syscall.Kill(route, syscall.SIGTERM)
			syscall.Kill(loop, syscall.SIGTERM)
			h.waitGone(loop)
		}
	}
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
