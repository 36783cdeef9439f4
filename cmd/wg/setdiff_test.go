// SPDX-License-Identifier: BSD-2-Clause

package main

// Differential tests of set, setconf, addconf, syncconf, genkey, genpsk
// and pubkey: every case runs our wg and Debian's wg(8) (wireguard-tools
// v1.0.20210914) against scripted UAPI daemons and compares standard
// output, standard error, the exit status and the set requests the daemon
// received, byte for byte. Where we follow a newer wireguard-tools on
// purpose the case says how Debian's request becomes ours.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/internal/testenv"
)

// sdInvocations counts the invocations of our wg compared with Debian's.
var sdInvocations atomic.Int64

// sdCase is one command line run with both binaries, each against its own
// fake daemon.
type sdCase struct {
	// args follow "wg"; "{if}" becomes the fake daemon's interface name.
	args  []string
	stdin string
	// env is added to the environment; WG_ENDPOINT_RESOLUTION_RETRIES=0
	// is the default so that no case waits between retries.
	env []string
	// dev is the daemon's interface; nil for an empty one.
	dev *ifwg.Device
	// errno is the daemon's answer to set requests.
	errno int
	// adjust, when set, turns Debian's requests into the ones we send,
	// where we follow a newer wireguard-tools.
	adjust func([]string) []string
}

// sdResult is what one binary did.
type sdResult struct {
	stdout, stderr string
	code           int
	requests       []string
}

// sdRunner runs cases with both binaries.
type sdRunner struct {
	ours, theirs string
}

// newSDRunner returns a runner, failing under CI when root or Debian's wg
// is missing.
func newSDRunner(t *testing.T) *sdRunner {
	t.Helper()
	testenv.RequireRoot(t)
	return &sdRunner{ours: ourWG(t), theirs: debianWG(t)}
}

// run executes c with bin against a fresh fake daemon.
func (r *sdRunner) run(t *testing.T, bin string, c sdCase) sdResult {
	t.Helper()
	s := startFakeServer(t, c.dev)
	s.SetErrno(c.errno)
	args := make([]string, len(c.args))
	for i, a := range c.args {
		args[i] = strings.ReplaceAll(a, "{if}", s.Name())
	}
	env := c.env
	if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "WG_ENDPOINT_RESOLUTION_RETRIES=") }) {
		env = append([]string{"WG_ENDPOINT_RESOLUTION_RETRIES=0"}, env...)
	}
	out, errOut, code := runWG(t, bin, c.stdin, env, args...)
	return sdResult{out, errOut, code, s.Requests()}
}

// compare runs c with both binaries and reports any difference.
func (r *sdRunner) compare(t *testing.T, c sdCase) {
	t.Helper()
	want := r.run(t, r.theirs, c)
	if c.adjust != nil {
		want.requests = c.adjust(want.requests)
	}
	got := r.run(t, r.ours, c)
	sdInvocations.Add(1)
	if diff := sdDescribe(want, got); diff != "" {
		t.Errorf("wg %q (stdin %q, env %q) differs from Debian's:\n%s", c.args, c.stdin, c.env, diff)
	}
}

// sdDescribe lists the differences between two results.
func sdDescribe(want, got sdResult) string {
	var b strings.Builder
	if got.code != want.code {
		fmt.Fprintf(&b, "exit status %d, want %d\n", got.code, want.code)
	}
	if got.stdout != want.stdout {
		fmt.Fprintf(&b, "stdout %q\nwant   %q\n", got.stdout, want.stdout)
	}
	if got.stderr != want.stderr {
		fmt.Fprintf(&b, "stderr %q\nwant   %q\n", got.stderr, want.stderr)
	}
	if !slices.Equal(got.requests, want.requests) {
		fmt.Fprintf(&b, "requests %q\nwant     %q\n", got.requests, want.requests)
	}
	return b.String()
}

// runCases runs every case as a subtest, so that each fake daemon goes
// away with its case, and logs how many invocations were compared.
func (r *sdRunner) runCases(t *testing.T, cases []sdCase) {
	t.Helper()
	before := sdInvocations.Load()
	for i, c := range cases {
		t.Run(fmt.Sprintf("%03d", i), func(t *testing.T) { r.compare(t, c) })
	}
	t.Logf("%d invocations compared with Debian's wg (%d in this process)", sdInvocations.Load()-before, sdInvocations.Load())
}

// sdSet builds `wg set {if} words...` cases, one per word list.
func sdSet(lists ...[]string) []sdCase {
	var cases []sdCase
	for _, words := range lists {
		cases = append(cases, sdCase{args: append([]string{"set", "{if}"}, words...)})
	}
	return cases
}

// sdWords splits a command line at spaces; it is for lists without
// empty or spaced words.
func sdWords(lines ...string) [][]string {
	var out [][]string
	for _, l := range lines {
		out = append(out, strings.Fields(l))
	}
	return out
}

// sdSetInterfaceCases are the interface keywords of `wg set`.
func sdSetInterfaceCases() []sdCase {
	cases := sdSet(sdWords(
		"listen-port 51820", "listen-port 0", "listen-port 65535", "listen-port -0", "listen-port 00080",
		"listen-port domain", "listen-port ntp", "listen-port DOMAIN", "listen-port http", "listen-port abc",
		"listen-port -1", "listen-port 0x10000", "listen-port 0x10", "listen-port 1 listen-port 2",
		"fwmark 0", "fwmark off", "fwmark OFF", "fwmark oFf", "fwmark 0x10", "fwmark 0xffffffff", "fwmark 0xFFFFFFFF",
		"fwmark 0x100000000", "fwmark 4294967295", "fwmark 4294967296", "fwmark 010", "fwmark 0X10", "fwmark 0x",
		"fwmark 0xg", "fwmark -1", "fwmark +1", "fwmark 0x+1", "fwmark 0x0x10", "fwmark on",
		"listen-port 1 fwmark 2 listen-port 3",
	)...)
	return append(cases, sdSet(
		[]string{"listen-port", ""}, []string{"listen-port", " +5"}, []string{"listen-port", "5 "},
		[]string{"fwmark", ""}, []string{"fwmark", "0x 1"}, []string{"fwmark", "1 "},
	)...)
}

// sdSetKeyFileCases are private-key and preshared-key files.
func sdSetKeyFileCases() []sdCase {
	var cases []sdCase
	files := []string{"priv1.key", "no-newline.key", "trailing-space.key", "crlf.key", "empty.key", "short.key", "nul.key",
		"trailing-nul.key", "trailing-char.key", "high-byte.key", "trailing-after-space.key", "leading-space.key",
		"43-chars.key", "bad-base64.key", "noncanonical.key", "missing.key"}
	for _, f := range files {
		cases = append(cases, sdSet([]string{"private-key", keyFile(f)})...)
	}
	for _, f := range []string{"psk.key", "empty.key", "short.key", "trailing-char.key", "missing.key"} {
		cases = append(cases, sdSet([]string{"peer", tPub1, "preshared-key", keyFile(f)})...)
	}
	cases = append(cases, sdSet(
		[]string{"private-key", "/dev/null"}, []string{"private-key", "testdata"}, []string{"private-key", "testdata/set/priv1.key/"},
		[]string{"peer", tPub1, "preshared-key", "/dev/null"},
	)...)
	return append(cases,
		sdCase{args: []string{"set", "{if}", "private-key", "/dev/stdin"}, stdin: tPriv1 + "\n"},
		sdCase{args: []string{"set", "{if}", "private-key", "/dev/stdin"}, stdin: ""},
		sdCase{args: []string{"set", "{if}", "private-key", "/dev/stdin"}, stdin: tPriv1 + "x"},
		sdCase{args: []string{"set", "{if}", "peer", tPub1, "preshared-key", "/dev/stdin"}, stdin: tPSK},
	)
}

// sdSetPeerCases are the peer keywords, keepalive values and grammar.
func sdSetPeerCases() []sdCase {
	p := "peer " + tPub1 + " "
	cases := sdSet(sdWords(
		"peer "+tPub1, p+"remove", p+"peer "+tPub1, p+"peer "+tPub2+" remove peer "+tPub3,
		"peer badkey", "peer "+tPub1[:43], "peer eGxT/yY17fsgBqk1MInZtXdfAugimXv3ySs8yHgESAB=", "peer listen-port",
		p+"Remove", p+"remove endpoint 192.0.2.1:1 allowed-ips 10.0.0.0/8 persistent-keepalive 5",
		p+"remove allowed-ips 1.2.3.4/1x", p+"endpoint 1.2.3.4:5 persistent-keepalive 25 endpoint 2.2.2.2:3 persistent-keepalive off",
		p+"persistent-keepalive 0", p+"persistent-keepalive off", p+"persistent-keepalive OFF", p+"persistent-keepalive 1",
		p+"persistent-keepalive 25", p+"persistent-keepalive 65535", p+"persistent-keepalive 025", p+"persistent-keepalive 65536",
		p+"persistent-keepalive -1", p+"persistent-keepalive 0x10", p+"persistent-keepalive on",
		"foo", "listen-port", "peer", p+"endpoint", p+"allowed-ips", p+"persistent-keepalive", p+"preshared-key",
		p+"listen-port 1", p+"fwmark 1", p+"private-key /dev/null", "remove", "endpoint 1.2.3.4:5", "allowed-ips 10.0.0.0/8",
		"persistent-keepalive 5", "preshared-key /dev/null", "listen-port abc fwmark zzz", "listen-port 1 bogus", "LISTEN-PORT 1",
		"listen-port 1 fwmark 0x20 private-key "+keyFile("priv1.key")+" "+p+"preshared-key "+keyFile("psk.key")+
			" endpoint [2001:db8::1]:51820 persistent-keepalive 25 allowed-ips 10.0.0.0/8,fd00::/64 peer "+tPub2+" remove",
	)...)
	cases = append(cases, sdSet(
		[]string{"peer", tPub1, "persistent-keepalive", ""}, []string{"peer", tPub1, "persistent-keepalive", " 1"},
		[]string{"peer", ""}, []string{""}, []string{"peer", tPub1, "remove", ""},
	)...)
	return append(cases, sdCase{args: []string{"set"}}, sdCase{args: []string{"set", "{if}"}}, sdCase{args: []string{"set", "--help"}},
		sdCase{args: []string{"set", "-h"}})
}

// sdSetEndpointCases are endpoint forms that resolve without the network.
func sdSetEndpointCases() []sdCase {
	var lists [][]string
	for _, ep := range []string{"192.0.2.1:51820", "[2001:db8::1]:5", "2001:db8::9:51820", "[fe80::1%lo]:5", "fe80::1%lo:5",
		"[fe80::1%1]:5", "[fe80::1%01]:5", "[fe80::1%99]:5", "[fe80::1%0]:5", "[ff02::1%lo]:5", "[ff01::1%lo]:5",
		"[2001:db8::1%5]:5", "[::ffff:1.2.3.4]:5", "[::1.2.3.4]:7", "[1.2.3.4]:5", "127.1:5", "0x7f.1:5", "07:5",
		"4294967295:5", "0X7f000001:5", "1.0xffffff:5", "1.2.3.4: 5", "1.2.3.4:+5", "localhost:5", "[localhost]:5",
		"1.2.3.4:domain", "[::1]:0", "[::1]:65535",
		"", "[::1", "[::1]", "[::1]:", "[::1]x:5", "1.2.3.4", "1.2.3.4:", "[fe80::1%nonexistent0]:5",
		"[2001:db8::1%lo]:5", "[::1%lo]:5", ":5", "[]:5", "1.2.3.4:abc", "1.2.3.4:-1", "[fe80::1%]:5", "[fe80::1%1x]:5",
		"[fe80::1%4294967296]:5", "1.2.3.4%lo:5", "[1::2::3]:5", "fe80::1%:5", " 1.2.3.4:5"} {
		lists = append(lists, []string{"peer", tPub1, "endpoint", ep})
	}
	return sdSet(lists...)
}

// sdSetAllowedIPsCases are allowed-ips lists Debian's version parses as
// we do (it predates "+" and "-").
func sdSetAllowedIPsCases() []sdCase {
	var lists [][]string
	for _, l := range []string{"10.0.0.1/24, 10.0.0.2 ,fd00::1/64,10.1.1.1", "", " \t ", "10.0.0.0/8,10.0.0.0/8",
		"0.0.0.0/0,::/0", "::ffff:1.2.3.4/128", "::1.2.3.4/128", "2001:0db8:0000::1/128", "10.0.0.0/024", "fd00:0:0::1/64",
		"::FFFF:10.0.0.1/100", "1.2.3.4/1 0", "10.0.0.0/00000000000000000000008", "::/0128", "10.0.0.0/0",
		",", "10.0.0.1,", ",10.0.0.1", "10.0.0.1,,10.0.0.2", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/24/5",
		"10.0.0.0/+3", "10.0.0.0/-0", "10.0.0.0/0x8", "10.0.0", "010.0.0.1", "fe80::1%lo/64", "zzz/abc", "zzz/",
		"1.2.3.4//", "/24", "1.2.3.4/ ", "1.2.3.4/99999999999999999999", "1.2.3.4/4294967297", "1::2::3/64", "10.0.0.1/8, 10.0.0.0/33"} {
		lists = append(lists, []string{"peer", tPub1, "allowed-ips", l})
	}
	lists = append(lists,
		[]string{"peer", tPub1, "allowed-ips", "::/0", "allowed-ips", "10.0.0.0/8"},
		[]string{"peer", tPub1, "allowed-ips", "10.0.0.0/8", "allowed-ips", ""},
		[]string{"peer", tPub1, "allowed-ips", "10.0.0.0/8", "peer", tPub2, "allowed-ips", "10.0.0.0/8"},
	)
	return sdSet(lists...)
}

// TestSetDiff compares `wg set` with Debian's for every keyword and value
// form.
func TestSetDiff(t *testing.T) {
	r := newSDRunner(t)
	var cases []sdCase
	cases = append(cases, sdSetInterfaceCases()...)
	cases = append(cases, sdSetKeyFileCases()...)
	cases = append(cases, sdSetPeerCases()...)
	cases = append(cases, sdSetEndpointCases()...)
	cases = append(cases, sdSetAllowedIPsCases()...)
	r.runCases(t, cases)
}

// TestSetDiffEnvironment compares the handling of
// WG_ENDPOINT_RESOLUTION_RETRIES and of the daemon's errors.
func TestSetDiffEnvironment(t *testing.T) {
	r := newSDRunner(t)
	ep := []string{"set", "{if}", "peer", tPub1, "endpoint", "192.0.2.1:5"}
	badPort := []string{"set", "{if}", "peer", tPub1, "endpoint", "192.0.2.1:abc"}
	var cases []sdCase
	for _, v := range []string{"x", "-1", "INFINITY", "infinity", "0x3", " 3", "+2", "010", "1 ", " ", "2147483647", "2147483648"} {
		cases = append(cases, sdCase{args: ep, env: []string{"WG_ENDPOINT_RESOLUTION_RETRIES=" + v}})
	}
	cases = append(cases,
		sdCase{args: []string{"set", "{if}", "peer", tPub1, "endpoint", ""}, env: []string{"WG_ENDPOINT_RESOLUTION_RETRIES=x"}},
		sdCase{args: []string{"set", "{if}", "listen-port", "1"}, env: []string{"WG_ENDPOINT_RESOLUTION_RETRIES=x"}},
		sdCase{args: badPort, env: []string{"WG_ENDPOINT_RESOLUTION_RETRIES=1"}},
		sdCase{args: []string{"set", "{if}", "listen-port", "7"}, errno: -98},
		sdCase{args: []string{"set", "{if}", "peer", tPub1}, errno: -22},
		sdCase{args: []string{"set", "{if}", "listen-port", "7"}, errno: -1},
	)
	r.runCases(t, cases)
}

// sdConfigFiles returns the paths of the configuration corpus.
func sdConfigFiles(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob("testdata/config/*.conf")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no configuration corpus: %v", err)
	}
	return paths
}

// TestConfDiff compares setconf and addconf on every file of the corpus,
// and the ways of naming the file.
func TestConfDiff(t *testing.T) {
	r := newSDRunner(t)
	var cases []sdCase
	for _, path := range sdConfigFiles(t) {
		for _, cmd := range []string{"setconf", "addconf"} {
			cases = append(cases, sdCase{args: []string{cmd, "{if}", path}})
		}
	}
	basic, err := os.ReadFile("testdata/config/basic.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"setconf", "addconf", "syncconf"} {
		cases = append(cases,
			sdCase{args: []string{cmd, "{if}", "/dev/stdin"}, stdin: string(basic)},
			sdCase{args: []string{cmd, "{if}", "testdata/config/missing.conf"}},
			sdCase{args: []string{cmd, "{if}", "testdata/config/basic.conf/"}},
			sdCase{args: []string{cmd, "{if}", "testdata"}},
			sdCase{args: []string{cmd, "{if}"}},
			sdCase{args: []string{cmd}},
			sdCase{args: []string{cmd, "--help"}},
			sdCase{args: []string{cmd, "{if}", "testdata/config/basic.conf", "x"}},
		)
	}
	cases = append(cases, sdCase{args: []string{"setconf", "{if}", "testdata/config/basic.conf"}, errno: -98})
	r.runCases(t, cases)
}

// sdKey parses a key of the tests.
func sdKey(t *testing.T, s string) *ifwg.Key {
	t.Helper()
	k, err := ifwg.ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return &k
}

// sdRunningDevice is an interface with three peers: the corpus's first
// peer key with neither preshared key nor keepalive, and two keys the
// corpus never names, which syncconf removes.
func sdRunningDevice(t *testing.T) *ifwg.Device {
	psk := sdKey(t, tPSK)
	return &ifwg.Device{PrivateKey: sdKey(t, tPriv1), ListenPort: 51820, Peers: []ifwg.Peer{
		{PublicKey: ifwg.Key{0x42, 1}, PresharedKey: psk, PersistentKeepalive: 25},
		{PublicKey: *sdKey(t, tPub1), PresharedKey: &ifwg.Key{}},
		{PublicKey: ifwg.Key{0xd3, 2}, PresharedKey: &ifwg.Key{}},
	}}
}

// TestSyncconfDiff compares syncconf on every file of the corpus, against
// an interface with peers and against one without.
func TestSyncconfDiff(t *testing.T) {
	r := newSDRunner(t)
	var cases []sdCase
	for i, path := range sdConfigFiles(t) {
		cases = append(cases, sdCase{args: []string{"syncconf", "{if}", path}, dev: sdRunningDevice(t)})
		if i%4 == 0 {
			cases = append(cases, sdCase{args: []string{"syncconf", "{if}", path}})
		}
	}
	r.runCases(t, cases)
}

// TestSyncconfDiffNewer checks the one place syncconf follows
// wireguard-tools v1.0.20260223 rather than Debian's version: a running
// peer whose preshared key or keepalive the file no longer sets gets them
// cleared explicitly. Our request is Debian's with those two lines added.
func TestSyncconfDiffNewer(t *testing.T) {
	r := newSDRunner(t)
	pub1 := sdKey(t, tPub1)
	dev := &ifwg.Device{Peers: []ifwg.Peer{
		{PublicKey: *pub1, PresharedKey: sdKey(t, tPSK), PersistentKeepalive: 25},
		{PublicKey: ifwg.Key{0x99}, PresharedKey: sdKey(t, tPSK), PersistentKeepalive: 7},
	}}
	clear := func(reqs []string) []string {
		out := slices.Clone(reqs)
		for i, req := range out {
			line := "public_key=" + pub1.Hex() + "\n"
			out[i] = strings.Replace(req, line, line+"preshared_key="+zeroHex+"\npersistent_keepalive_interval=0\n", 1)
		}
		return out
	}
	r.runCases(t, []sdCase{
		{args: []string{"syncconf", "{if}", "testdata/config/peers-only.conf"}, dev: dev, adjust: clear},
		{args: []string{"syncconf", "{if}", "testdata/config/peer-without-allowedips.conf"}, dev: dev, adjust: clear},
		// basic.conf keeps pub1's preshared key and keepalive: nothing to
		// clear.
		{args: []string{"syncconf", "{if}", "testdata/config/basic.conf"}, dev: dev},
	})
}

// sdHosts is the hosts file of TestSetDiffHostnames: names with IPv4 and
// IPv6 addresses in either order, some reachable and some not.
const sdHosts = "127.0.0.1 localhost\n::1 localhost\n10.0.0.7 dual\n2001:db8::7 dual\n" +
	"fd00::8 ula\n10.0.0.8 ula\n2001:db8::9 v6first\n10.0.0.9 v6first\n10.0.0.10 v4only\n2001:db8::11 v6only\n"

// sdIsolateScript runs a command in the namespaces unshare made: it
// mounts $1 over /etc/hosts, brings lo up with 10.0.0.1/24 and fd00::1/64
// and runs the rest of the arguments.
const sdIsolateScript = `mount --bind "$1" /etc/hosts && ip link set lo up && ip addr add 10.0.0.1/24 dev lo &&
ip -6 addr add fd00::1/64 dev lo nodad && shift && exec "$@"`

// TestSetDiffHostnames compares which address of a hostname each wg
// picks, in new mount and network namespaces where the test controls
// /etc/hosts and the routes: both sort the addresses as getaddrinfo
// does.
func TestSetDiffHostnames(t *testing.T) {
	r := newSDRunner(t)
	unshare := testenv.RequireTool(t, "", "unshare")
	testenv.RequireTool(t, "", "ip")
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte(sdHosts), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), "wg.conf")
	if err := os.WriteFile(conf, []byte("[Peer]\nPublicKey = "+tPub1+"\nEndpoint = dual:51820\n[Peer]\nPublicKey = "+tPub2+
		"\nEndpoint = [localhost]:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var cases [][]string
	for _, h := range []string{"localhost:5", "[localhost]:5", "dual:5", "ula:5", "v6first:5", "v4only:5", "v6only:5", "localhost:domain"} {
		cases = append(cases, []string{"set", "{if}", "peer", tPub1, "endpoint", h})
	}
	cases = append(cases, []string{"setconf", "{if}", conf})
	for _, args := range cases {
		var res [2]sdResult
		for i, bin := range []string{r.theirs, r.ours} {
			s := startFakeServer(t, nil)
			full := []string{"-m", "-n", "sh", "-c", sdIsolateScript, "sh", hosts, bin}
			for _, a := range args {
				full = append(full, strings.ReplaceAll(a, "{if}", s.Name()))
			}
			out, errOut, code := runWG(t, unshare, "", []string{"WG_ENDPOINT_RESOLUTION_RETRIES=0"}, full...)
			res[i] = sdResult{out, errOut, code, s.Requests()}
		}
		sdInvocations.Add(1)
		if diff := sdDescribe(res[0], res[1]); diff != "" {
			t.Errorf("wg %q differs from Debian's:\n%s", args, diff)
		} else if res[0].code != 0 {
			t.Errorf("wg %q failed in the namespace: %s", args, res[0].stderr)
		}
	}
}

// sdDeliberate is a command line on which we differ from Debian's wg on
// purpose, with what each does.
type sdDeliberate struct {
	args               []string
	theirErr, theirReq string
	ourErr, ourReq     string
	theirCode, ourCode int
}

// TestSetDiffDeliberate pins down where we differ from Debian's wg on
// purpose: ports are checked strictly instead of wrapping around modulo
// 65536 as glibc does, and allowed-ips take the "+" and "-" signs of
// wireguard-tools v1.0.20250521.
func TestSetDiffDeliberate(t *testing.T) {
	r := newSDRunner(t)
	pub1 := sdKey(t, tPub1).Hex()
	noService := eaiService.String()
	cases := []sdDeliberate{
		{args: []string{"listen-port", "65536"}, theirReq: "set=1\nlisten_port=0\n\n",
			ourErr: noService + ": `65536'\n", ourCode: 1},
		{args: []string{"listen-port", "65537"}, theirReq: "set=1\nlisten_port=1\n\n",
			ourErr: noService + ": `65537'\n", ourCode: 1},
		{args: []string{"peer", tPub1, "endpoint", "192.0.2.1:65536"}, theirReq: "set=1\npublic_key=" + pub1 + "\nendpoint=192.0.2.1:0\n\n",
			ourErr: noService + ": `192.0.2.1:65536'\n", ourCode: 1},
		{args: []string{"peer", tPub1, "allowed-ips", "+10.0.0.1,-fd00::/8"},
			theirErr: "Unable to parse IP address: `+10.0.0.1'\n", theirCode: 1,
			ourReq: "set=1\npublic_key=" + pub1 + "\nallowed_ip=10.0.0.1/32\nallowed_ip=-fd00::/8\n\n"},
		{args: []string{"peer", tPub1, "allowed-ips", "10.1.0.0/16", "allowed-ips", "-10.1.2.0/24"},
			theirErr: "Unable to parse IP address: `-10.1.2.0'\n", theirCode: 1,
			ourReq: "set=1\npublic_key=" + pub1 + "\nallowed_ip=10.1.0.0/16\nallowed_ip=-10.1.2.0/24\n\n"},
	}
	for _, tc := range cases {
		c := sdCase{args: append([]string{"set", "{if}"}, tc.args...)}
		for _, side := range []struct {
			bin, errText, req string
			code              int
		}{{r.theirs, tc.theirErr, tc.theirReq, tc.theirCode}, {r.ours, tc.ourErr, tc.ourReq, tc.ourCode}} {
			res := r.run(t, side.bin, c)
			var reqs []string
			if side.req != "" {
				reqs = []string{side.req}
			}
			if res.stderr != side.errText || res.code != side.code || res.stdout != "" || !slices.Equal(res.requests, reqs) {
				t.Errorf("%s %q: %q %d %q, want %q %d %q", side.bin, tc.args, res.stderr, res.code, res.requests, side.errText, side.code, reqs)
			}
		}
		sdInvocations.Add(1)
	}
}

// TestKeysDiff compares pubkey on many inputs and the argument handling
// of genkey, genpsk and pubkey.
func TestKeysDiff(t *testing.T) {
	r := newSDRunner(t)
	var cases []sdCase
	for _, in := range []string{tPriv1 + "\n", tPriv1, tPriv1 + "\n\x00 \t\v\f\r\n\x00", " " + tPriv1, "abc", "",
		tPriv1[:43] + "!", tPriv1 + "x", tPriv1 + "\n \nx", tPriv1 + "\xff", tPriv1[:43] + "\n",
		"eGxT/yY17fsgBqk1MInZtXdfAugimXv3ySs8yHgESAB=", "9dzEIWQvCrVPSRLcfcejGY-cehsZwNGR3WKSi0kYdBY=",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "/////////////////////////////////////////w8=", tPub1 + "\n", tPSK} {
		cases = append(cases, sdCase{args: []string{"pubkey"}, stdin: in})
	}
	for _, cmd := range []string{"genkey", "genpsk", "pubkey"} {
		cases = append(cases, sdCase{args: []string{cmd, "x"}}, sdCase{args: []string{cmd, "--help"}})
	}
	r.runCases(t, cases)
}

// TestGenkeyDiff compares genkey and genpsk: their output format, and the
// warning when standard output is a file others may read.
func TestGenkeyDiff(t *testing.T) {
	r := newSDRunner(t)
	for _, cmd := range []string{"genkey", "genpsk"} {
		for _, mode := range []os.FileMode{0o600, 0o640, 0o644, 0o601} {
			want := sdRunToFile(t, r.theirs, cmd, mode)
			got := sdRunToFile(t, r.ours, cmd, mode)
			sdInvocations.Add(1)
			if got.stderr != want.stderr || got.code != want.code {
				t.Errorf("%s to a %o file: %q %d, want %q %d", cmd, mode, got.stderr, got.code, want.stderr, want.code)
			}
			for _, res := range []sdResult{want, got} {
				if k, err := ifwg.ParseKey(strings.TrimSuffix(res.stdout, "\n")); err != nil || len(res.stdout) != 45 {
					t.Errorf("%s wrote %q", cmd, res.stdout)
				} else if cmd == "genkey" && k.Clamped() != k {
					t.Errorf("genkey wrote unclamped %q", res.stdout)
				}
			}
		}
	}
	t.Logf("%d invocations compared with Debian's wg in this process", sdInvocations.Load())
}

// sdRunToFile runs a key generator with standard output going to a new
// file of the given mode, and returns what it wrote there.
func sdRunToFile(t *testing.T, bin, cmd string, mode os.FileMode) sdResult {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	var errb strings.Builder
	c := &exec.Cmd{Path: bin, Args: []string{"wg", cmd}, Stdout: f, Stderr: &errb, Env: cleanEnv()}
	code := 0
	if err := c.Run(); err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	out, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sdResult{stdout: string(out), stderr: errb.String(), code: code}
}
