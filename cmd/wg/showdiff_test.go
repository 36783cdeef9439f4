// SPDX-License-Identifier: BSD-2-Clause

package main

// Differential tests: Debian's wg(8) (wireguard-tools v1.0.20210914) and
// ours run side by side against the same fake UAPI daemons, and their
// stdout, stderr and exit status must be identical byte for byte.
//
// Left out on purpose: -v/--version/version, where ours names wgbsd
// instead of claiming to be wireguard-tools; and "show all endpoints" on
// interfaces with peers, where v1.0.20210914 prints the interface name
// once per interface instead of on every line (a bug fixed in
// v1.0.20250521, whose behaviour we follow): those invocations are checked
// against the fixed format instead (TestShowAllEndpointsFixed).

import (
	"fmt"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/internal/testenv"
)

// diffInvocations counts the distinct invocations compared in this test
// process.
var diffInvocations atomic.Int64

// differ runs both wg binaries.
type differ struct {
	debian, ours string
	// dir, when set, is the socket directory the binaries see instead of
	// /var/run/wireguard (see runWGIsolated).
	dir string
	// merged sends stdout and stderr into one pipe (isolated only).
	merged bool
	// tty runs the binaries on a terminal, through script(1), whose
	// output is compared as stdout.
	tty string
}

// newDiffer returns a differ, or skips (fails under CI) without root or
// Debian's wg.
func newDiffer(t *testing.T) *differ {
	t.Helper()
	testenv.RequireRoot(t)
	return &differ{debian: debianWG(t), ours: ourWG(t)}
}

// diffCall is one invocation to compare.
type diffCall struct {
	env   []string
	stdin string
	args  []string
	// before runs before each of the two runs (e.g. to recreate a stale
	// socket that the previous run removed).
	before func()
}

// diffResult is what a run produced.
type diffResult struct {
	stdout, stderr string
	code           int
}

// maxAttempts bounds the reruns of a pair during which the clock ticked.
const maxAttempts = 6

// isolated returns a differ whose binaries see only the sockets in a
// directory of the test's own, which it returns.
func (d *differ) isolated(t *testing.T) (*differ, string) {
	t.Helper()
	testenv.RequireTool(t, "", "unshare")
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &differ{debian: d.debian, ours: d.ours, dir: dir}, dir
}

// compare runs c with both binaries and reports any difference. A pair
// is run again when the second changed while it ran, on the precise clock
// or on the coarse one time(3) reads, since the pretty form's handshake
// ages depend on it.
func (d *differ) compare(t *testing.T, c diffCall) {
	t.Helper()
	if listsInterfaces(c.args) && d.dir == "" {
		t.Fatalf("wg %q lists every interface: use an isolated differ", c.args)
	}
	diffInvocations.Add(1)
	var deb, our diffResult
	for attempt := 1; ; attempt++ {
		t0, c0 := time.Now().Unix(), wallClock().Unix()
		deb = d.run(t, d.debian, c)
		our = d.run(t, d.ours, c)
		ticked := time.Now().Unix() != t0 || wallClock().Unix() != c0
		if deb == our || !ticked || attempt == maxAttempts {
			break
		}
	}
	if deb != our {
		t.Errorf("wg %q (env %q) differs:\n%s", c.args, c.env, describeDiff(deb, our))
	}
}

// run runs one binary.
func (d *differ) run(t *testing.T, bin string, c diffCall) diffResult {
	t.Helper()
	if c.before != nil {
		c.before()
	}
	var out, errs string
	var code int
	switch {
	case d.tty != "":
		out, errs, code = runOnTerminal(t, d.tty, bin, c.env, c.args...)
	case d.dir != "":
		out, errs, code = runWGIsolated(t, bin, d.dir, d.merged, c.stdin, c.env, c.args...)
	default:
		out, errs, code = runWG(t, bin, c.stdin, c.env, c.args...)
	}
	return diffResult{out, errs, code}
}

// runOnTerminal runs wg with args on a pseudo-terminal through script(1)
// (found at the path script), which copies what the terminal shows
// (newlines as CRLF) to its stdout. The arguments must not need shell
// quoting.
func runOnTerminal(t *testing.T, script, bin string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	line := strings.Join(append([]string{"wg"}, args...), " ")
	cmd := &exec.Cmd{
		Path: script,
		Args: []string{"script", "-q", "-e", "-c", line, "/dev/null"},
		Env:  append(append(cleanEnv(), "SHELL=/bin/sh", "PATH="+wgLinkDir(t, t.TempDir(), bin)+":"+os.Getenv("PATH")), env...),
	}
	return runCmd(t, cmd, false)
}

// describeDiff shows where two results differ.
func describeDiff(want, got diffResult) string {
	var b strings.Builder
	if want.code != got.code {
		fmt.Fprintf(&b, "exit: debian %d, ours %d\n", want.code, got.code)
	}
	if want.stderr != got.stderr {
		fmt.Fprintf(&b, "stderr: %s\n", firstDiff(want.stderr, got.stderr))
	}
	if want.stdout != got.stdout {
		fmt.Fprintf(&b, "stdout: %s\n", firstDiff(want.stdout, got.stdout))
	}
	return b.String()
}

// listsInterfaces reports whether an invocation lists every interface.
func listsInterfaces(args []string) bool {
	return len(args) == 0 || args[0] == "show" && (len(args) == 1 || args[1] == "all" || args[1] == "interfaces")
}

// diffOnlyStates are states whose text depends on the host (interface
// names of scopes, the C library's IPv6 text), so they are checked against
// the host's wg(8) but not kept as golden files.
func diffOnlyStates(now int64) []showState {
	eps := []string{
		"192.0.2.1:0", "255.255.255.255:65535", "[2001:db8::1]:51820", "[fe80::1%1]:51820",
		"[fe80::abcd%4000000]:1", "[ff02::1%1]:2", "[2001:db8::2%1]:3", "[::ffff:192.0.2.9]:4",
		"[::1.2.3.4]:5", "[::2]:6", "[::]:7", "[::1]:8", "[1:0:0:1:0:0:0:1]:9", "[fe80::1%4000000]:10",
	}
	d := withPriv(&ifwg.Device{ListenPort: 51820}, testKey(500))
	for i, s := range eps {
		d.Peers = append(d.Peers, ifwg.Peer{PublicKey: testKey(600 + i), Endpoint: mustEndpoint(s)})
	}
	d.Peers = append(d.Peers, ifwg.Peer{PublicKey: testKey(700), AllowedIPs: mustPrefixes(
		"::1.2.3.4/128", "::2/128", "::0.1.0.0/128", "::ffff:0.0.0.0/96", "::ffff/128",
		"1:0:0:2:0:0:3:4/128", "fe80::/10", "ff02::1/128", "2001:0db8:0000:0000:0000:0000:0000:0001/64",
		"0.0.0.0/32", "255.255.255.255/32", "::ffff:1:2:3/128")})
	return []showState{{"endpoints", d}}
}

// stateForms are the invocations tried on every served state.
func stateForms(name string) []diffCall {
	var calls []diffCall
	for _, f := range showForms() {
		calls = append(calls, diffCall{env: f.env, args: formArgs(f, name)})
	}
	return calls
}

// TestShowDiff compares every show and showconf form on every state.
func TestShowDiff(t *testing.T) {
	d := newDiffer(t)
	now := time.Now().Unix()
	states := append(showStates(now, 300), diffOnlyStates(now)...)
	for _, st := range states {
		t.Run(st.name, func(t *testing.T) {
			s := startFakeServer(t, st.dev)
			for _, c := range stateForms(s.Name()) {
				d.compare(t, c)
			}
		})
	}
}

// rawReplies are get replies that break or stretch the protocol.
var rawReplies = []string{
	"errno=0\n\n",
	"errno=5\n\n",
	"errno=22\n\n",
	"errno=-22\n\n",
	"errno=x\n\n",
	"listen_port=1\n\n",
	"",
	"errno=0\n",
	"listen_port=1\nerrno=0\n",
	"garbage\nerrno=0\n\n",
	"foo=bar\nlisten_port=7\nerrno=0\n\n",
	"listen_port=abc\nerrno=0\n\n",
	"listen_port=65536\nerrno=0\n\n",
	"fwmark=4294967295\nerrno=0\n\n",
	"private_key=zz\nerrno=0\n\n",
	"private_key=" + strings.Repeat("0", 64) + "\nerrno=0\n\n",
	"errno=0\nerrno=5\n\n",
	"errno=5\nerrno=0\n\n",
	"public_key=" + testKey(1).Hex() + "\nallowed_ip=10.0.0.1\nerrno=0\n\n",
	"public_key=" + testKey(1).Hex() + "\nallowed_ip=10.0.0.1/33\nerrno=0\n\n",
	// Host bits in an allowed IP are shown as the daemon sent them.
	"public_key=" + testKey(1).Hex() + "\nallowed_ip=10.9.0.77/24\nerrno=0\n\n",
	"public_key=" + testKey(1).Hex() + "\nendpoint=[::1]:65535\nerrno=0\n\n",
	"public_key=" + testKey(1).Hex() + "\nendpoint=192.0.2.1:0\nerrno=0\n\n",
	// wg(8) resolves the endpoints of a get reply with getaddrinfo(3):
	// names (from the hosts file here), services, inet_aton's forms.
	"public_key=" + testKey(1).Hex() + "\nendpoint=localhost:51820\nerrno=0\n\n",
	"public_key=" + testKey(1).Hex() + "\nendpoint=[localhost]:7\nerrno=0\n\n",
	"public_key=" + testKey(1).Hex() + "\nendpoint=localhost:domain\nerrno=0\n\n",
	"public_key=" + testKey(1).Hex() + "\nendpoint=localhost: 5\nerrno=0\n\n",
	"public_key=" + testKey(1).Hex() + "\nendpoint=127.1:5\nerrno=0\n\n",
	"public_key=" + testKey(1).Hex() + "\nendpoint=localhost:\nerrno=0\n\n",
	"public_key=" + testKey(1).Hex() + "\nlast_handshake_time_sec=" + strconv.FormatInt(math.MaxInt64, 10) + "\nerrno=0\n\n",
	"public_key=" + testKey(1).Hex() + "\nprotocol_version=1\npersistent_keepalive_interval=65535\nerrno=0\n\n",
	"listen_port=3\npublic_key=" + testKey(1).Hex() + "\nlisten_port=4\nerrno=0\n\n",
}

// TestShowDiffRawReplies compares show, a field and showconf on daemons
// that answer get with scripted text.
func TestShowDiffRawReplies(t *testing.T) {
	d := newDiffer(t)
	for i, raw := range rawReplies {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			s := startFakeServer(t, nil)
			s.SetGetReply(raw)
			for _, args := range [][]string{{"show", s.Name()}, {"show", s.Name(), "dump"}, {"showconf", s.Name()}} {
				d.compare(t, diffCall{env: []string{"WG_COLOR_MODE=never", "WG_HIDE_KEYS=never"}, args: args})
			}
		})
	}
}

// TestShowDiffAll compares the forms that list every interface, with
// several daemons, one that fails, a stale socket and a peerless
// interface present.
func TestShowDiffAll(t *testing.T) {
	d, dir := newDiffer(t).isolated(t)
	now := time.Now().Unix()
	startFakeServerIn(t, dir, uniqueIfName(), fullState(now))
	startFakeServerIn(t, dir, uniqueIfName(), &ifwg.Device{})
	startFakeServerIn(t, dir, uniqueIfName(), keepaliveState())
	bad := startFakeServerIn(t, dir, uniqueIfName(), nil)
	bad.SetGetReply("errno=5\n\n")
	stale := staleSocketIn(t, dir)
	before := func() { recreateStaleSocket(t, dir, stale) }
	var calls []diffCall
	for _, env := range [][]string{{"WG_COLOR_MODE=never"}, {"WG_COLOR_MODE=always", "WG_HIDE_KEYS=never"}} {
		calls = append(calls, diffCall{env: env}, diffCall{env: env, args: []string{"show"}},
			diffCall{env: env, args: []string{"show", "all"}})
	}
	for _, f := range showFieldNames {
		if f != "endpoints" {
			calls = append(calls, diffCall{args: []string{"show", "all", f}})
		}
	}
	calls = append(calls, diffCall{args: []string{"show", "interfaces"}}, diffCall{args: []string{"show", "all", "bogus"}},
		diffCall{args: []string{"show", "interfaces", "x"}}, diffCall{args: []string{"show", stale}},
		diffCall{args: []string{"showconf", stale}}, diffCall{args: []string{"show", bad.Name()}},
		diffCall{args: []string{"show", bad.Name(), "peers"}}, diffCall{args: []string{"showconf", bad.Name()}})
	for _, c := range calls {
		c.before = before
		d.compare(t, c)
	}
}

// TestShowDiffOnlyFailing compares show all when every interface fails
// or is stale: exit status 1.
func TestShowDiffOnlyFailing(t *testing.T) {
	d, dir := newDiffer(t).isolated(t)
	bad := startFakeServerIn(t, dir, uniqueIfName(), nil)
	bad.SetGetReply("listen_port=1\n\n")
	stale := staleSocketIn(t, dir)
	before := func() { recreateStaleSocket(t, dir, stale) }
	for _, args := range [][]string{nil, {"show", "all"}, {"show", "all", "dump"}, {"show", "all", "bogus"}, {"show", "interfaces"}} {
		d.compare(t, diffCall{args: args, before: before})
	}
}

// TestShowDiffEmpty compares the listing forms without any interface.
func TestShowDiffEmpty(t *testing.T) {
	d, _ := newDiffer(t).isolated(t)
	for _, args := range [][]string{nil, {"show"}, {"show", "all"}, {"show", "all", "dump"}, {"show", "all", "bogus"},
		{"show", "interfaces"}, {"show", "all", "endpoints"}} {
		d.compare(t, diffCall{args: args})
	}
}

// TestShowDiffMerged compares stdout and stderr sent to one pipe: wg(8)
// buffers stdout, so error messages of show all come before its output
// (within a block of output).
func TestShowDiffMerged(t *testing.T) {
	d, dir := newDiffer(t).isolated(t)
	d.merged = true
	now := time.Now().Unix()
	startFakeServerIn(t, dir, uniqueIfName(), fullState(now))
	for i := 0; i < 3; i++ {
		bad := startFakeServerIn(t, dir, uniqueIfName(), nil)
		bad.SetGetReply("errno=5\n\n")
	}
	startFakeServerIn(t, dir, uniqueIfName(), manyState(now, 120))
	startFakeServerIn(t, dir, uniqueIfName(), keepaliveState())
	for _, args := range [][]string{nil, {"show", "all", "dump"}, {"show", "all", "bogus"}, {"show", "all", "peers"}} {
		d.compare(t, diffCall{env: []string{"WG_COLOR_MODE=never"}, args: args})
	}
}

// TestShowDiffTerminal compares the pretty form on a terminal, where
// colour is on unless WG_COLOR_MODE says otherwise.
func TestShowDiffTerminal(t *testing.T) {
	d := newDiffer(t)
	d.tty = testenv.RequireTool(t, "", "script")
	s := startFakeServer(t, fullState(time.Now().Unix()))
	for _, env := range [][]string{nil, {"WG_COLOR_MODE=never"}, {"WG_COLOR_MODE=auto"}, {"WG_COLOR_MODE=ALWAYS"}} {
		d.compare(t, diffCall{env: env, args: []string{"show", s.Name()}})
	}
	d.compare(t, diffCall{args: []string{"show", s.Name(), "dump"}})
	d.compare(t, diffCall{args: []string{"showconf", s.Name()}})
}

// TestShowDiffAllEndpointsOnePeer compares "show all endpoints" where the
// bug of v1.0.20210914 does not show: one interface with one peer.
func TestShowDiffAllEndpointsOnePeer(t *testing.T) {
	d, dir := newDiffer(t).isolated(t)
	startFakeServerIn(t, dir, uniqueIfName(), &ifwg.Device{Peers: []ifwg.Peer{
		{PublicKey: testKey(1), Endpoint: mustEndpoint("[2001:db8::1]:51820")},
	}})
	d.compare(t, diffCall{args: []string{"show", "all", "endpoints"}})
}

// TestShowDiffNames compares names that stretch the rules: longer than an
// interface name, cut to one, and containing an escape sequence (which
// the pretty form filters when colour is off).
func TestShowDiffNames(t *testing.T) {
	d, dir := newDiffer(t).isolated(t)
	base := "wgbsdtest"
	dev := fullState(time.Now().Unix())
	long := startFakeServerIn(t, dir, base+"-long-name-x", dev)
	startFakeServerIn(t, dir, truncIfName(base+"-cut-name-xyz"), dev)
	esc := startFakeServerIn(t, dir, base+"\x1b[1", &ifwg.Device{})
	startFakeServerIn(t, dir, "x\x1b[32mz", &ifwg.Device{ListenPort: 1})
	startFakeServerIn(t, dir, "\x1b[", &ifwg.Device{})
	// Names of 16 bytes or more without a socket of their own are refused
	// by newer wg(8) (TestShowLongNameRefused), so they are not compared.
	for _, name := range []string{long.Name(), esc.Name(), "", "a/b"} {
		for _, args := range [][]string{{"show", name}, {"show", name, "peers"}, {"showconf", name}} {
			d.compare(t, diffCall{env: []string{"WG_COLOR_MODE=never"}, args: args})
		}
	}
	for _, env := range []string{"WG_COLOR_MODE=never", "WG_COLOR_MODE=always"} {
		d.compare(t, diffCall{env: []string{env}, args: []string{"show", esc.Name()}})
		d.compare(t, diffCall{env: []string{env}, args: []string{"show", "all"}})
	}
	d.compare(t, diffCall{args: []string{"show", "interfaces"}})
	d.compare(t, diffCall{args: []string{"show", "all", "listen-port"}})
}

// TestShowDiffUsage compares the top level and show's and showconf's
// argument errors.
func TestShowDiffUsage(t *testing.T) {
	d := newDiffer(t)
	s := startFakeServer(t, fullState(time.Now().Unix()))
	// A name of at most 15 bytes, so that both tools take the same path;
	// longer names are TestShowLongNameRefused's.
	missing := "wgbsdm" + strconv.FormatInt(int64(os.Getpid()), 36)
	for _, args := range [][]string{
		{"help"}, {"-h"}, {"--help"}, {"help", "show"}, {"-h", "show"}, {"--x=1", "show"}, {"-abc", "show"},
		{""}, {"", "show"}, {"bogus"}, {"Show"}, {"version", "x"}, {"--version", "show"}, {"completion", "bash"},
		{"show", "a", "b", "c"}, {"show", s.Name(), "bogus"}, {"show", s.Name(), "dump", "x"},
		{"show", "--help"}, {"show", "-h"}, {"show", "help"}, {"show", "-h", "dump"},
		{"show", missing}, {"show", missing, "bogus"}, {"show", missing, "dump"},
		{"showconf"}, {"showconf", "a", "b"}, {"showconf", "--help"}, {"showconf", missing},
		{"show", s.Name(), "Dump"}, {"show", s.Name(), ""}, {"show", "--", s.Name()}, {"show", "-x"},
		{"showconf", "--"}, {"show", s.Name(), "--help"},
	} {
		d.compare(t, diffCall{args: args})
	}
	stale := staleSocket(t)
	for _, args := range [][]string{{"show", stale}, {"show", stale, "dump"}, {"showconf", stale}} {
		d.compare(t, diffCall{args: args, before: func() { recreateStaleSocket(t, socketDir, stale) }})
	}
	t.Logf("%d differential invocations so far in this process", diffInvocations.Load())
}

// TestShowLongNameRefused checks the newer wg(8) rule that a name of 16
// bytes or more, which no kernel interface can have, is refused with
// ENAMETOOLONG when no userspace socket has it, instead of being cut to 15
// bytes (which could address another interface). v1.0.20210914 cuts it.
func TestShowLongNameRefused(t *testing.T) {
	wg := ourWG(t)
	long := "wgbsdlong" + strconv.FormatInt(int64(os.Getpid()), 36) + "-missing"
	// A socket named after the first 15 bytes must not be reached either.
	cutLong := "wgbsdcut" + strconv.FormatInt(int64(os.Getpid()), 36) + "-long-name"
	cut := startNamedFakeServer(t, truncIfName(cutLong), &ifwg.Device{ListenPort: 1})
	var calls [][]string
	for _, name := range []string{long, cutLong, "x" + strings.Repeat("y", 40)} {
		calls = append(calls, []string{"show", name}, []string{"show", name, "dump"}, []string{"showconf", name})
	}
	for _, args := range calls {
		stdout, stderr, code := runWG(t, wg, "", nil, args...)
		if want := "Unable to access interface: File name too long\n"; stdout != "" || stderr != want || code != 1 {
			t.Errorf("wg %q: stdout %q, stderr %q, exit %d; want stderr %q, exit 1", args, stdout, stderr, code, want)
		}
	}
	// The commands that change an interface refuse the name too, rather
	// than change the one named by its first 15 bytes.
	conf := filepath.Join(t.TempDir(), "x.conf")
	if err := os.WriteFile(conf, []byte("[Interface]\nListenPort = 7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"set", cutLong, "listen-port", "7"}, {"setconf", cutLong, conf},
		{"addconf", cutLong, conf}, {"syncconf", cutLong, conf}} {
		stdout, stderr, code := runWG(t, wg, "", nil, args...)
		// The file has no peers, so syncconf, like wg(8), reads nothing
		// first and fails at the change.
		want := "Unable to modify interface: File name too long\n"
		if stdout != "" || stderr != want || code != 1 {
			t.Errorf("wg %q: stdout %q, stderr %q, exit %d; want stderr %q, exit 1", args, stdout, stderr, code, want)
		}
	}
	if reqs := cut.Requests(); len(reqs) != 0 {
		t.Errorf("the daemon named after the first 15 bytes received %q", reqs)
	}
}

// TestShowAllEndpointsFixed checks "show all endpoints" against the fixed
// format of wireguard-tools v1.0.20250521 (every line starts with the
// interface's name), which v1.0.20210914 gets wrong.
func TestShowAllEndpointsFixed(t *testing.T) {
	b := &memBackend{names: []string{"wga", "wgb", "wgc"}, devs: map[string]*ifwg.Device{
		"wga": {Peers: []ifwg.Peer{{PublicKey: testKey(1), Endpoint: mustEndpoint("192.0.2.1:1")}, {PublicKey: testKey(2)}}},
		"wgb": {},
		"wgc": {Peers: []ifwg.Peer{{PublicKey: testKey(3), Endpoint: mustEndpoint("[2001:db8::1]:2")}}},
	}}
	out, errs, code := runInProcess(b, goldenNow, nil, "show", "all", "endpoints")
	want := "wga\t" + testKey(1).String() + "\t192.0.2.1:1\n" +
		"wga\t" + testKey(2).String() + "\t(none)\n" +
		"wgc\t" + testKey(3).String() + "\t[2001:db8::1]:2\n"
	if out != want || errs != "" || code != 0 {
		t.Errorf("show all endpoints = %q, %q, %d; want %q", out, errs, code, want)
	}
}

// BenchmarkShowDump10k runs "wg show IF dump" on an interface with 10,000
// peers, with Debian's wg(8) and with ours, against the same fake daemon.
func BenchmarkShowDump10k(b *testing.B) {
	testenv.RequireRoot(b)
	now := time.Now().Unix()
	dev := manyState(now, 10000)
	for i := range dev.Peers {
		p := &dev.Peers[i]
		p.Endpoint = ifwg.Endpoint{Addr: netip.AddrFrom4([4]byte{192, 0, byte(i >> 8), byte(i)}), Port: 51820}
		p.RxBytes, p.TxBytes, p.PersistentKeepalive = uint64(i)*1000, uint64(i)*77, 25
	}
	s := startNamedFakeServer(b, uniqueIfName(), dev)
	for _, impl := range []struct {
		name string
		bin  func(testing.TB) string
	}{{"debian", debianWGTB}, {"ours", ourWGTB}} {
		b.Run(impl.name, func(b *testing.B) {
			bin := impl.bin(b)
			var size int
			for b.Loop() {
				out, _, code := runWGTB(b, bin, "", nil, "show", s.Name(), "dump")
				if code != 0 {
					b.Fatalf("exit %d", code)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size), "bytes/op-output")
			b.ReportMetric(float64(len(dev.Peers)), "peers")
		})
	}
}
