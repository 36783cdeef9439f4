// SPDX-License-Identifier: BSD-2-Clause

package main

// Golden tests of the show and showconf printers on fixed device states
// with a fixed clock, run in-process against an in-memory backend, so they
// need neither root nor wg(8). showdiff_test.go checks the same states
// against Debian's wg(8) byte for byte.

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wgbsd/wgbsd/cmd/wg/internal/completion"
	"github.com/wgbsd/wgbsd/ifwg"
)

var updateShow = flag.Bool("update-show", false, "rewrite testdata/show/*.golden")

// goldenNow is the clock of the golden tests.
const goldenNow = 1700000000

// testKey returns a key whose bytes are derived from n.
func testKey(n int) ifwg.Key {
	var k ifwg.Key
	for j := range k {
		k[j] = byte(n*37 + j*11 + 1)
	}
	return k
}

// mustEndpoint returns the endpoint of "addr:port" text, panicking on error.
func mustEndpoint(s string) ifwg.Endpoint {
	e, err := ifwg.EndpointFromAddrPort(netip.MustParseAddrPort(s))
	if err != nil {
		panic(err)
	}
	return e
}

// mustPrefixes parses allowed IPs, keeping host bits.
func mustPrefixes(ss ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

// showState is a named device state to print.
type showState struct {
	name string
	dev  *ifwg.Device
}

// showStates returns the device states printed by the golden and the
// differential tests, with handshakes relative to now and many peers in
// the state "many". Their text does not depend on the host (no scoped
// endpoints, no IPv4-compatible addresses).
func showStates(now int64, many int) []showState {
	return []showState{
		{"full", fullState(now)},
		{"bare", &ifwg.Device{}},
		{"nopriv", noPrivState()},
		{"bytes", bytesState(now)},
		{"keepalive", keepaliveState()},
		{"handshakes", handshakesState(now)},
		{"many", manyState(now, many)},
	}
}

// withPriv returns d with private key k and the public key derived from
// it, as a get reports them.
func withPriv(d *ifwg.Device, k ifwg.Key) *ifwg.Device {
	d.PrivateKey = &k
	d.PublicKey = ifwg.Ptr(k.PublicKey())
	return d
}

// fullState has every field set somewhere.
func fullState(now int64) *ifwg.Device {
	return withPriv(&ifwg.Device{
		ListenPort: 51820,
		FwMark:     0x1234abcd,
		Peers: []ifwg.Peer{
			{
				PublicKey: testKey(1), PresharedKey: ifwg.Ptr(testKey(2)),
				Endpoint:      mustEndpoint("192.0.2.1:51820"),
				AllowedIPs:    mustPrefixes("10.0.0.1/32", "10.9.0.77/24", "2001:db8:0:0::1/128", "0.0.0.0/0", "::/0"),
				LastHandshake: ifwg.Timespec{Sec: now - 90, Nsec: 5}, RxBytes: 1234, TxBytes: 567890,
				PersistentKeepalive: 25,
			},
			{
				PublicKey: testKey(3), PresharedKey: &ifwg.Key{},
				Endpoint:      mustEndpoint("[2001:db8::1]:65535"),
				AllowedIPs:    mustPrefixes("fd00::/8"),
				LastHandshake: ifwg.Timespec{Sec: now - 3661}, RxBytes: 1, PersistentKeepalive: 65535,
			},
			{
				PublicKey: testKey(4), Endpoint: mustEndpoint("[::ffff:198.51.100.7]:1"),
				AllowedIPs: mustPrefixes("::ffff:10.1.2.3/128"),
			},
			{PublicKey: testKey(5), LastHandshake: ifwg.Timespec{Sec: now + 1000}, TxBytes: 1},
			{PublicKey: testKey(6), LastHandshake: ifwg.Timespec{Sec: now}},
			{PublicKey: testKey(7), LastHandshake: ifwg.Timespec{Sec: 1}},
		},
	}, testKey(100))
}

// noPrivState has no private key and only bare peers.
func noPrivState() *ifwg.Device {
	return &ifwg.Device{Peers: []ifwg.Peer{
		{PublicKey: testKey(11), PresharedKey: &ifwg.Key{}},
		{PublicKey: testKey(12)},
	}}
}

// byteCounts crosses every unit boundary of the transfer line.
var byteCounts = []uint64{
	0, 1, 1023, 1024, 1152, 1536, 1048575, 1048576, 1073741823, 1073741824,
	1099511627775, 1099511627776, 1125899906842624, math.MaxUint64 - 1, math.MaxUint64,
}

// bytesState has one peer per byte count, received and sent mirrored.
func bytesState(now int64) *ifwg.Device {
	d := withPriv(&ifwg.Device{ListenPort: 1}, testKey(200))
	for i, n := range byteCounts {
		d.Peers = append(d.Peers, ifwg.Peer{
			PublicKey: testKey(20 + i), RxBytes: n, TxBytes: byteCounts[len(byteCounts)-1-i],
			LastHandshake: ifwg.Timespec{Sec: now - int64(i)},
		})
	}
	return d
}

// keepaliveState has one peer per keepalive interval.
func keepaliveState() *ifwg.Device {
	d := &ifwg.Device{ListenPort: 65535, FwMark: 1}
	for i, k := range []uint16{0, 1, 2, 59, 60, 61, 120, 3600, 3601, 3661, 7322, 65535} {
		d.Peers = append(d.Peers, ifwg.Peer{PublicKey: testKey(40 + i), PersistentKeepalive: k})
	}
	return d
}

// handshakeAges are handshake times relative to now, in seconds: the
// present, every unit boundary, years, and the future.
var handshakeAges = []int64{
	0, 1, 2, 59, 60, 61, 3599, 3600, 3601, 86399, 86400, 86401, 90061,
	365*86400 - 1, 365 * 86400, 365*86400 + 1, 2*365*86400 + 86400 + 3600 + 60 + 1, 20 * 365 * 86400,
	-1, -100000,
}

// handshakesState has one peer per handshake age, plus one at the epoch,
// one with only nanoseconds and one that never shook hands.
func handshakesState(now int64) *ifwg.Device {
	d := withPriv(&ifwg.Device{}, testKey(300))
	for i, age := range handshakeAges {
		d.Peers = append(d.Peers, ifwg.Peer{
			PublicKey:     testKey(60 + i),
			LastHandshake: ifwg.Timespec{Sec: now - age, Nsec: int64(i)},
		})
	}
	d.Peers = append(d.Peers,
		ifwg.Peer{PublicKey: testKey(90), LastHandshake: ifwg.Timespec{Sec: 1}},
		ifwg.Peer{PublicKey: testKey(91), LastHandshake: ifwg.Timespec{Nsec: 7}},
		ifwg.Peer{PublicKey: testKey(92)},
	)
	return d
}

// manyState has n peers whose handshakes tie in groups, so that the
// pretty form's sort must be stable.
func manyState(now int64, n int) *ifwg.Device {
	d := withPriv(&ifwg.Device{ListenPort: 4242}, testKey(400))
	for i := 0; i < n; i++ {
		var hs ifwg.Timespec
		if i%4 != 0 {
			hs = ifwg.Timespec{Sec: now - int64(i%5)*10, Nsec: int64(i%3) * 1000}
		}
		d.Peers = append(d.Peers, ifwg.Peer{
			PublicKey: testKey(1000 + i), LastHandshake: hs,
			AllowedIPs: mustPrefixes(fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)),
		})
	}
	return d
}

// memBackend is an in-memory ifwg.Backend.
type memBackend struct {
	names   []string
	devs    map[string]*ifwg.Device
	errs    map[string]error
	listErr error
}

// Interfaces returns the configured names.
func (m *memBackend) Interfaces() ([]string, error) { return m.names, m.listErr }

// Device returns the named device or its configured error; an unknown name
// gives EPROTONOSUPPORT, as wg(8) reports it on Linux without the kernel
// module.
func (m *memBackend) Device(name string) (*ifwg.Device, error) {
	if err := m.errs[name]; err != nil {
		return nil, err
	}
	if d, ok := m.devs[name]; ok {
		return d, nil
	}
	return nil, syscall.EPROTONOSUPPORT
}

// ConfigureDevice is not used by show.
func (m *memBackend) ConfigureDevice(string, *ifwg.Config) error { return syscall.EPERM }

// testEnv returns an env for in-process runs: argv[0] "wg", an empty
// standard input, the given environment variables, the clock at now (Unix
// seconds; 0 is the real clock), b as the backend (nil: none, whose
// opening fails with EPROTONOSUPPORT, as wg(8) fails on Linux without
// WireGuard), and buffers for the output.
func testEnv(b ifwg.Backend, now int64, vars map[string]string) (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	clock := time.Now
	if now != 0 {
		clock = func() time.Time { return time.Unix(now, 0) }
	}
	e := &env{
		prog:   "wg",
		stdin:  strings.NewReader(""),
		stdout: &out,
		stderr: &errb,
		getenv: func(k string) string { return vars[k] },
		now:    clock,
		backend: func() (ifwg.Backend, error) {
			if b == nil {
				return nil, syscall.EPROTONOSUPPORT
			}
			return b, nil
		},
	}
	// A socket backend resolves get reply endpoints in this environment,
	// as openBackend's does in wg's.
	switch sb := b.(type) {
	case *ifwg.UAPIBackend:
		sb.ResolveEndpoint = e.replyResolver()
	case *ifwg.SocketBackend:
		sb.ResolveEndpoint = e.replyResolver()
	}
	return e, &out, &errb
}

// runInEnv runs the subcommand cmd with args in e, which testEnv made
// with the buffers out and errb, and returns its output and status.
func runInEnv(e *env, out, errb *bytes.Buffer, cmd subcommand, args ...string) (stdout, stderr string, code int) {
	code = cmd(e, args)
	return out.String(), errb.String(), code
}

// runInProcess runs wg with args in-process and returns its output.
func runInProcess(b ifwg.Backend, now int64, vars map[string]string, args ...string) (stdout, stderr string, code int) {
	e, out, errb := testEnv(b, now, vars)
	return runInEnv(e, out, errb, run, args...)
}

// showForm is one invocation of a state: extra environment and the
// arguments after the interface name.
type showForm struct {
	env  []string
	args []string
}

// showForms returns the invocations tried on every state: the pretty form
// with and without colour and keys, every field, and showconf (marked by
// the "showconf" argument).
func showForms() []showForm {
	forms := []showForm{
		{env: []string{"WG_COLOR_MODE=never"}},
		{env: []string{"WG_COLOR_MODE=always"}},
		{env: []string{"WG_COLOR_MODE=never", "WG_HIDE_KEYS=never"}},
		{env: []string{"WG_COLOR_MODE=always", "WG_HIDE_KEYS=never"}},
		{env: []string{"WG_COLOR_MODE=auto", "WG_HIDE_KEYS=always"}},
		{},
	}
	for _, f := range showFieldNames {
		forms = append(forms, showForm{args: []string{f}})
	}
	return append(forms, showForm{args: []string{"showconf"}})
}

// formArgs returns the wg arguments of a form for interface name.
func formArgs(f showForm, name string) []string {
	if len(f.args) == 1 && f.args[0] == "showconf" {
		return []string{"showconf", name}
	}
	return append([]string{"show", name}, f.args...)
}

// envMap turns KEY=VALUE strings into a map.
func envMap(kvs []string) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// TestShowGolden prints every state in every form and compares with
// testdata/show/<state>.golden.
func TestShowGolden(t *testing.T) {
	const name = "wgtest0"
	for _, st := range showStates(goldenNow, 40) {
		t.Run(st.name, func(t *testing.T) {
			b := &memBackend{names: []string{name}, devs: map[string]*ifwg.Device{name: st.dev}}
			var got bytes.Buffer
			for _, f := range showForms() {
				args := formArgs(f, name)
				stdout, stderr, code := runInProcess(b, goldenNow, envMap(f.env), args...)
				cmdline := strings.TrimSpace(strings.Join(f.env, " ") + " wg " + strings.Join(args, " "))
				fmt.Fprintf(&got, "### %s\n--- exit %d, stderr %q\n%s", cmdline, code, stderr, stdout)
			}
			checkGolden(t, filepath.Join("testdata", "show", st.name+".golden"), got.Bytes())
		})
	}
}

// checkGolden compares got with the golden file, or rewrites it with
// -update-show.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *updateShow {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update-show to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n%s", path, firstDiff(string(want), string(got)))
	}
}

// firstDiff describes the first differing line of two texts.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, w, g)
		}
	}
	return "(no line differs)"
}

// wgUsage is wg(8)'s top-level usage for argv[0] "wg".
const wgUsage = "Usage: wg <cmd> [<args>]\n\nAvailable subcommands:\n" +
	"  show: Shows the current configuration and device information\n" +
	"  showconf: Shows the current configuration of a given WireGuard interface, for use with `setconf'\n" +
	"  set: Change the current configuration, add peers, remove peers, or change peers\n" +
	"  setconf: Applies a configuration file to a WireGuard interface\n" +
	"  addconf: Appends a configuration file to a WireGuard interface\n" +
	"  syncconf: Synchronizes a configuration file to a WireGuard interface\n" +
	"  genkey: Generates a new private key and writes it to stdout\n" +
	"  genpsk: Generates a new preshared key and writes it to stdout\n" +
	"  pubkey: Reads a private key from stdin and writes a public key to stdout\n" +
	"You may pass `--help' to any of these subcommands to view usage.\n"

// showUsageText is show's usage line for argv[0] "wg".
const showUsageText = "Usage: wg show { <interface> | all | interfaces } [public-key | private-key | " +
	"listen-port | fwmark | peers | preshared-keys | endpoints | allowed-ips | latest-handshakes | " +
	"transfer | persistent-keepalive | dump]\n"

// TestTopLevelAndUsage checks the dispatch rules and the usage errors of
// show and showconf in-process.
func TestTopLevelAndUsage(t *testing.T) {
	b := &memBackend{}
	for _, tt := range []struct {
		args           []string
		stdout, stderr string
		code           int
	}{
		{nil, "", "", 0},
		{[]string{"help"}, wgUsage, "", 0},
		{[]string{"-h"}, wgUsage, "", 0},
		{[]string{"--help"}, wgUsage, "", 0},
		{[]string{"version"}, versionLine(), "", 0},
		{[]string{"-v"}, versionLine(), "", 0},
		{[]string{"--version"}, versionLine(), "", 0},
		{[]string{"bogus"}, "", "Invalid subcommand: `bogus'\n" + wgUsage, 1},
		{[]string{""}, "", "Invalid subcommand: `'\n" + wgUsage, 1},
		{[]string{"help", "show"}, "", "Invalid subcommand: `help'\n" + wgUsage, 1},
		{[]string{"-v", "x"}, "", "Invalid subcommand: `-v'\n" + wgUsage, 1},
		{[]string{"--x=1", "show"}, "", "Invalid subcommand: `--x=1'\n" + wgUsage, 1},
		{[]string{"-abc", "show"}, "", "Invalid subcommand: `-abc'\n" + wgUsage, 1},
		{[]string{"completion", "bash"}, "", "Invalid subcommand: `completion'\n" + wgUsage, 1},
		{[]string{"show", "a", "b", "c"}, "", showUsageText, 1},
		{[]string{"show", "--help"}, "", showUsageText, 0},
		{[]string{"show", "interfaces", "x"}, "", showUsageText, 1},
		{[]string{"show", "wg0"}, "", "Unable to access interface: Protocol not supported\n", 1},
		{[]string{"showconf"}, "", "Usage: wg showconf <interface>\n", 1},
		{[]string{"showconf", "a", "b"}, "", "Usage: wg showconf <interface>\n", 1},
	} {
		stdout, stderr, code := runInProcess(b, goldenNow, nil, tt.args...)
		if stdout != tt.stdout || stderr != tt.stderr || code != tt.code {
			t.Errorf("wg %q = %q, %q, %d; want %q, %q, %d", tt.args, stdout, stderr, code, tt.stdout, tt.stderr, tt.code)
		}
	}
}

// TestShowAllStatus checks show all's exit status and its messages for
// interfaces that cannot be read.
func TestShowAllStatus(t *testing.T) {
	ok := &ifwg.Device{ListenPort: 1}
	for _, tt := range []struct {
		name           string
		b              *memBackend
		args           []string
		stdout, stderr string
		code           int
	}{
		{"none", &memBackend{}, []string{"show", "all"}, "", "", 0},
		{"list error", &memBackend{listErr: syscall.EACCES}, []string{"show"}, "",
			"Unable to list interfaces: Permission denied\n", 1},
		{"interfaces list error", &memBackend{listErr: syscall.EACCES}, []string{"show", "interfaces"}, "",
			"Unable to list interfaces: Permission denied\n", 1},
		{"all fail", &memBackend{names: []string{"a", "b"}, errs: map[string]error{"a": syscall.EIO}},
			[]string{"show", "all", "listen-port"}, "",
			"Unable to access interface a: Input/output error\nUnable to access interface b: Protocol not supported\n", 1},
		{"last fails", &memBackend{names: []string{"a", "b"}, devs: map[string]*ifwg.Device{"a": ok},
			errs: map[string]error{"b": fmt.Errorf("get: %w", ifwg.ErrUAPIProtocol)}},
			nil, "interface: a\n  listening port: 1\n\n", "Unable to access interface b: Protocol error\n", 0},
		{"first fails", &memBackend{names: []string{"a", "b"}, devs: map[string]*ifwg.Device{"b": ok}},
			[]string{"show", "all", "listen-port"}, "b\t1\n", "Unable to access interface a: Protocol not supported\n", 0},
		{"bad field", &memBackend{names: []string{"a", "b"}, devs: map[string]*ifwg.Device{"a": ok, "b": ok}},
			[]string{"show", "all", "bogus"}, "", "Invalid parameter: `bogus'\n" + showUsageText, 1},
		{"interfaces", &memBackend{names: []string{"b", "a"}}, []string{"show", "interfaces"}, "b a\n", "", 0},
		{"no interfaces", &memBackend{}, []string{"show", "interfaces"}, "", "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runInProcess(tt.b, goldenNow, nil, tt.args...)
			if stdout != tt.stdout || stderr != tt.stderr || code != tt.code {
				t.Errorf("wg %q = %q, %q, %d; want %q, %q, %d", tt.args, stdout, stderr, code, tt.stdout, tt.stderr, tt.code)
			}
		})
	}
}

// TestStripANSI checks the removal of escape sequences without colour.
func TestStripANSI(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"\x1b[0m", ""},
		{"a\x1b[32;1mb\x1b[0mc", "abc"},
		{"\x1b[", "\x1b["},               // too close to the end to count
		{"x\x1b[", "x\x1b["},             // likewise
		{"x\x1b[1", "x"},                 // runs to the end
		{"\x1b[12345", ""},               // likewise
		{"a\x1b[\x1b[0mb", "ab"},         // the first ends at the second's letter
		{"\x1b\x1b[1mz", "\x1b" + "z"},   // a lone ESC stays
		{"é\x1b[1mé", "éé"},              // non-ASCII text stays
		{"\x1b[1é m!", "!"},              // only an ASCII letter ends it
		{"n\x1b[1\x1b[0m\n", "n\n"},      // a name's sequence eats the colour's
		{"\x1b[\x1b[", ""},               // the second is inside the first
		{"ab\x1b[m", "ab"},               // ends at the last byte
		{"a\x1b[Zb\x1b[1Ac", "abc"},      // any letter ends one
		{"[1m\x1b]0m", "[1m\x1b]0m"},     // not "ESC ["
		{"\x1b[0m\x1b[1", ""},            // an open one at the end
		{"x\x1b[0mx\x1b[", "xx\x1b["},    // the last two bytes are never a start
		{"\x1b[;;;;", ""},                // no letter at all
		{"\x1b[1m\x1b[1m\x1b[1m", ""},    // several
		{"\x1b[1mA\x1b[0m", "A"},         // the letter after the end stays
		{"q\x1b[1mq", "qq"},              // both sides stay
		{"\x1b[1\n2mX", "X"},             // a newline does not end one
		{"\x1b[0m\x1b[32m\x1b[1mi", "i"}, // wg's interface line start
	} {
		if got := string(stripANSI(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("stripANSI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestAppendIPv6 checks the C library's IPv6 text, glibc's on Linux and
// FreeBSD's libc elsewhere where they differ.
func TestAppendIPv6(t *testing.T) {
	for _, tt := range []struct{ in, glibc, freebsd string }{
		{"::", "::", "::"},
		{"::1", "::1", "::1"},
		{"::2", "::2", "::0.0.0.2"},
		{"::100", "::100", "::0.0.1.0"},
		{"::1.2.3.4", "::1.2.3.4", "::1.2.3.4"},
		{"::0.1.0.0", "::0.1.0.0", "::0.1.0.0"},
		{"::ffff:1.2.3.4", "::ffff:1.2.3.4", "::ffff:1.2.3.4"},
		{"::ffff:0:0", "::ffff:0.0.0.0", "::ffff:0.0.0.0"},
		{"::ffff", "::ffff", "::0.0.255.255"},
		{"::ffff:1:2:3", "::ffff:1:2:3", "::ffff:1:2:3"},
		{"::1:0:0", "::1:0:0", "::1:0:0"},
		{"1:0:0:1:0:0:0:1", "1:0:0:1::1", "1:0:0:1::1"},
		{"1:0:0:2:0:0:3:4", "1::2:0:0:3:4", "1::2:0:0:3:4"},
		{"1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"},
		{"2001:db8::", "2001:db8::", "2001:db8::"},
		{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", "2001:db8::1"},
		{"fe80::abcd:ef01", "fe80::abcd:ef01", "fe80::abcd:ef01"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	} {
		want := tt.glibc
		if runtime.GOOS == "freebsd" {
			want = tt.freebsd
		}
		if got := string(appendIPv6(nil, netip.MustParseAddr(tt.in).As16())); got != want {
			t.Errorf("appendIPv6(%s) = %s, want %s", tt.in, got, want)
		}
	}
}

// TestAppendBytes checks every unit boundary and the rounding.
func TestAppendBytes(t *testing.T) {
	for _, tt := range []struct {
		n    uint64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.00 KiB"}, {1152, "1.12 KiB"}, {1047552, "1023.00 KiB"},
		{1048575, "1024.00 KiB"}, {1048576, "1.00 MiB"}, {1073741824, "1.00 GiB"},
		{1099511627776, "1.00 TiB"}, {math.MaxUint64, "16777216.00 TiB"},
	} {
		if got := string(stripANSI(nil, appendBytes(nil, tt.n))); got != tt.want {
			t.Errorf("appendBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got := string(appendBytes(nil, 2048)); got != "2.00 "+ansiCyan+"KiB"+ansiReset {
		t.Errorf("appendBytes(2048) = %q", got)
	}
}

// TestAppendAgo checks spans, "Now" and the clock warning.
func TestAppendAgo(t *testing.T) {
	for _, tt := range []struct {
		age  int64
		want string
	}{
		{0, "Now"},
		{-1, "(System clock wound backward; connection problems may ensue.)"},
		{1, "1 second ago"},
		{61, "1 minute, 1 second ago"},
		{3600, "1 hour ago"},
		{86400 + 7200, "1 day, 2 hours ago"},
		{365*86400*2 + 1, "2 years, 1 second ago"},
	} {
		got := string(stripANSI(nil, appendAgo(nil, goldenNow-tt.age, goldenNow)))
		if got != tt.want {
			t.Errorf("appendAgo(age %d) = %q, want %q", tt.age, got, tt.want)
		}
	}
}

// TestSortedPeers checks the pretty form's order: newest handshake first,
// nanoseconds break ties, peers without a handshake last, otherwise the
// backend's order.
func TestSortedPeers(t *testing.T) {
	peers := []ifwg.Peer{
		{PublicKey: testKey(0)},
		{PublicKey: testKey(1), LastHandshake: ifwg.Timespec{Sec: 5}},
		{PublicKey: testKey(2), LastHandshake: ifwg.Timespec{Sec: 5, Nsec: 1}},
		{PublicKey: testKey(3)},
		{PublicKey: testKey(4), LastHandshake: ifwg.Timespec{Sec: 5}},
		{PublicKey: testKey(5), LastHandshake: ifwg.Timespec{Nsec: 1}},
		{PublicKey: testKey(6), LastHandshake: ifwg.Timespec{Sec: 9}},
	}
	var got []ifwg.Key
	for _, p := range sortedPeers(peers) {
		got = append(got, p.PublicKey)
	}
	want := []ifwg.Key{testKey(6), testKey(2), testKey(1), testKey(4), testKey(5), testKey(0), testKey(3)}
	if !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

// TestCompletion checks the candidates "wg __complete" prints.
func TestCompletion(t *testing.T) {
	dev := &ifwg.Device{Peers: []ifwg.Peer{{PublicKey: testKey(1)}}}
	b := &memBackend{names: []string{"wg0", "wg1"}, devs: map[string]*ifwg.Device{"wg0": dev}}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"show", ""}, "all\ninterfaces\nwg0\nwg1\n:4\n"},
		{[]string{"show", "w"}, "wg0\nwg1\n:4\n"},
		{[]string{"show", "wg0", "p"}, "public-key\nprivate-key\npeers\npreshared-keys\npersistent-keepalive\n:4\n"},
		{[]string{"show", "interfaces", ""}, ":4\n"},
		{[]string{"showconf", ""}, "wg0\nwg1\n:4\n"},
		{[]string{"setconf", "wg0", ""}, ":0\n"},
		{[]string{"set", "wg0", ""}, "listen-port\nfwmark\nprivate-key\npeer\n:4\n"},
		{[]string{"set", "wg0", "listen-port", "1", "peer", ""}, testKey(1).String() + "\n:4\n"},
		{[]string{"set", "wg0", "peer", "K", "re"}, "remove\n:4\n"},
		{[]string{"set", "wg0", "peer", "K", "remove", "pe"}, "persistent-keepalive\npeer\n:4\n"},
		{[]string{"set", "wg0", "peer", "K", "preshared-key", ""}, ":0\n"},
		{[]string{"set", "wg0", "fwmark", ""}, "off\n:4\n"},
		{[]string{"genkey", ""}, ":4\n"},
		{[]string{"", ""}, ":4\n"},
	} {
		stdout, _, code := runInProcess(b, goldenNow, nil, append([]string{cobra.ShellCompNoDescRequestCmd}, tt.args...)...)
		if stdout != tt.want || code != 0 {
			t.Errorf("wg __completeNoDesc %q = %q, %d; want %q", tt.args, stdout, code, tt.want)
		}
	}
	stdout, _, _ := runInProcess(b, goldenNow, nil, cobra.ShellCompNoDescRequestCmd, "sh")
	if stdout != "show\nshowconf\n:4\n" {
		t.Errorf("subcommand completion = %q", stdout)
	}
}

// TestCompletionScripts checks that the scripts the build generates from
// the program's name alone are those of the real command tree.
func TestCompletionScripts(t *testing.T) {
	e, _, _ := testEnv(&memBackend{}, goldenNow, nil)
	status := 0
	real, err := completion.Scripts(newRootCommand(e, &status))
	if err != nil {
		t.Fatal(err)
	}
	built, err := completion.Scripts(completion.Root("wg"))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range real {
		if !bytes.Equal(text, built[name]) {
			t.Errorf("%s differs between the command tree and the build's generator", name)
		}
		if !bytes.Contains(text, []byte("__complete")) {
			t.Errorf("%s does not call wg __complete", name)
		}
	}
}

// TestUsageUsesArgv0 checks that usage lines name the program as invoked.
func TestUsageUsesArgv0(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, "Invalid subcommand: `bogus'\n" + strings.Replace(wgUsage, "Usage: wg ", "Usage: /usr/local/bin/wg ", 1)},
		{[]string{"show", "-h"}, strings.Replace(showUsageText, "Usage: wg ", "Usage: /usr/local/bin/wg ", 1)},
		{[]string{"showconf"}, "Usage: /usr/local/bin/wg showconf <interface>\n"},
	} {
		e, _, errb := testEnv(&memBackend{}, goldenNow, nil)
		e.prog = "/usr/local/bin/wg"
		run(e, tt.args)
		if errb.String() != tt.want {
			t.Errorf("wg %q: stderr %q, want %q", tt.args, errb.String(), tt.want)
		}
	}
}

// TestPrettyOnTerminal checks that colour follows the terminal unless
// WG_COLOR_MODE decides.
func TestPrettyOnTerminal(t *testing.T) {
	b := &memBackend{names: []string{"wg0"}, devs: map[string]*ifwg.Device{"wg0": {}}}
	for _, tt := range []struct {
		tty   bool
		mode  string
		color bool
	}{
		{true, "", true}, {true, "never", false}, {true, "Never", true},
		{false, "", false}, {false, "always", true}, {false, "auto", false},
	} {
		e, out, _ := testEnv(b, goldenNow, map[string]string{"WG_COLOR_MODE": tt.mode})
		e.stdoutIsTTY = tt.tty
		run(e, []string{"show", "wg0"})
		if got := strings.Contains(out.String(), "\x1b["); got != tt.color {
			t.Errorf("tty %v, WG_COLOR_MODE=%q: colour %v, want %v", tt.tty, tt.mode, got, tt.color)
		}
	}
}

// TestStdioWriter checks that a full block is written only when more
// output follows, as the C library's stdio does.
func TestStdioWriter(t *testing.T) {
	var sink bytes.Buffer
	w := newStdioWriter(&sink, 4)
	steps := []struct {
		write   string
		flushed string
	}{
		{"ab", ""}, {"cd", ""}, {"e", "abcd"}, {"fghijk", "abcdefgh"}, {"", "abcdefgh"},
	}
	for _, s := range steps {
		w.Write([]byte(s.write))
		if sink.String() != s.flushed {
			t.Fatalf("after %q: written %q, want %q", s.write, sink.String(), s.flushed)
		}
	}
	w.Flush()
	if sink.String() != "abcdefghijk" {
		t.Errorf("after Flush: %q", sink.String())
	}
}

// TestShowResolvesReplyEndpointInProcess checks that the backend an env
// hands out resolves a get reply's host name with that env's resolver, as
// wg(8) resolves it (ipc-uapi.h hands every endpoint to getaddrinfo(3)),
// with no process-wide setting: the in-process env resolves too.
func TestShowResolvesReplyEndpointInProcess(t *testing.T) {
	s := startFakeServer(t, nil)
	s.SetGetReply("public_key=" + testKey(1).Hex() + "\nendpoint=localhost:51820\nerrno=0\n\n")
	for _, b := range []ifwg.Backend{&ifwg.UAPIBackend{Dir: socketDir}, &ifwg.SocketBackend{Dir: socketDir}} {
		out, errOut, code := runInProcess(b, 0, nil, "show", s.Name(), "endpoints")
		if want := testKey(1).String() + "\t127.0.0.1:51820\n"; code != 0 || out != want {
			t.Errorf("%T: show endpoints = %q, %q, %d; want %q", b, out, errOut, code, want)
		}
	}
}

// TestShowNamedZoneOnGlobalAddress checks that a get reply endpoint with an
// interface-name scope on an address that is not link-local fails as
// getaddrinfo(3) fails it (EAI_NONAME, a name that does not resolve), not
// printed with the interface's index.
func TestShowNamedZoneOnGlobalAddress(t *testing.T) {
	s := startFakeServer(t, nil)
	s.SetGetReply("public_key=" + testKey(1).Hex() + "\nendpoint=[2001:db8::1%lo]:5\nerrno=0\n\n")
	out, errOut, code := runInProcess(&ifwg.UAPIBackend{Dir: socketDir}, 0, nil, "show", s.Name(), "endpoints")
	if want := "Unable to access interface: Network is unreachable\n"; code != 1 || out != "" || errOut != want {
		t.Errorf("show endpoints = %q, %q, %d; want %q and status 1", out, errOut, code, want)
	}
}
