// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
)

// Fixed keys of the parser tests: a private key and its public key, two
// more public keys and a preshared key, in base64.
const (
	tPriv1 = "GBPPef2mipOIo3dVRYYWgwDryMxd9ZC6RTao9byelk4="
	tPub1  = "eGxT/yY17fsgBqk1MInZtXdfAugimXv3ySs8yHgESAA="
	tPub2  = "9dzEIWQvCrVPSRLcfcejGY+cehsZwNGR3WKSi0kYdBY="
	tPub3  = "TqXUGm8dKB7PC6hdwqOS4nEwJDdwLYRSEtIFPbgvsSI="
	tPSK   = "NlxBIENc1DVXnWbFlnHvR2jIercPFcdjcRQV1xdLkjo="
)

// zeroHex is the zero key on the UAPI wire.
const zeroHex = "0000000000000000000000000000000000000000000000000000000000000000"

// keyPlaceholders replaces {priv1}, {pub1}… with the base64 keys and
// {priv1.hex}, {pub1.hex}… with their UAPI hex form, and glibc's
// gai_strerror texts with the host's.
var keyPlaceholders = func() *strings.Replacer {
	var pairs []string
	for name, b64 := range map[string]string{"priv1": tPriv1, "pub1": tPub1, "pub2": tPub2, "pub3": tPub3, "psk": tPSK} {
		k, err := ifwg.ParseKey(b64)
		if err != nil {
			panic(err)
		}
		pairs = append(pairs, "{"+name+"}", b64, "{"+name+".hex}", hex.EncodeToString(k[:]))
	}
	pairs = append(pairs, "Name or service not known", eaiNoName.String(),
		"Servname not supported for ai_socktype", eaiService.String())
	return strings.NewReplacer(pairs...)
}()

// expand fills in key placeholders.
func expand(s string) string { return keyPlaceholders.Replace(s) }

// testResolver is a resolver that never leaves the process: localhost and
// v6host resolve, tempfail fails temporarily, every other name does not
// exist; "lo" is interface 1 and "em0" interface 2; routes lead only to
// the destinations in sources; services come from testdata/set/services;
// sleeps are recorded, not slept.
type testResolver struct {
	*resolver
	env map[string]string
	// sources maps a reachable destination to its source address.
	sources map[string]string
	sleeps  []time.Duration
	warn    bytes.Buffer
	// lookups counts hostname lookups.
	lookups int
}

// newTestResolver returns a testResolver reading env as its environment.
func newTestResolver(env map[string]string) *testResolver {
	tr := &testResolver{env: env, sources: map[string]string{"127.0.0.1": "127.0.0.1", "fe80::9": "fe80::1"}}
	tr.resolver = &resolver{
		lookupHost:     tr.fakeLookup,
		sourceFor:      tr.fakeSource,
		interfaceIndex: testInterfaceIndex,
		sleep:          func(d time.Duration) { tr.sleeps = append(tr.sleeps, d) },
		lookupEnv: func(k string) (string, bool) {
			v, ok := tr.env[k]
			return v, ok
		},
		services: "testdata/set/services",
		warn:     &tr.warn,
	}
	return tr
}

// fakeLookup is the fake hostname lookup.
func (tr *testResolver) fakeLookup(host string) ([]net.IPAddr, error) {
	tr.lookups++
	switch host {
	case "localhost":
		return []net.IPAddr{{IP: net.ParseIP("127.0.0.1")}, {IP: net.ParseIP("::1")}}, nil
	case "v6host":
		return []net.IPAddr{{IP: net.ParseIP("fe80::9"), Zone: "em0"}}, nil
	case "tempfail":
		return nil, &net.DNSError{Err: "server misbehaving", Name: host, IsTemporary: true}
	case "timeout":
		return nil, &net.DNSError{Err: "i/o timeout", Name: host, IsTimeout: true}
	case "servfail":
		return nil, &net.DNSError{Err: "refused", Name: host}
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// fakeSource is the fake route lookup.
func (tr *testResolver) fakeSource(dst net.IPAddr) (netip.Addr, bool) {
	src, ok := tr.sources[dst.IP.String()]
	if !ok {
		return netip.Addr{}, false
	}
	return netip.MustParseAddr(src), true
}

// testInterfaceIndex knows two interfaces.
func testInterfaceIndex(name string) (int, error) {
	switch name {
	case "lo":
		return 1, nil
	case "em0":
		return 2, nil
	}
	return 0, errors.New("no such network interface")
}

// uapiText returns cfg as the UAPI set request it becomes.
func uapiText(t *testing.T, cfg *ifwg.Config) string {
	t.Helper()
	b, err := ifwg.MarshalUAPISet(cfg)
	if err != nil {
		t.Fatalf("MarshalUAPISet: %v", err)
	}
	return string(b)
}

// configCase is a configuration file and what parsing it gives: the
// request addconf sends (set=1 and the file's values only), or an error.
type configCase struct {
	name, text string
	want       string // UAPI text, without "set=1\n" and the final "\n"
	err        string
	warn       string
}

var configCases = []configCase{
	{name: "empty", text: "", want: ""},
	{name: "comments only", text: "# nothing\n   # more\n\n", want: ""},
	{name: "interface", text: "[Interface]\nPrivateKey = {priv1}\nListenPort = 51820\nFwMark = 0x20\n",
		want: "private_key={priv1.hex}\nlisten_port=51820\nfwmark=32\n"},
	{name: "peer full", text: "[Peer]\nPublicKey = {pub1}\nPresharedKey = {psk}\nEndpoint = 192.0.2.1:51820\n" +
		"PersistentKeepalive = 25\nAllowedIPs = 10.0.0.0/8, fd00::/64\nAllowedIPs = 192.168.1.1\n",
		want: "public_key={pub1.hex}\npreshared_key={psk.hex}\nendpoint=192.0.2.1:51820\npersistent_keepalive_interval=25\n" +
			"replace_allowed_ips=true\nallowed_ip=10.0.0.0/8\nallowed_ip=fd00::/64\nallowed_ip=192.168.1.1/32\n"},
	{name: "peer key only", text: "[Peer]\nPublicKey={pub1}", want: "public_key={pub1.hex}\nreplace_allowed_ips=true\n"},
	{name: "white space anywhere", text: "[ Inter face ]\nPrivate Key = {priv1}\nListen Port = 5 1 8 2 0\n[Peer]\nPublic\tKey={pub1}\nAllowed IPs = 10.9.0.2 / 32\n",
		want: "private_key={priv1.hex}\nlisten_port=51820\npublic_key={pub1.hex}\nreplace_allowed_ips=true\nallowed_ip=10.9.0.2/32\n"},
	{name: "crlf", text: "[Interface]\r\nListenPort = 1\r\n[Peer]\r\nPublicKey = {pub1}\r\n",
		want: "listen_port=1\npublic_key={pub1.hex}\nreplace_allowed_ips=true\n"},
	{name: "vertical tab and form feed", text: "\v[Interface]\f\n\v\f\r\t \nListenPort\v=\f2\n", want: "listen_port=2\n"},
	{name: "case", text: "[INTERFACE]\nlistenport=1\nFWMARK=OFF\n[pEeR]\npublickey={pub1}\nALLOWEDIPS=::/0\nendPOINT=[::1]:2\npersistentKEEPALIVE=Off\n",
		want: "listen_port=1\nfwmark=0\npublic_key={pub1.hex}\nendpoint=[::1]:2\npersistent_keepalive_interval=0\nreplace_allowed_ips=true\nallowed_ip=::/0\n"},
	{name: "comment cuts value", text: "[Interface]\nListenPort = 12#34\nFwMark=1 # x = y\n", want: "listen_port=12\nfwmark=1\n"},
	{name: "duplicate keys last wins", text: "[Interface]\nListenPort=1\nListenPort=2\nFwMark=3\n[Interface]\nFwMark=4\n",
		want: "listen_port=2\nfwmark=4\n"},
	{name: "interface after peer", text: "[Peer]\nPublicKey={pub1}\n[Interface]\nListenPort=7\n",
		want: "listen_port=7\npublic_key={pub1.hex}\nreplace_allowed_ips=true\n"},
	{name: "duplicate peer", text: "[Peer]\nPublicKey={pub1}\nAllowedIPs=10.0.0.1/32\n[Peer]\nPublicKey={pub1}\nAllowedIPs=10.0.0.2/32\n",
		want: "public_key={pub1.hex}\nreplace_allowed_ips=true\nallowed_ip=10.0.0.1/32\npublic_key={pub1.hex}\nreplace_allowed_ips=true\nallowed_ip=10.0.0.2/32\n"},
	{name: "NUL ends the line", text: "[Interface]\nListenPort=1\x00junk\n\x00\n", want: "listen_port=1\n"},
	{name: "service name", text: "[Interface]\nListenPort=ntp\n", want: "listen_port=123\n"},
	{name: "service alias", text: "[Interface]\nListenPort=wgport\n", want: "listen_port=51820\n"},
	{name: "port leading zeros", text: "[Interface]\nListenPort=00080\n", want: "listen_port=80\n"},
	{name: "port plus sign", text: "[Interface]\nListenPort=+5\n", want: "listen_port=5\n"},
	{name: "port minus zero", text: "[Interface]\nListenPort=-0\n", want: "listen_port=0\n"},
	{name: "port max", text: "[Interface]\nListenPort=65535\n", want: "listen_port=65535\n"},
	{name: "fwmark decimal leading zero", text: "[Interface]\nFwMark=010\n", want: "fwmark=10\n"},
	{name: "fwmark max", text: "[Interface]\nFwMark=0xffffffff\n", want: "fwmark=4294967295\n"},
	{name: "fwmark 0xABC", text: "[Interface]\nFwMark=0xABC\n", want: "fwmark=2748\n"},
	{name: "keepalive max", text: "[Peer]\nPublicKey={pub1}\nPersistentKeepalive=65535\n",
		want: "public_key={pub1.hex}\npersistent_keepalive_interval=65535\nreplace_allowed_ips=true\n"},
	{name: "zero psk", text: "[Peer]\nPublicKey={pub1}\nPresharedKey=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		want: "public_key={pub1.hex}\npreshared_key=" + zeroHex + "\nreplace_allowed_ips=true\n"},
	{name: "value with equals", text: "[Interface]\nListenPort==5\n", err: "Servname not supported for ai_socktype: `=5'"},
	{name: "host part warning", text: "[Peer]\nPublicKey={pub1}\nAllowedIPs=10.0.0.1/024,fd00:0::1/64\n",
		want: "public_key={pub1.hex}\nreplace_allowed_ips=true\nallowed_ip=10.0.0.1/24\nallowed_ip=fd00::1/64\n",
		warn: "Warning: AllowedIP has nonzero host part: 10.0.0.1/024\nWarning: AllowedIP has nonzero host part: fd00:0::1/64\n"},
	{name: "v4-mapped", text: "[Peer]\nPublicKey={pub1}\nAllowedIPs=::ffff:10.0.0.1/128,::1.2.3.4/128\n",
		want: "public_key={pub1.hex}\nreplace_allowed_ips=true\nallowed_ip=::ffff:10.0.0.1/128\nallowed_ip=::1.2.3.4/128\n"},
	{name: "incremental allowed ips", text: "[Peer]\nPublicKey={pub1}\nAllowedIPs=10.0.0.0/8\nAllowedIPs=+10.1.0.0/16,-10.2.0.0/16\n",
		want: "public_key={pub1.hex}\nallowed_ip=10.0.0.0/8\nallowed_ip=10.1.0.0/16\nallowed_ip=-10.2.0.0/16\n"},
	{name: "incremental only in its peer", text: "[Peer]\nPublicKey={pub1}\nAllowedIPs=-10.0.0.0/8\n[Peer]\nPublicKey={pub2}\nAllowedIPs=10.0.0.0/8\n",
		want: "public_key={pub1.hex}\nallowed_ip=-10.0.0.0/8\npublic_key={pub2.hex}\nreplace_allowed_ips=true\nallowed_ip=10.0.0.0/8\n"},
	{name: "endpoints", text: "[Peer]\nPublicKey={pub1}\nEndpoint=127.1:1\nEndpoint=0x7f.1:2\nEndpoint=2001:db8::9:51820\n",
		want: "public_key={pub1.hex}\nendpoint=[2001:db8::9]:51820\nreplace_allowed_ips=true\n"},
	{name: "endpoint hostname", text: "[Peer]\nPublicKey={pub1}\nEndpoint=localhost:wg\n",
		want: "public_key={pub1.hex}\nendpoint=127.0.0.1:51820\nreplace_allowed_ips=true\n"},
	{name: "endpoint bracketed v4", text: "[Peer]\nPublicKey={pub1}\nEndpoint=[1.2.3.4]:5\n",
		want: "public_key={pub1.hex}\nendpoint=1.2.3.4:5\nreplace_allowed_ips=true\n"},

	{name: "semicolon", text: "[Interface]\n;x\n", err: "Line unrecognized: `;x'"},
	{name: "key before section", text: "ListenPort=1\n", err: "Line unrecognized: `ListenPort=1'"},
	{name: "unknown section", text: "[Foo]\n", err: "Line unrecognized: `[Foo]'"},
	{name: "section with trailing text", text: "[Interface]x\n", err: "Line unrecognized: `[Interface]x'"},
	{name: "wg-quick Address", text: "[Interface]\nAddress = 10.9.0.1/24\n", err: "Line unrecognized: `Address=10.9.0.1/24'"},
	{name: "wg-quick DNS", text: "[Interface]\nDNS = 1.1.1.1\n", err: "Line unrecognized: `DNS=1.1.1.1'"},
	{name: "wg-quick PostUp", text: "[Interface]\nPostUp = echo hi # x\n", err: "Line unrecognized: `PostUp=echohi'"},
	{name: "empty value", text: "[Interface]\nListenPort =\n", err: "Line unrecognized: `ListenPort='"},
	{name: "empty allowed ips", text: "[Peer]\nPublicKey={pub1}\nAllowedIPs = \n", err: "Line unrecognized: `AllowedIPs='"},
	{name: "key without equals", text: "[Interface]\nListenPort 5\n", err: "Line unrecognized: `ListenPort5'"},
	{name: "key prefix", text: "[Interface]\nListenPorts=5\n", err: "Line unrecognized: `ListenPorts=5'"},
	{name: "peer key in interface", text: "[Interface]\nPublicKey={pub1}\n", err: "Line unrecognized: `PublicKey={pub1}'"},
	{name: "interface key in peer", text: "[Peer]\nListenPort=1\n", err: "Line unrecognized: `ListenPort=1'"},
	{name: "private key echoed", text: "PrivateKey={priv1}\n", err: "Line unrecognized: `PrivateKey={priv1}'"},
	{name: "NUL in key", text: "[Interface]\nListen\x00Port=1\n", err: "Line unrecognized: `Listen'"},
	{name: "bad private key", text: "[Interface]\nPrivateKey=abc\n", err: "Key is not the correct length or format: `abc'"},
	{name: "noncanonical key", text: "[Peer]\nPublicKey=eGxT/yY17fsgBqk1MInZtXdfAugimXv3ySs8yHgESAB=\n",
		err: "Key is not the correct length or format: `eGxT/yY17fsgBqk1MInZtXdfAugimXv3ySs8yHgESAB='"},
	{name: "urlsafe key", text: "[Peer]\nPublicKey=9dzEIWQvCrVPSRLcfcejGY-cehsZwNGR3WKSi0kYdBY=\n",
		err: "Key is not the correct length or format: `9dzEIWQvCrVPSRLcfcejGY-cehsZwNGR3WKSi0kYdBY='"},
	{name: "key without padding", text: "[Peer]\nPublicKey=9dzEIWQvCrVPSRLcfcejGY+cehsZwNGR3WKSi0kYdBY\n",
		err: "Key is not the correct length or format: `9dzEIWQvCrVPSRLcfcejGY+cehsZwNGR3WKSi0kYdBY'"},
	{name: "bad psk", text: "[Peer]\nPublicKey={pub1}\nPresharedKey=x\n", err: "Key is not the correct length or format: `x'"},
	{name: "port name", text: "[Interface]\nListenPort=abc\n", err: "Servname not supported for ai_socktype: `abc'"},
	{name: "port tcp only", text: "[Interface]\nListenPort=http\n", err: "Servname not supported for ai_socktype: `http'"},
	{name: "port case", text: "[Interface]\nListenPort=NTP\n", err: "Servname not supported for ai_socktype: `NTP'"},
	{name: "port 65536", text: "[Interface]\nListenPort=65536\n", err: "Servname not supported for ai_socktype: `65536'"},
	{name: "port -1", text: "[Interface]\nListenPort=-1\n", err: "Servname not supported for ai_socktype: `-1'"},
	{name: "port hex", text: "[Interface]\nListenPort=0x10\n", err: "Servname not supported for ai_socktype: `0x10'"},
	{name: "fwmark 0X", text: "[Interface]\nFwMark=0X10\n", err: "Fwmark is neither 0/off nor 0-0xffffffff: `0X10'"},
	{name: "fwmark 0x", text: "[Interface]\nFwMark=0x\n", err: "Fwmark is neither 0/off nor 0-0xffffffff: `0x'"},
	{name: "fwmark too big", text: "[Interface]\nFwMark=4294967296\n", err: "Fwmark is neither 0/off nor 0-0xffffffff: `4294967296'"},
	{name: "fwmark hex too big", text: "[Interface]\nFwMark=0x100000000\n", err: "Fwmark is neither 0/off nor 0-0xffffffff: `0x100000000'"},
	{name: "fwmark signed", text: "[Interface]\nFwMark=+1\n", err: "Fwmark is neither 0/off nor 0-0xffffffff: `+1'"},
	{name: "fwmark hex signed", text: "[Interface]\nFwMark=0x+1\n", err: "Fwmark is neither 0/off nor 0-0xffffffff: `0x+1'"},
	{name: "keepalive 65536", text: "[Peer]\nPublicKey={pub1}\nPersistentKeepalive=65536\n",
		err: "Persistent keepalive interval is neither 0/off nor 1-65535: `65536'"},
	{name: "keepalive hex", text: "[Peer]\nPersistentKeepalive=0x10\n", err: "Persistent keepalive interval is neither 0/off nor 1-65535: `0x10'"},
	{name: "keepalive negative", text: "[Peer]\nPersistentKeepalive=-1\n", err: "Persistent keepalive interval is neither 0/off nor 1-65535: `-1'"},
	{name: "endpoint no brace", text: "[Peer]\nEndpoint=[::1\n", err: "Unable to find matching brace of endpoint: `[::1'"},
	{name: "endpoint brace no port", text: "[Peer]\nEndpoint=[::1]\n", err: "Unable to find port of endpoint: `[::1]'"},
	{name: "endpoint brace empty port", text: "[Peer]\nEndpoint=[::1]:\n", err: "Unable to find port of endpoint: `[::1]:'"},
	{name: "endpoint brace junk", text: "[Peer]\nEndpoint=[::1]x:5\n", err: "Unable to find port of endpoint: `[::1]x:5'"},
	{name: "endpoint no port", text: "[Peer]\nEndpoint=1.2.3.4\n", err: "Unable to find port of endpoint: `1.2.3.4'"},
	{name: "endpoint empty port", text: "[Peer]\nEndpoint=1.2.3.4:\n", err: "Unable to find port of endpoint: `1.2.3.4:'"},
	{name: "endpoint unknown host", text: "[Peer]\nEndpoint=nowhere.invalid:1\n", err: "Name or service not known: `nowhere.invalid:1'"},
	{name: "endpoint bad scope", text: "[Peer]\nEndpoint=[fe80::1%nonex]:1\n", err: "Name or service not known: `[fe80::1%nonex]:1'"},
	{name: "endpoint named scope on global", text: "[Peer]\nEndpoint=[2001:db8::1%lo]:1\n", err: "Name or service not known: `[2001:db8::1%lo]:1'"},
	{name: "endpoint empty host", text: "[Peer]\nEndpoint=:1\n", err: "Name or service not known: `:1'"},
	{name: "allowed ip bad", text: "[Peer]\nAllowedIPs=10.0.0\n", err: "Unable to parse IP address: `10.0.0'"},
	{name: "allowed ip leading zero", text: "[Peer]\nAllowedIPs=010.0.0.1\n", err: "Unable to parse IP address: `010.0.0.1'"},
	{name: "allowed ip zone", text: "[Peer]\nAllowedIPs=fe80::1%lo/64\n", err: "Unable to parse IP address: `fe80::1%lo'"},
	{name: "allowed ip empty item", text: "[Peer]\nAllowedIPs=10.0.0.1,,10.0.0.2\n", err: "Unable to parse IP address: `'"},
	{name: "allowed ip trailing comma", text: "[Peer]\nAllowedIPs=10.0.0.1,\n", err: "Unable to parse IP address: `'"},
	{name: "allowed ip cidr 33", text: "[Peer]\nAllowedIPs=10.0.0.0/33\n", err: "AllowedIP is not in the correct format: `10.0.0.0/33'"},
	{name: "allowed ip cidr 129", text: "[Peer]\nAllowedIPs=::/129\n", err: "AllowedIP is not in the correct format: `::/129'"},
	{name: "allowed ip cidr empty", text: "[Peer]\nAllowedIPs=10.0.0.0/\n", err: "AllowedIP is not in the correct format: `10.0.0.0/'"},
	{name: "allowed ip two slashes", text: "[Peer]\nAllowedIPs=10.0.0.0/24/5\n", err: "AllowedIP is not in the correct format: `10.0.0.0/24/5'"},
	{name: "allowed ip cidr sign", text: "[Peer]\nAllowedIPs=10.0.0.0/+3\n", err: "AllowedIP is not in the correct format: `10.0.0.0/+3'"},
	{name: "allowed ip cidr huge", text: "[Peer]\nAllowedIPs=1.2.3.4/99999999999999999999\n",
		err: "AllowedIP is not in the correct format: `1.2.3.4/99999999999999999999'"},
	{name: "allowed ip bad ip first", text: "[Peer]\nAllowedIPs=zzz/abc\n", err: "Unable to parse IP address: `zzz'"},
	{name: "allowed ip double sign", text: "[Peer]\nAllowedIPs=+-10.0.0.1\n", err: "Unable to parse IP address: `-10.0.0.1'"},
	{name: "missing public key", text: "[Peer]\nEndpoint=1.2.3.4:5\n", err: "A peer is missing a public key"},
	{name: "missing public key first of two", text: "[Peer]\n[Peer]\nPublicKey={pub1}\n", err: "A peer is missing a public key"},
	{name: "line error before missing key", text: "[Peer]\nEndpoint=1.2.3.4:5\n[Peer]\nfoo\n", err: "Line unrecognized: `foo'"},
	{name: "first error wins", text: "[Interface]\nListenPort=abc\nFwMark=zzz\n", err: "Servname not supported for ai_socktype: `abc'"},
}

// TestParseConfig checks what each configuration file parses to, or the
// exact error text wg(8) prints for it.
func TestParseConfig(t *testing.T) {
	for _, tc := range configCases {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTestResolver(map[string]string{"WG_ENDPOINT_RESOLUTION_RETRIES": "0"})
			cfg, err := parseConfig(strings.NewReader(expand(tc.text)), tr.resolver)
			checkParsed(t, tr, cfg, err, tc.err, tc.want, tc.warn)
		})
	}
}

// checkParsed checks what a parser returned against a case, with its
// placeholders expanded: the error text wantErr when that is not empty,
// else the request want (without "set=1\n" and the final "\n") and the
// warnings warn.
func checkParsed(t *testing.T, tr *testResolver, cfg *ifwg.Config, err error, wantErr, want, warn string) {
	t.Helper()
	if wantErr != "" {
		if err == nil {
			t.Fatalf("parsed, want error %q; got\n%s", expand(wantErr), uapiText(t, cfg))
		}
		if err.Error() != expand(wantErr) {
			t.Fatalf("error %q, want %q", err, expand(wantErr))
		}
		return
	}
	if err != nil {
		t.Fatalf("error %q", err)
	}
	if got, want := uapiText(t, cfg), "set=1\n"+expand(want)+"\n"; got != want {
		t.Errorf("request\n%s\nwant\n%s", got, want)
	}
	if got := tr.warn.String(); got != warn {
		t.Errorf("warnings %q, want %q", got, warn)
	}
}

// TestParseConfigScopedEndpoints checks that a zone names an interface
// only for link-local and interface-local addresses, and is otherwise a
// number.
func TestParseConfigScopedEndpoints(t *testing.T) {
	cases := []struct {
		endpoint string
		want     ifwg.Endpoint
	}{
		{"[fe80::1%lo]:5", ifwg.Endpoint{Addr: mustAddr("fe80::1"), Port: 5, ScopeID: 1}},
		{"fe80::1%em0:5", ifwg.Endpoint{Addr: mustAddr("fe80::1"), Port: 5, ScopeID: 2}},
		{"[fe80::1%01]:5", ifwg.Endpoint{Addr: mustAddr("fe80::1"), Port: 5, ScopeID: 1}},
		{"[fe80::1%99]:5", ifwg.Endpoint{Addr: mustAddr("fe80::1"), Port: 5, ScopeID: 99}},
		{"[fe80::1%0]:5", ifwg.Endpoint{Addr: mustAddr("fe80::1"), Port: 5}},
		{"[ff02::1%lo]:5", ifwg.Endpoint{Addr: mustAddr("ff02::1"), Port: 5, ScopeID: 1}},
		{"[ff01::1%em0]:5", ifwg.Endpoint{Addr: mustAddr("ff01::1"), Port: 5, ScopeID: 2}},
		{"[2001:db8::1%5]:5", ifwg.Endpoint{Addr: mustAddr("2001:db8::1"), Port: 5, ScopeID: 5}},
		{"[fe80::1%4294967295]:5", ifwg.Endpoint{Addr: mustAddr("fe80::1"), Port: 5, ScopeID: 4294967295}},
		{"v6host:5", ifwg.Endpoint{Addr: mustAddr("fe80::9"), Port: 5, ScopeID: 2}},
		{"[::ffff:1.2.3.4]:5", ifwg.Endpoint{Addr: mustAddr("::ffff:1.2.3.4"), Port: 5}},
	}
	for _, tc := range cases {
		tr := newTestResolver(nil)
		got, err := tr.parseEndpoint(tc.endpoint)
		if err != nil || got != tc.want {
			t.Errorf("parseEndpoint(%q) = %+v, %v; want %+v", tc.endpoint, got, err, tc.want)
		}
	}
	for _, bad := range []string{"[fe80::1%]:5", "[fe80::1%1x]:5", "[fe80::1%4294967296]:5", "[::1%lo]:5", "1.2.3.4%lo:5"} {
		tr := newTestResolver(map[string]string{"WG_ENDPOINT_RESOLUTION_RETRIES": "0"})
		if got, err := tr.parseEndpoint(bad); err == nil {
			t.Errorf("parseEndpoint(%q) = %+v, want an error", bad, got)
		}
	}
}

// mustAddr parses an address for a test table.
func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// TestParseConfigReadError checks that a read failure ends the file, as
// getline(3) failing does: what was read before it counts.
func TestParseConfigReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("[Interface]\nListenPort=3\nFwMark=9"), errReader{})
	tr := newTestResolver(nil)
	cfg, err := parseConfig(r, tr.resolver)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := uapiText(t, cfg), "set=1\nlisten_port=3\n\n"; got != want {
		t.Errorf("request %q, want %q", got, want)
	}
}

// errReader fails every read.
type errReader struct{}

// Read fails with EISDIR's kind of error.
func (errReader) Read([]byte) (int, error) { return 0, errors.New("read failed") }

// TestReplyEndpoint checks the resolution of a UAPI get reply's endpoint:
// one attempt (no retry, no message, even for a temporary failure), the
// first address of a name, a service name as port, and the failure text.
func TestReplyEndpoint(t *testing.T) {
	tr := newTestResolver(nil)
	for in, want := range map[string]string{"localhost 51820": "127.0.0.1:51820", "127.1 7": "127.0.0.1:7"} {
		host, port, _ := strings.Cut(in, " ")
		ep, err := tr.replyEndpoint(host, port)
		if err != nil || ep.String() != want {
			t.Errorf("replyEndpoint(%q, %q) = %v, %v; want %s", host, port, ep, err, want)
		}
	}
	if _, err := tr.replyEndpoint("tempfail", "1"); err == nil || err.Error() != eaiAgain.String() {
		t.Errorf("temporary failure: %v", err)
	}
	if _, err := tr.replyEndpoint("localhost", "no-such-service"); err == nil || err.Error() != eaiService.String() {
		t.Errorf("unknown service: %v", err)
	}
	if len(tr.sleeps) != 0 || tr.warn.Len() != 0 {
		t.Errorf("retried: sleeps %v, messages %q", tr.sleeps, tr.warn.String())
	}
}
