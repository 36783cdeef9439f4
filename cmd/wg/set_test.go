// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
)

// setArgsCase is a `wg set` command line (after the interface name) and
// the request it becomes, or its error.
type setArgsCase struct {
	name  string
	words []string
	want  string // UAPI text without "set=1\n" and the final "\n"
	err   string
	warn  string
	stdin string
}

// keyFile names a key file of testdata/set.
func keyFile(name string) string { return "testdata/set/" + name }

var setArgsCases = []setArgsCase{
	{name: "listen-port", words: []string{"listen-port", "51820"}, want: "listen_port=51820\n"},
	{name: "listen-port 0", words: []string{"listen-port", "0"}, want: "listen_port=0\n"},
	{name: "listen-port leading space", words: []string{"listen-port", " +5"}, want: "listen_port=5\n"},
	{name: "listen-port service", words: []string{"listen-port", "domain"}, want: "listen_port=53\n"},
	{name: "listen-port trailing space", words: []string{"listen-port", "5 "}, err: "Servname not supported for ai_socktype: `5 '"},
	{name: "listen-port 65536", words: []string{"listen-port", "65536"}, err: "Servname not supported for ai_socktype: `65536'"},
	{name: "listen-port 65537", words: []string{"listen-port", "65537"}, err: "Servname not supported for ai_socktype: `65537'"},
	{name: "listen-port -1", words: []string{"listen-port", "-1"}, err: "Servname not supported for ai_socktype: `-1'"},
	{name: "listen-port 0x10000", words: []string{"listen-port", "0x10000"}, err: "Servname not supported for ai_socktype: `0x10000'"},
	{name: "listen-port broken service", words: []string{"listen-port", "broken"}, err: "Servname not supported for ai_socktype: `broken'"},
	{name: "listen-port empty", words: []string{"listen-port", ""}, err: "Unable to parse empty port"},
	{name: "fwmark hex", words: []string{"fwmark", "0x10"}, want: "fwmark=16\n"},
	{name: "fwmark off", words: []string{"fwmark", "oFf"}, want: "fwmark=0\n"},
	{name: "fwmark repeated", words: []string{"fwmark", "0x10", "fwmark", "7"}, want: "fwmark=7\n"},
	{name: "fwmark space", words: []string{"fwmark", "0x 1"}, err: "Fwmark is neither 0/off nor 0-0xffffffff: `0x 1'"},
	{name: "fwmark empty", words: []string{"fwmark", ""}, err: "Fwmark is neither 0/off nor 0-0xffffffff: `'"},
	{name: "private-key", words: []string{"private-key", keyFile("priv1.key")}, want: "private_key={priv1.hex}\n"},
	{name: "private-key no newline", words: []string{"private-key", keyFile("no-newline.key")}, want: "private_key={priv1.hex}\n"},
	{name: "private-key trailing space", words: []string{"private-key", keyFile("trailing-space.key")}, want: "private_key={priv1.hex}\n"},
	{name: "private-key crlf", words: []string{"private-key", keyFile("crlf.key")}, want: "private_key={priv1.hex}\n"},
	{name: "private-key empty file", words: []string{"private-key", keyFile("empty.key")}, want: "private_key=" + zeroHex + "\n"},
	{name: "private-key stdin", words: []string{"private-key", "/dev/stdin"}, stdin: tPriv1 + "\n", want: "private_key={priv1.hex}\n"},
	{name: "private-key empty stdin file", words: []string{"private-key", "/dev/stdin"}, want: "private_key=" + zeroHex + "\n"},
	{name: "private-key empty stdin pipe", words: []string{"private-key", "/dev/stdin"}, stdin: "pipe:", err: "Invalid length key in key file"},
	{name: "private-key missing", words: []string{"private-key", keyFile("missing.key")}, err: "fopen: No such file or directory"},
	{name: "private-key directory", words: []string{"private-key", "testdata"}, err: "Invalid length key in key file"},
	{name: "private-key short", words: []string{"private-key", keyFile("short.key")}, err: "Invalid length key in key file"},
	{name: "private-key NUL", words: []string{"private-key", keyFile("nul.key")}, err: "Invalid length key in key file"},
	{name: "private-key trailing NUL", words: []string{"private-key", keyFile("trailing-nul.key")}, err: "Found trailing character in key file: `\x00'"},
	{name: "private-key trailing char", words: []string{"private-key", keyFile("trailing-char.key")}, err: "Found trailing character in key file: `x'"},
	{name: "private-key trailing high byte", words: []string{"private-key", keyFile("high-byte.key")}, err: "Found trailing character in key file: `\xff'"},
	{name: "private-key char after space", words: []string{"private-key", keyFile("trailing-after-space.key")}, err: "Found trailing character in key file: `x'"},
	{name: "private-key leading space", words: []string{"private-key", keyFile("leading-space.key")}, err: "Found trailing character in key file: `='"},
	{name: "private-key 43 chars", words: []string{"private-key", keyFile("43-chars.key")}, err: "Key is not the correct length or format: `" + tPriv1[:43] + "\n'"},
	{name: "private-key bad base64", words: []string{"private-key", keyFile("bad-base64.key")}, err: "Key is not the correct length or format: `!" + tPriv1[1:] + "'"},
	{name: "peer alone", words: []string{"peer", "{pub1}"}, want: "public_key={pub1.hex}\n"},
	{name: "peer twice", words: []string{"peer", "{pub1}", "peer", "{pub1}"}, want: "public_key={pub1.hex}\npublic_key={pub1.hex}\n"},
	{name: "peer remove", words: []string{"peer", "{pub1}", "remove"}, want: "public_key={pub1.hex}\nremove=true\n"},
	{name: "peer remove then options", words: []string{"peer", "{pub1}", "remove", "endpoint", "1.2.3.4:5", "allowed-ips", "10.0.0.0/8"},
		want: "public_key={pub1.hex}\nremove=true\n"},
	{name: "peer remove validates options", words: []string{"peer", "{pub1}", "remove", "allowed-ips", "1.2.3.4/1x"},
		err: "AllowedIP is not in the correct format: `1.2.3.4/1x'"},
	{name: "peer full", words: []string{"listen-port", "1", "fwmark", "2", "private-key", keyFile("priv1.key"), "peer", "{pub1}",
		"preshared-key", keyFile("psk.key"), "endpoint", "[::1]:5", "persistent-keepalive", "25", "allowed-ips", "10.0.0.0/8, fd00::/64",
		"peer", "{pub2}", "remove", "peer", "{pub3}", "allowed-ips", ""},
		want: "private_key={priv1.hex}\nlisten_port=1\nfwmark=2\npublic_key={pub1.hex}\npreshared_key={psk.hex}\nendpoint=[::1]:5\n" +
			"persistent_keepalive_interval=25\nreplace_allowed_ips=true\nallowed_ip=10.0.0.0/8\nallowed_ip=fd00::/64\n" +
			"public_key={pub2.hex}\nremove=true\npublic_key={pub3.hex}\nreplace_allowed_ips=true\n"},
	{name: "later values win", words: []string{"peer", "{pub1}", "endpoint", "1.2.3.4:5", "persistent-keepalive", "25",
		"endpoint", "2.2.2.2:3", "persistent-keepalive", "off"},
		want: "public_key={pub1.hex}\nendpoint=2.2.2.2:3\npersistent_keepalive_interval=0\n"},
	{name: "preshared-key remove", words: []string{"peer", "{pub1}", "preshared-key", "/dev/null"},
		want: "public_key={pub1.hex}\npreshared_key=" + zeroHex + "\n"},
	{name: "keepalive 0", words: []string{"peer", "{pub1}", "persistent-keepalive", "0"}, want: "public_key={pub1.hex}\npersistent_keepalive_interval=0\n"},
	{name: "keepalive max", words: []string{"peer", "{pub1}", "persistent-keepalive", "65535"}, want: "public_key={pub1.hex}\npersistent_keepalive_interval=65535\n"},
	{name: "keepalive leading zero", words: []string{"peer", "{pub1}", "persistent-keepalive", "025"}, want: "public_key={pub1.hex}\npersistent_keepalive_interval=25\n"},
	{name: "keepalive 65536", words: []string{"peer", "{pub1}", "persistent-keepalive", "65536"},
		err: "Persistent keepalive interval is neither 0/off nor 1-65535: `65536'"},
	{name: "keepalive space", words: []string{"peer", "{pub1}", "persistent-keepalive", " 1"},
		err: "Persistent keepalive interval is neither 0/off nor 1-65535: ` 1'"},
	{name: "allowed-ips list", words: []string{"peer", "{pub1}", "allowed-ips", "10.0.0.1/24, 10.0.0.2 ,fd00::1/64,10.1.1.1"},
		want: "public_key={pub1.hex}\nreplace_allowed_ips=true\nallowed_ip=10.0.0.1/24\nallowed_ip=10.0.0.2/32\nallowed_ip=fd00::1/64\nallowed_ip=10.1.1.1/32\n",
		warn: "Warning: AllowedIP has nonzero host part: 10.0.0.1/24\nWarning: AllowedIP has nonzero host part: fd00::1/64\n"},
	{name: "allowed-ips accumulate", words: []string{"peer", "{pub1}", "allowed-ips", "::/0", "allowed-ips", "10.0.0.0/8", "allowed-ips", ""},
		want: "public_key={pub1.hex}\nreplace_allowed_ips=true\nallowed_ip=::/0\nallowed_ip=10.0.0.0/8\n"},
	{name: "allowed-ips duplicates", words: []string{"peer", "{pub1}", "allowed-ips", "10.0.0.0/8,10.0.0.0/8"},
		want: "public_key={pub1.hex}\nreplace_allowed_ips=true\nallowed_ip=10.0.0.0/8\nallowed_ip=10.0.0.0/8\n"},
	{name: "allowed-ips only spaces", words: []string{"peer", "{pub1}", "allowed-ips", " \t "}, want: "public_key={pub1.hex}\nreplace_allowed_ips=true\n"},
	{name: "allowed-ips plus", words: []string{"peer", "{pub1}", "allowed-ips", "+10.0.0.1"}, want: "public_key={pub1.hex}\nallowed_ip=10.0.0.1/32\n"},
	{name: "allowed-ips minus", words: []string{"peer", "{pub1}", "allowed-ips", "-10.0.0.0/8, - fd00::/8"},
		want: "public_key={pub1.hex}\nallowed_ip=-10.0.0.0/8\nallowed_ip=-fd00::/8\n"},
	{name: "allowed-ips mixed", words: []string{"peer", "{pub1}", "allowed-ips", "10.1.0.0/16", "allowed-ips", "-10.2.0.0/16", "allowed-ips", "10.3.0.0/16"},
		want: "public_key={pub1.hex}\nallowed_ip=10.1.0.0/16\nallowed_ip=-10.2.0.0/16\nallowed_ip=10.3.0.0/16\n"},
	{name: "allowed-ips sign per peer", words: []string{"peer", "{pub1}", "allowed-ips", "+10.1.0.0/16", "peer", "{pub2}", "allowed-ips", "10.3.0.0/16"},
		want: "public_key={pub1.hex}\nallowed_ip=10.1.0.0/16\npublic_key={pub2.hex}\nreplace_allowed_ips=true\nallowed_ip=10.3.0.0/16\n"},
	{name: "allowed-ips host bits with sign", words: []string{"peer", "{pub1}", "allowed-ips", "+10.0.0.1/8"},
		want: "public_key={pub1.hex}\nallowed_ip=10.0.0.1/8\n", warn: "Warning: AllowedIP has nonzero host part: 10.0.0.1/8\n"},
	{name: "allowed-ips comma", words: []string{"peer", "{pub1}", "allowed-ips", ","}, err: "Unable to parse IP address: `'"},
	{name: "allowed-ips trailing space in cidr", words: []string{"peer", "{pub1}", "allowed-ips", "1.2.3.4/ "},
		err: "AllowedIP is not in the correct format: `1.2.3.4/'"},
	{name: "endpoint localhost", words: []string{"peer", "{pub1}", "endpoint", "localhost:5"}, want: "public_key={pub1.hex}\nendpoint=127.0.0.1:5\n"},
	{name: "endpoint port with space", words: []string{"peer", "{pub1}", "endpoint", "1.2.3.4: 5"}, want: "public_key={pub1.hex}\nendpoint=1.2.3.4:5\n"},
	{name: "endpoint inet_aton", words: []string{"peer", "{pub1}", "endpoint", "0X7f000001:5"}, want: "public_key={pub1.hex}\nendpoint=127.0.0.1:5\n"},
	{name: "endpoint empty", words: []string{"peer", "{pub1}", "endpoint", ""}, err: "Unable to parse empty endpoint"},
	{name: "endpoint bad port", words: []string{"peer", "{pub1}", "endpoint", "1.2.3.4:abc"}, err: "Servname not supported for ai_socktype: `1.2.3.4:abc'"},
	{name: "endpoint host with space", words: []string{"peer", "{pub1}", "endpoint", " 1.2.3.4:5"}, err: "Name or service not known: ` 1.2.3.4:5'"},
	{name: "bad peer key", words: []string{"peer", "badkey"}, err: "Key is not the correct length or format: `badkey'"},
	{name: "peer key is a keyword", words: []string{"peer", "listen-port"}, err: "Key is not the correct length or format: `listen-port'"},
	{name: "unknown keyword", words: []string{"foo"}, err: "Invalid argument: foo"},
	{name: "keyword case", words: []string{"peer", "{pub1}", "Remove"}, err: "Invalid argument: Remove"},
	{name: "missing value", words: []string{"listen-port"}, err: "Invalid argument: listen-port"},
	{name: "missing peer value", words: []string{"peer"}, err: "Invalid argument: peer"},
	{name: "missing endpoint value", words: []string{"peer", "{pub1}", "endpoint"}, err: "Invalid argument: endpoint"},
	{name: "listen-port after peer", words: []string{"peer", "{pub1}", "listen-port", "1"}, err: "Invalid argument: listen-port"},
	{name: "private-key after peer", words: []string{"peer", "{pub1}", "private-key", "/dev/null"}, err: "Invalid argument: private-key"},
	{name: "remove before peer", words: []string{"remove"}, err: "Invalid argument: remove"},
	{name: "endpoint before peer", words: []string{"endpoint", "1.2.3.4:5"}, err: "Invalid argument: endpoint"},
	{name: "first error wins", words: []string{"listen-port", "abc", "fwmark", "zzz"}, err: "Servname not supported for ai_socktype: `abc'"},
	{name: "error after good values", words: []string{"listen-port", "1", "bogus"}, err: "Invalid argument: bogus"},
}

// TestParseSetArgs checks what each `wg set` command line becomes, or the
// exact error text wg(8) prints for it.
func TestParseSetArgs(t *testing.T) {
	for _, tc := range setArgsCases {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTestResolver(map[string]string{"WG_ENDPOINT_RESOLUTION_RETRIES": "0"})
			words := make([]string, len(tc.words))
			for i, w := range tc.words {
				words[i] = expand(w)
			}
			var stdin io.Reader = strings.NewReader(tc.stdin)
			if rest, ok := strings.CutPrefix(tc.stdin, "pipe:"); ok {
				stdin = io.MultiReader(strings.NewReader(rest))
			}
			e := &env{stdin: stdin}
			cfg, err := parseSetArgs(words, tr.resolver, e.openFile)
			checkParsed(t, tr, cfg, err, tc.err, tc.want, tc.warn)
		})
	}
}

// TestEndpointRetries checks the retry policy: temporary failures are
// retried as often as WG_ENDPOINT_RESOLUTION_RETRIES says, waiting 1 s
// and 1.2 times longer each time up to 20 s, with a message before each
// wait; permanent ones fail at once.
func TestEndpointRetries(t *testing.T) {
	tr := newTestResolver(map[string]string{"WG_ENDPOINT_RESOLUTION_RETRIES": "20"})
	_, err := tr.parseEndpoint("tempfail:5")
	if want := "Temporary failure in name resolution: `tempfail:5'"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	wantWaits := []string{"1.00", "1.20", "1.44", "1.73", "2.07", "2.49", "2.99", "3.58", "4.30", "5.16", "6.19",
		"7.43", "8.92", "10.70", "12.84", "15.41", "18.49", "20.00", "20.00", "20.00"}
	var wantMsgs strings.Builder
	for _, w := range wantWaits {
		wantMsgs.WriteString("Temporary failure in name resolution: `tempfail:5'. Trying again in " + w + " seconds...\n")
	}
	if got := tr.warn.String(); got != wantMsgs.String() {
		t.Errorf("messages\n%s\nwant\n%s", got, wantMsgs.String())
	}
	if len(tr.sleeps) != 20 || tr.sleeps[0] != time.Second || tr.sleeps[1] != 1200*time.Millisecond ||
		tr.sleeps[7] != 3583180*time.Microsecond || tr.sleeps[19] != 20*time.Second {
		t.Errorf("sleeps %v", tr.sleeps)
	}
	if tr.lookups != 21 {
		t.Errorf("%d lookups, want 21", tr.lookups)
	}
}

// TestEndpointRetriesUnsetOrEmpty checks that an unset variable means the
// default of 15 retries and an empty one means none, as strtol(3) reads "".
func TestEndpointRetriesUnsetOrEmpty(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		lookups int
	}{
		{map[string]string{}, 16},
		{map[string]string{"WG_ENDPOINT_RESOLUTION_RETRIES": ""}, 1},
	} {
		tr := newTestResolver(tc.env)
		if _, err := tr.parseEndpoint("tempfail:5"); err == nil {
			t.Fatal("unresolvable endpoint accepted")
		}
		if tr.lookups != tc.lookups {
			t.Errorf("env %v: %d lookups, want %d", tc.env, tr.lookups, tc.lookups)
		}
	}
}

// TestEndpointRetryKinds checks which failures are retried.
func TestEndpointRetryKinds(t *testing.T) {
	cases := []struct {
		endpoint string
		retried  bool
		err      string
	}{
		{"nowhere:5", false, "Name or service not known: `nowhere:5'"},
		{"servfail:5", false, "Non-recoverable failure in name resolution: `servfail:5'"},
		{"timeout:5", true, "Temporary failure in name resolution: `timeout:5'"},
		{"1.2.3.4:abc", true, "Servname not supported for ai_socktype: `1.2.3.4:abc'"},
		{"1.2.3.4:65536", true, "Servname not supported for ai_socktype: `1.2.3.4:65536'"},
		{"[fe80::1%bogus]:5", false, "Name or service not known: `[fe80::1%bogus]:5'"},
	}
	for _, tc := range cases {
		tr := newTestResolver(map[string]string{"WG_ENDPOINT_RESOLUTION_RETRIES": "2"})
		_, err := tr.parseEndpoint(tc.endpoint)
		if want := expand(tc.err); err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %q", tc.endpoint, err, want)
		}
		if got := len(tr.sleeps) == 2; got != tc.retried {
			t.Errorf("%s: %d retries", tc.endpoint, len(tr.sleeps))
		}
	}
}

// TestEndpointRetriesForever checks "infinity": it retries until the name
// resolves.
func TestEndpointRetriesForever(t *testing.T) {
	tr := newTestResolver(map[string]string{"WG_ENDPOINT_RESOLUTION_RETRIES": "infinity"})
	calls := 0
	tr.resolver.lookupHost = func(host string) ([]net.IPAddr, error) {
		if calls++; calls < 40 {
			return nil, &net.DNSError{Err: "try again", IsTemporary: true}
		}
		return []net.IPAddr{{IP: net.ParseIP("192.0.2.7")}}, nil
	}
	ep, err := tr.parseEndpoint("later:9")
	if err != nil || ep.String() != "192.0.2.7:9" || len(tr.sleeps) != 39 {
		t.Errorf("got %v, %v after %d sleeps", ep, err, len(tr.sleeps))
	}
}

// TestRetriesVariable checks how WG_ENDPOINT_RESOLUTION_RETRIES is read:
// as strtol would, whole, 0 to INT_MAX, or "infinity".
func TestRetriesVariable(t *testing.T) {
	good := map[string]int{"": 0, "0": 0, "3": 3, "+2": 2, " 3": 3, "010": 10, "-0": 0,
		"2147483647": 2147483647, "infinity": -1}
	for v, want := range good {
		tr := newTestResolver(map[string]string{"WG_ENDPOINT_RESOLUTION_RETRIES": v})
		if got, err := tr.retries(); err != nil || got != want {
			t.Errorf("retries(%q) = %d, %v; want %d", v, got, err, want)
		}
	}
	for _, v := range []string{"x", "-1", "INFINITY", "infinity ", "1 ", " ", "0x3", "2147483648", "99999999999999999999", "+", "3x"} {
		tr := newTestResolver(map[string]string{"WG_ENDPOINT_RESOLUTION_RETRIES": v})
		_, err := tr.retries()
		if want := "Unable to parse WG_ENDPOINT_RESOLUTION_RETRIES: `" + v + "'"; err == nil || err.Error() != want {
			t.Errorf("retries(%q): error %v, want %q", v, err, want)
		}
	}
	// The variable is read before the endpoint itself is looked at.
	tr := newTestResolver(map[string]string{"WG_ENDPOINT_RESOLUTION_RETRIES": "x"})
	if _, err := tr.parseEndpoint(""); err == nil || !strings.HasPrefix(err.Error(), "Unable to parse WG_") {
		t.Errorf("empty endpoint with a bad variable: %v", err)
	}
}

// TestInetAton checks the IPv4 forms getaddrinfo accepts as numeric.
func TestInetAton(t *testing.T) {
	good := map[string]string{"127.1": "127.0.0.1", "0x7f.1": "127.0.0.1", "07": "0.0.0.7", "1.0xffffff": "1.255.255.255",
		"4294967295": "255.255.255.255", "0X7f000001": "127.0.0.1", "00000000000000000000000001": "0.0.0.1",
		"0x000000000000000000001": "0.0.0.1", "1.2.3.4": "1.2.3.4", "1.2.65535": "1.2.255.255", "0": "0.0.0.0", "010.0.0.1": "8.0.0.1"}
	for in, want := range good {
		if a, ok := parseInetAton(in); !ok || a.String() != want {
			t.Errorf("parseInetAton(%q) = %v, %v; want %s", in, a, ok, want)
		}
	}
	for _, in := range []string{"", "0x", "08", "256.1", "1.16777216", "4294967296", "0xFFFFFFFFF", "1..2", "1.2.3.4.",
		"1.2.3.4 ", " 1.2.3.4", "1.2.3.4.5", "1.2.3.256", "a.b.c.d", "1.2.3.-4", "+1.2.3.4", "1.2.3.0x"} {
		if a, ok := parseInetAton(in); ok {
			t.Errorf("parseInetAton(%q) = %v, want failure", in, a)
		}
	}
}

// confRecorder is a Backend that records what it is asked to change.
type confRecorder struct {
	dev    *ifwg.Device
	getErr error
	setErr error
	names  []string
	sets   []*ifwg.Config
	gets   int
}

// Interfaces lists nothing.
func (r *confRecorder) Interfaces() ([]string, error) { return nil, nil }

// Device returns the scripted device.
func (r *confRecorder) Device(name string) (*ifwg.Device, error) {
	r.gets++
	if r.getErr != nil {
		return nil, r.getErr
	}
	return r.dev, nil
}

// ConfigureDevice records the request.
func (r *confRecorder) ConfigureDevice(name string, cfg *ifwg.Config) error {
	r.names = append(r.names, name)
	r.sets = append(r.sets, cfg)
	return r.setErr
}

// runConfCmd runs a subcommand in process with the given standard input
// and environment variables against b.
func runConfCmd(cmd subcommand, b ifwg.Backend, stdin string, vars map[string]string, args ...string) (stdout, stderr string, code int) {
	e, out, errb := testEnv(b, 0, vars)
	e.stdin = strings.NewReader(stdin)
	return runInEnv(e, out, errb, cmd, args...)
}

// TestCmdSet checks `wg set` as a whole: usage, errors, the name passed
// on whole (ifwg refuses one too long for the kernel rather than cut it)
// and the transport's errno.
func TestCmdSet(t *testing.T) {
	usage := "Usage: wg set " + setUsage + "\n"
	for _, args := range [][]string{{"set"}, {"set", "wg0"}, {"set", "--help"}} {
		rec := &confRecorder{}
		if out, errOut, code := runConfCmd(cmdSet, rec, "", nil, args...); out != "" || errOut != usage || code != 1 || len(rec.sets) != 0 {
			t.Errorf("%q: %q %q %d", args, out, errOut, code)
		}
	}
	rec := &confRecorder{}
	_, errOut, code := runConfCmd(cmdSet, rec, "", nil, "set", "abcdefghijklmnopqrstu", "listen-port", "7")
	if errOut != "" || code != 0 || len(rec.sets) != 1 || rec.names[0] != "abcdefghijklmnopqrstu" {
		t.Fatalf("%q %d %q", errOut, code, rec.names)
	}
	if got := uapiText(t, rec.sets[0]); got != "set=1\nlisten_port=7\n\n" {
		t.Errorf("request %q", got)
	}
	rec = &confRecorder{}
	_, errOut, code = runConfCmd(cmdSet, rec, "", nil, "set", "wg0", "listen-port", "7", "fwmark", "x")
	if errOut != "Fwmark is neither 0/off nor 0-0xffffffff: `x'\n" || code != 1 || len(rec.sets) != 0 {
		t.Errorf("bad fwmark: %q %d, %d requests", errOut, code, len(rec.sets))
	}
	rec = &confRecorder{setErr: &ifwg.Errno{Op: "set", Errno: syscall.EADDRINUSE}}
	_, errOut, code = runConfCmd(cmdSet, rec, "", nil, "set", "wg0", "listen-port", "7")
	if errOut != "Unable to modify interface: Address already in use\n" || code != 1 {
		t.Errorf("daemon error: %q %d", errOut, code)
	}
	_, errOut, code = runConfCmd(cmdSet, nil, "", nil, "set", "wg0", "listen-port", "7")
	if errOut != "Unable to modify interface: Protocol not supported\n" || code != 1 {
		t.Errorf("no backend: %q %d", errOut, code)
	}
	_, errOut, code = runConfCmd(cmdSet, &confRecorder{}, "", map[string]string{"WG_ENDPOINT_RESOLUTION_RETRIES": "x"},
		"set", "wg0", "peer", tPub1, "endpoint", "1.2.3.4:5")
	if errOut != "Unable to parse WG_ENDPOINT_RESOLUTION_RETRIES: `x'\n" || code != 1 {
		t.Errorf("bad retries: %q %d", errOut, code)
	}
}

// TestCmdConfUsage checks the argument count of setconf, addconf and
// syncconf.
func TestCmdConfUsage(t *testing.T) {
	cmds := map[string]subcommand{"setconf": cmdSetconf, "addconf": cmdAddconf, "syncconf": cmdSyncconf}
	for name, cmd := range cmds {
		for _, rest := range [][]string{nil, {"wg0"}, {"wg0", "f", "g"}, {"--help"}} {
			_, errOut, code := runConfCmd(cmd, &confRecorder{}, "", nil, append([]string{name}, rest...)...)
			if want := "Usage: wg " + name + " <interface> <configuration filename>\n"; errOut != want || code != 1 {
				t.Errorf("%s %q: %q %d", name, rest, errOut, code)
			}
		}
	}
}

// writeTestConf writes a configuration file for a test and returns its path.
func writeTestConf(t *testing.T, text string) string {
	t.Helper()
	path := t.TempDir() + "/wg.conf"
	if err := os.WriteFile(path, []byte(expand(text)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCmdSetconfAddconf checks what setconf and addconf send for one file
// and how they report its problems.
func TestCmdSetconfAddconf(t *testing.T) {
	path := writeTestConf(t, "[Interface]\nListenPort=5\n[Peer]\nPublicKey={pub1}\nAllowedIPs=10.0.0.0/8\n")
	peer := "public_key={pub1.hex}\nreplace_allowed_ips=true\nallowed_ip=10.0.0.0/8\n"
	for cmd, want := range map[string]string{
		"setconf": "private_key=" + zeroHex + "\nlisten_port=5\nfwmark=0\nreplace_peers=true\n" + peer,
		"addconf": "listen_port=5\n" + peer,
	} {
		rec := &confRecorder{}
		f := map[string]subcommand{"setconf": cmdSetconf, "addconf": cmdAddconf}[cmd]
		_, errOut, code := runConfCmd(f, rec, "", nil, cmd, "wg0", path)
		if errOut != "" || code != 0 || len(rec.sets) != 1 || rec.gets != 0 {
			t.Fatalf("%s: %q %d", cmd, errOut, code)
		}
		if got := uapiText(t, rec.sets[0]); got != "set=1\n"+expand(want)+"\n" {
			t.Errorf("%s request\n%s", cmd, got)
		}
	}
	cases := map[string]string{
		"[Interface]\nFoo=1\n":         "Line unrecognized: `Foo=1'\nConfiguration parsing error\n",
		"[Peer]\nAllowedIPs=1.2.3.4\n": "A peer is missing a public key\nInvalid configuration\n",
	}
	for text, want := range cases {
		rec := &confRecorder{}
		_, errOut, code := runConfCmd(cmdSetconf, rec, "", nil, "setconf", "wg0", writeTestConf(t, text))
		if errOut != want || code != 1 || len(rec.sets) != 0 {
			t.Errorf("%q: %q %d", text, errOut, code)
		}
	}
	_, errOut, code := runConfCmd(cmdSetconf, &confRecorder{}, "", nil, "setconf", "wg0", "testdata/set/missing.conf")
	if errOut != "fopen: No such file or directory\n" || code != 1 {
		t.Errorf("missing file: %q %d", errOut, code)
	}
	rec := &confRecorder{}
	_, errOut, code = runConfCmd(cmdAddconf, rec, "[Interface]\nFwMark=3\n", nil, "addconf", "wg0", "/dev/stdin")
	if errOut != "" || code != 0 || uapiText(t, rec.sets[0]) != "set=1\nfwmark=3\n\n" {
		t.Errorf("stdin: %q %d", errOut, code)
	}
	rec = &confRecorder{}
	_, errOut, code = runConfCmd(cmdSetconf, rec, "", nil, "setconf", "wg0", "testdata")
	if errOut != "" || code != 0 || uapiText(t, rec.sets[0]) != "set=1\nprivate_key="+zeroHex+"\nlisten_port=0\nfwmark=0\nreplace_peers=true\n\n" {
		t.Errorf("directory: %q %d", errOut, code)
	}
}

// syncDevice is a running interface with four peers: pub1 with a
// preshared key and a keepalive, pub2 with neither, and two that no file
// mentions.
func syncDevice() *ifwg.Device {
	priv, _ := ifwg.ParseKey(tPriv1)
	psk, _ := ifwg.ParseKey(tPSK)
	pub1, _ := ifwg.ParseKey(tPub1)
	pub2, _ := ifwg.ParseKey(tPub2)
	low, high := ifwg.Key{0x01}, ifwg.Key{0xf0}
	return &ifwg.Device{PrivateKey: &priv, ListenPort: 51820, Peers: []ifwg.Peer{
		{PublicKey: low, PresharedKey: &ifwg.Key{}},
		{PublicKey: pub1, PresharedKey: &psk, PersistentKeepalive: 25},
		{PublicKey: high, PresharedKey: &psk, PersistentKeepalive: 5},
		{PublicKey: pub2, PresharedKey: &ifwg.Key{}},
	}}
}

// TestCmdSyncconf checks syncconf: a full replacement when the file or
// the interface has no peers, otherwise removals of the missing peers in
// descending key order and explicit clearing of a dropped preshared key or
// keepalive.
func TestCmdSyncconf(t *testing.T) {
	devPart := "private_key=" + zeroHex + "\nlisten_port=0\nfwmark=0\n"
	removals := "public_key=f000000000000000000000000000000000000000000000000000000000000000\nremove=true\n" +
		"public_key=0100000000000000000000000000000000000000000000000000000000000000\nremove=true\n"
	cases := []struct {
		name, text string
		dev        *ifwg.Device
		gets       int
		want       string
	}{
		{"file without peers", "[Interface]\nListenPort=3\n", syncDevice(), 0,
			"private_key=" + zeroHex + "\nlisten_port=3\nfwmark=0\nreplace_peers=true\n"},
		{"interface without peers", "[Peer]\nPublicKey={pub1}\n", &ifwg.Device{}, 1,
			devPart + "replace_peers=true\npublic_key={pub1.hex}\nreplace_allowed_ips=true\n"},
		{"dropped psk and keepalive", "[Peer]\nPublicKey={pub1}\n[Peer]\nPublicKey={pub2}\n", syncDevice(), 1,
			devPart + removals + "public_key={pub1.hex}\npreshared_key=" + zeroHex + "\npersistent_keepalive_interval=0\nreplace_allowed_ips=true\n" +
				"public_key={pub2.hex}\nreplace_allowed_ips=true\n"},
		{"kept psk and keepalive", "[Peer]\nPublicKey={pub1}\nPresharedKey={psk}\nPersistentKeepalive=25\nAllowedIPs=10.0.0.1/32\n", syncDevice(), 1,
			devPart + "public_key={pub2.hex}\nremove=true\n" + removals +
				"public_key={pub1.hex}\npreshared_key={psk.hex}\npersistent_keepalive_interval=25\nreplace_allowed_ips=true\nallowed_ip=10.0.0.1/32\n"},
		{"new peer", "[Interface]\nPrivateKey={priv1}\nListenPort=51820\n[Peer]\nPublicKey={pub3}\n", syncDevice(), 1,
			"private_key={priv1.hex}\nlisten_port=51820\nfwmark=0\n" +
				"public_key={pub2.hex}\nremove=true\n" +
				"public_key=f000000000000000000000000000000000000000000000000000000000000000\nremove=true\n" +
				"public_key={pub1.hex}\nremove=true\n" +
				"public_key=0100000000000000000000000000000000000000000000000000000000000000\nremove=true\n" +
				"public_key={pub3.hex}\nreplace_allowed_ips=true\n"},
	}
	for _, tc := range cases {
		rec := &confRecorder{dev: tc.dev}
		_, errOut, code := runConfCmd(cmdSyncconf, rec, "", nil, "syncconf", "wg0", writeTestConf(t, tc.text))
		if errOut != "" || code != 0 || len(rec.sets) != 1 || rec.gets != tc.gets {
			t.Fatalf("%s: %q %d, %d gets", tc.name, errOut, code, rec.gets)
		}
		if got, want := uapiText(t, rec.sets[0]), "set=1\n"+expand(tc.want)+"\n"; got != want {
			t.Errorf("%s: request\n%s\nwant\n%s", tc.name, got, want)
		}
	}
	rec := &confRecorder{getErr: &ifwg.Errno{Op: "get", Errno: syscall.ENXIO}}
	_, errOut, code := runConfCmd(cmdSyncconf, rec, "", nil, "syncconf", "wg0", writeTestConf(t, "[Peer]\nPublicKey={pub1}\n"))
	if want := "Unable to retrieve current interface configuration: " + strerror(syscall.ENXIO) + "\n"; errOut != want || code != 1 || len(rec.sets) != 0 {
		t.Errorf("get failure: %q %d", errOut, code)
	}
}

// TestRemovedPeersOrder checks that removals come in descending byte order
// of the keys, duplicates kept.
func TestRemovedPeersOrder(t *testing.T) {
	peers := []ifwg.Peer{{PublicKey: ifwg.Key{5}}, {PublicKey: ifwg.Key{0xff}}, {PublicKey: ifwg.Key{5}}, {PublicKey: ifwg.Key{0, 9}}, {PublicKey: ifwg.Key{7}}}
	got := removedPeers(peers, map[ifwg.Key]bool{{7}: true})
	var firsts []byte
	for _, p := range got {
		if !p.Remove {
			t.Errorf("not a removal: %v", p)
		}
		firsts = append(firsts, p.PublicKey[0])
	}
	if !slices.Equal(firsts, []byte{0xff, 5, 5, 0}) {
		t.Errorf("order %v", firsts)
	}
}

// TestKeyFileReadError checks that a read error after the key is reported
// as getc's.
func TestKeyFileReadError(t *testing.T) {
	open := func(string) (io.ReadCloser, error) {
		return io.NopCloser(io.MultiReader(strings.NewReader(tPriv1+"\n"), errnoReader{syscall.EIO})), nil
	}
	_, err := readKeyFile(open, "x")
	if want := "getc: Input/output error"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

// errnoReader fails every read with an errno.
type errnoReader struct{ errno syscall.Errno }

// Read fails.
func (r errnoReader) Read([]byte) (int, error) { return 0, r.errno }

// TestSortDestinations checks the order a hostname's addresses are tried
// in, as getaddrinfo sorts them (RFC 6724 with the C library's table).
func TestSortDestinations(t *testing.T) {
	// glibc's table puts unique local addresses before IPv4, RFC 6724's
	// (FreeBSD's) after.
	ulaOrV4 := "192.0.2.1"
	if runtime.GOOS == "linux" {
		ulaOrV4 = "fd00::1"
	}
	cases := []struct {
		name    string
		addrs   []string
		sources map[string]string
		want    string
	}{
		{"loopback both", []string{"127.0.0.1", "::1"}, map[string]string{"127.0.0.1": "127.0.0.1", "::1": "::1"}, "::1"},
		{"no IPv6 loopback", []string{"127.0.0.1", "::1"}, map[string]string{"127.0.0.1": "127.0.0.1"}, "127.0.0.1"},
		{"unreachable IPv6", []string{"2001:db8::1", "192.0.2.1"}, map[string]string{"192.0.2.1": "10.0.0.5"}, "192.0.2.1"},
		{"reachable IPv6", []string{"192.0.2.1", "2001:db8::1"}, map[string]string{"192.0.2.1": "10.0.0.5", "2001:db8::1": "2001:db8::5"}, "2001:db8::1"},
		{"ULA and IPv4", []string{"192.0.2.1", "fd00::1"}, map[string]string{"192.0.2.1": "10.0.0.5", "fd00::1": "fd00::5"}, ulaOrV4},
		{"matching scope", []string{"2001:db8::1", "fe80::1"}, map[string]string{"2001:db8::1": "fe80::5", "fe80::1": "fe80::5"}, "fe80::1"},
		{"longest prefix", []string{"2001:db8:1::1", "2001:db8:2::1"}, map[string]string{"2001:db8:1::1": "2001:db8:2::5", "2001:db8:2::1": "2001:db8:2::5"}, "2001:db8:2::1"},
		{"none reachable keeps order", []string{"2001:db8::1", "192.0.2.1"}, nil, "2001:db8::1"},
		{"equal keeps order", []string{"192.0.2.2", "192.0.2.1"}, map[string]string{"192.0.2.1": "10.0.0.5", "192.0.2.2": "10.0.0.5"}, "192.0.2.2"},
	}
	for _, tc := range cases {
		tr := newTestResolver(nil)
		tr.sources = tc.sources
		var addrs []net.IPAddr
		for _, a := range tc.addrs {
			addrs = append(addrs, net.IPAddr{IP: net.ParseIP(a)})
		}
		tr.sortDestinations(addrs)
		if got := addrs[0].IP.String(); got != tc.want {
			t.Errorf("%s: first %s, want %s", tc.name, got, tc.want)
		}
	}
}
