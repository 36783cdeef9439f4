// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

var (
	uapiHexA = strings.Repeat("ab", 32)
	uapiHexB = strings.Repeat("cd", 32)
	uapiHexZ = strings.Repeat("00", 32)
	uapiKeyA = Key([]byte(strings.Repeat("\xab", 32)))
	uapiKeyB = Key([]byte(strings.Repeat("\xcd", 32)))
)

// uapiWantErr describes an expected error: a protocol error, or an *Errno
// with the given operation and number.
type uapiWantErr struct {
	protocol bool
	op       string
	errno    syscall.Errno
}

// check compares err with the expectation.
func (w uapiWantErr) check(t *testing.T, err error) {
	t.Helper()
	var en *Errno
	switch {
	case w.protocol:
		if !errors.Is(err, ErrUAPIProtocol) {
			t.Errorf("error = %v, want a protocol error", err)
		}
	case w.errno != 0:
		if !errors.As(err, &en) || en.Op != w.op || en.Errno != w.errno {
			t.Errorf("error = %#v, want *Errno{%s %d}", err, w.op, w.errno)
		}
	case err != nil:
		t.Errorf("unexpected error %v", err)
	}
}

// uapiGetReplyCase is a get reply and what ParseUAPIGetReply makes of it.
type uapiGetReplyCase struct {
	name  string
	reply string
	want  *Device
	err   uapiWantErr
	// wgDiffers marks replies wg(8) reads otherwise: it resolves host
	// names, has no line limit, and crashes on an unknown zone.
	wgDiffers bool
}

// uapiGetReplyCases are get replies as wg(8) reads them.
func uapiGetReplyCases() []uapiGetReplyCase {
	pubA := uapiKeyA.PublicKey()
	proto := uapiWantErr{protocol: true}
	return []uapiGetReplyCase{
		{name: "wireguard-go",
			reply: "private_key=" + uapiHexA + "\nlisten_port=51820\nfwmark=4660\npublic_key=" + uapiHexB +
				"\npreshared_key=" + uapiHexZ + "\nprotocol_version=1\nendpoint=[fe80::1%7]:51820\n" +
				"last_handshake_time_sec=1700000000\nlast_handshake_time_nsec=5\ntx_bytes=10\nrx_bytes=18446744073709551615\n" +
				"persistent_keepalive_interval=25\nallowed_ip=10.0.0.0/24\nallowed_ip=fd00::1/64\nerrno=0\n\n",
			want: &Device{PrivateKey: &uapiKeyA, PublicKey: &pubA, ListenPort: 51820, FwMark: 4660, Peers: []Peer{{
				PublicKey: uapiKeyB, PresharedKey: &Key{}, ProtocolVersion: 1,
				Endpoint:      Endpoint{Addr: netip.MustParseAddr("fe80::1"), Port: 51820, ScopeID: 7},
				LastHandshake: Timespec{Sec: 1700000000, Nsec: 5}, TxBytes: 10, RxBytes: 1<<64 - 1,
				PersistentKeepalive: 25,
				AllowedIPs:          []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("fd00::1/64")},
			}}}},
		{name: "empty device", reply: "errno=0\n\n", want: &Device{}},
		{name: "upper-case hex", reply: "private_key=" + strings.ToUpper(uapiHexA) + "\nerrno=0\n\n",
			want: &Device{PrivateKey: &uapiKeyA, PublicKey: &pubA}},
		{name: "zero private key counts", reply: "private_key=" + uapiHexZ + "\nerrno=0\n\n",
			want: &Device{PrivateKey: &Key{}, PublicKey: Ptr(Key{}.PublicKey())}},
		{name: "interface keys after a peer ignored",
			reply: "public_key=" + uapiHexB + "\nprivate_key=" + uapiHexA + "\nlisten_port=7\nfwmark=1\nerrno=0\n\n",
			want:  &Device{Peers: []Peer{{PublicKey: uapiKeyB}}}},
		{name: "peer keys before a peer ignored",
			reply: "preshared_key=" + uapiHexA + "\nendpoint=garbage\nrx_bytes=x\nerrno=0\n\n", want: &Device{}},
		{name: "unknown keys ignored", reply: "=5\nfoo=bar\nerrno=0\nx=\n\n", want: &Device{}},
		{name: "bad protocol version ignored", reply: "public_key=" + uapiHexB + "\nprotocol_version=1\nprotocol_version=x\nerrno=0\n\n",
			want: &Device{Peers: []Peer{{PublicKey: uapiKeyB, ProtocolVersion: 1}}}},
		{name: "same peer twice", reply: "public_key=" + uapiHexB + "\npublic_key=" + uapiHexB + "\nerrno=0\n\n",
			want: &Device{Peers: []Peer{{PublicKey: uapiKeyB}, {PublicKey: uapiKeyB}}}},
		{name: "endpoint v6 without brackets", reply: "public_key=" + uapiHexB + "\nendpoint=::1:5\nerrno=0\n\n",
			want: &Device{Peers: []Peer{{PublicKey: uapiKeyB, Endpoint: Endpoint{Addr: netip.MustParseAddr("::1"), Port: 5}}}}},
		{name: "endpoint v4 in brackets", reply: "public_key=" + uapiHexB + "\nendpoint=[192.0.2.1]:5\nerrno=0\n\n",
			want: &Device{Peers: []Peer{{PublicKey: uapiKeyB, Endpoint: Endpoint{Addr: netip.MustParseAddr("192.0.2.1"), Port: 5}}}}},
		{name: "allowed ip prefix length with leading zero",
			reply: "public_key=" + uapiHexB + "\nallowed_ip=10.1.2.3/08\nerrno=0\n\n",
			want:  &Device{Peers: []Peer{{PublicKey: uapiKeyB, AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.1.2.3/8")}}}}},
		{name: "last errno counts", reply: "errno=5\nerrno=0\n\n", want: &Device{}},
		{name: "errno", reply: "listen_port=5\nerrno=5\n\n", err: uapiWantErr{op: "get", errno: syscall.EIO}},
		{name: "errno after zero", reply: "errno=0\nerrno=22\n\n", err: uapiWantErr{op: "get", errno: syscall.EINVAL}},
		{name: "no errno", reply: "listen_port=5\n\n", err: proto},
		{name: "negative errno", reply: "errno=-1\n\n", err: proto},
		{name: "errno too large", reply: "errno=2147483648\n\n", err: proto},
		{name: "empty errno", reply: "errno=\n\n", err: proto},
		{name: "line without equals", reply: "foo\nerrno=0\n\n", err: proto},
		{name: "end before empty line", reply: "errno=0\n", err: proto},
		{name: "end mid-line", reply: "errno=0", err: proto},
		{name: "nothing", reply: "", err: proto},
		{name: "empty port", reply: "listen_port=\nerrno=0\n\n", err: proto},
		{name: "port too large", reply: "listen_port=65536\nerrno=0\n\n", err: proto},
		{name: "signed fwmark", reply: "fwmark=+5\nerrno=0\n\n", err: proto},
		{name: "fwmark too large", reply: "fwmark=4294967296\nerrno=0\n\n", err: proto},
		{name: "carriage return", reply: "listen_port=5\r\nerrno=0\n\n", err: proto},
		{name: "short key", reply: "private_key=abcd\nerrno=0\n\n", err: proto},
		{name: "bad peer key", reply: "public_key=zz\nerrno=0\n\n", err: proto},
		{name: "bad preshared key", reply: "public_key=" + uapiHexB + "\npreshared_key=" + uapiHexZ + "0\nerrno=0\n\n", err: proto},
		{name: "allowed ip without length", reply: "public_key=" + uapiHexB + "\nallowed_ip=10.0.0.1\nerrno=0\n\n", err: proto},
		{name: "allowed ip length too large", reply: "public_key=" + uapiHexB + "\nallowed_ip=10.0.0.1/33\nerrno=0\n\n", err: proto},
		{name: "allowed ip removal", reply: "public_key=" + uapiHexB + "\nallowed_ip=-10.0.0.1/32\nerrno=0\n\n", err: proto},
		{name: "endpoint host name", reply: "public_key=" + uapiHexB + "\nendpoint=localhost:5\nerrno=0\n\n", err: proto, wgDiffers: true},
		{name: "endpoint unknown zone", reply: "public_key=" + uapiHexB + "\nendpoint=[fe80::1%nosuch0]:5\nerrno=0\n\n", err: proto, wgDiffers: true},
		{name: "endpoint without port", reply: "public_key=" + uapiHexB + "\nendpoint=[::1]\nerrno=0\n\n", err: proto},
		{name: "keepalive too large", reply: "public_key=" + uapiHexB + "\npersistent_keepalive_interval=65536\nerrno=0\n\n", err: proto},
		{name: "handshake too large", reply: "public_key=" + uapiHexB + "\nlast_handshake_time_sec=9223372036854775808\nerrno=0\n\n", err: proto},
		{name: "line too long", reply: "x=" + strings.Repeat("a", maxUAPILine) + "\nerrno=0\n\n", err: proto, wgDiffers: true},
	}
}

func TestParseUAPIGetReply(t *testing.T) {
	for _, tc := range uapiGetReplyCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseUAPIGetReply(strings.NewReader(tc.reply))
			tc.err.check(t, err)
			if tc.want == nil {
				if got != nil {
					t.Errorf("got a device with an error: %s", uapiDumpDevice(got))
				}
				return
			}
			if err == nil && !uapiDevicesEqual(got, tc.want) {
				t.Errorf("got:\n%swant:\n%s", uapiDumpDevice(got), uapiDumpDevice(tc.want))
			}
		})
	}
}

func TestParseUAPIGetReplyReadsOnlyItsReply(t *testing.T) {
	r := bufio.NewReader(strings.NewReader("errno=0\n\nerrno=5\n\n"))
	if _, err := ParseUAPIGetReply(r); err != nil {
		t.Fatal(err)
	}
	_, err := ParseUAPIGetReply(r)
	uapiWantErr{op: "get", errno: syscall.EIO}.check(t, err)
}

// uapiSetReplyCase is a set reply and the outcome ParseUAPISetReply
// gives. wgDiffers marks replies wg(8) reports otherwise: it takes a
// positive errno as the negative of an errno.
type uapiSetReplyCase struct {
	reply     string
	err       uapiWantErr
	wgDiffers bool
}

// negErrno returns the errno wg(8) makes of a positive errno=n: -n, which
// no C library names ("Unknown error -n").
func negErrno(n int) syscall.Errno { return syscall.Errno(-n) }

// uapiSetReplyCases are set replies as wg(8) reads them.
func uapiSetReplyCases() []uapiSetReplyCase {
	proto := uapiWantErr{protocol: true}
	return []uapiSetReplyCase{
		{reply: "errno=0\n\n"},
		{reply: "errno=-0\n\n"},
		{reply: "foo=bar\nerrno=0\n\n"},
		{reply: "errno=-22\n\n", err: uapiWantErr{op: "set", errno: syscall.EINVAL}},
		{reply: "errno=-22\nerrno=0\n\n"},
		{reply: "errno=0\nerrno=-5\n\n", err: uapiWantErr{op: "set", errno: syscall.EIO}},
		{reply: "errno=-2147483648\n\n", err: uapiWantErr{op: "set", errno: 1 << 31}, wgDiffers: true},
		{reply: "errno=22\n\n", err: uapiWantErr{op: "set", errno: negErrno(22)}},
		{reply: "errno=-2147483649\n\n", err: proto},
		{reply: "errno=+0\n\n", err: proto},
		{reply: "errno= 0\n\n", err: proto},
		{reply: "errno=abc\n\n", err: proto},
		{reply: "errno=\n\n", err: proto},
		{reply: "foo=1\n\n", err: proto},
		{reply: "\n", err: proto},
		{reply: "foo\nerrno=0\n\n", err: proto},
		{reply: "errno=0\n", err: proto},
		{reply: "", err: proto},
	}
}

func TestParseUAPISetReply(t *testing.T) {
	for _, tc := range uapiSetReplyCases() {
		t.Run(strings.ReplaceAll(tc.reply, "\n", `\n`), func(t *testing.T) {
			tc.err.check(t, ParseUAPISetReply(strings.NewReader(tc.reply)))
		})
	}
}

func TestUAPIErrnoIsErrno(t *testing.T) {
	err := ParseUAPISetReply(strings.NewReader("errno=-98\n\n"))
	if !errors.Is(err, syscall.Errno(98)) {
		t.Errorf("errors.Is(%v, errno 98) = false", err)
	}
}

func TestUAPIGetAndConfigureOverConnection(t *testing.T) {
	conn := &uapiScriptConn{reply: "private_key=" + uapiHexA + "\nerrno=0\n\n"}
	d, err := UAPIGetDevice(conn)
	if err != nil {
		t.Fatal(err)
	}
	if conn.sent.String() != UAPIGetRequest || d.PrivateKey == nil || *d.PrivateKey != uapiKeyA {
		t.Errorf("sent %q, got %s", conn.sent.String(), uapiDumpDevice(d))
	}
	conn = &uapiScriptConn{reply: "errno=-" + strconv.Itoa(int(syscall.EADDRINUSE)) + "\n\n"}
	err = UAPIConfigureDevice(conn, &Config{ListenPort: Ptr[uint16](1)})
	uapiWantErr{op: "set", errno: syscall.EADDRINUSE}.check(t, err)
	if conn.sent.String() != "set=1\nlisten_port=1\n\n" || conn.writes != 1 {
		t.Errorf("sent %q in %d writes", conn.sent.String(), conn.writes)
	}
}

// uapiScriptConn answers whatever is written with a fixed reply.
type uapiScriptConn struct {
	reply  string
	sent   strings.Builder
	writes int
	r      *strings.Reader
}

func (c *uapiScriptConn) Write(b []byte) (int, error) {
	c.writes++
	c.r = strings.NewReader(c.reply)
	return c.sent.Write(b)
}

func (c *uapiScriptConn) Read(b []byte) (int, error) {
	if c.r == nil {
		return 0, io.EOF
	}
	return c.r.Read(b)
}

func TestMarshalUAPISetRejectsInvalidPrefix(t *testing.T) {
	_, err := MarshalUAPISet(&Config{Peers: []PeerConfig{{AllowedIPs: []AllowedIP{{}}}}})
	if err == nil {
		t.Error("an invalid allowed IP was encoded")
	}
	b, err := MarshalUAPISet(nil)
	if err != nil || string(b) != "set=1\n\n" {
		t.Errorf("nil Config: %q, %v", b, err)
	}
}

func TestFormatUAPIEndpoint(t *testing.T) {
	for _, tc := range []struct {
		ep         string
		libc, goes string
	}{
		{"192.0.2.1:1", "192.0.2.1:1", "192.0.2.1:1"},
		{"[2001:db8::1]:2", "[2001:db8::1]:2", "[2001:db8::1]:2"},
		{"[::102:304]:3", "[::1.2.3.4]:3", "[::102:304]:3"},
		{"[::1:0]:3", "[::0.1.0.0]:3", "[::1:0]:3"},
		{"[::1]:4", "[::1]:4", "[::1]:4"},
		{"[::]:4", "[::]:4", "[::]:4"},
		{"[::ffff:1.2.3.4]:5", "[::ffff:1.2.3.4]:5", "[::ffff:1.2.3.4]:5"},
		{"[2001:db8::1%999999]:6", "[2001:db8::1%999999]:6", "[2001:db8::1%999999]:6"},
		{"[fe80::1%999999]:7", "[fe80::1%999999]:7", "[fe80::1%999999]:7"},
	} {
		e, err := EndpointFromAddrPort(netip.MustParseAddrPort(tc.ep))
		if err != nil {
			t.Fatal(err)
		}
		if got := formatUAPIEndpoint(e, true); got != tc.libc {
			t.Errorf("libc form of %s = %s, want %s", tc.ep, got, tc.libc)
		}
		if got := formatUAPIEndpoint(e, false); got != tc.goes {
			t.Errorf("Go form of %s = %s, want %s", tc.ep, got, tc.goes)
		}
	}
}

func TestUAPISetDecoder(t *testing.T) {
	ep := Endpoint{Addr: netip.MustParseAddr("fe80::1"), Port: 5, ScopeID: 3}
	aip := func(s string, rm bool) UAPISetOp {
		return UAPISetOp{Kind: UAPIAllowedIP, AllowedIP: AllowedIP{Prefix: netip.MustParsePrefix(s), Remove: rm}}
	}
	for _, tc := range []struct {
		name  string
		in    string
		want  []UAPISetOp
		errno syscall.Errno
	}{
		{name: "every key",
			in: "private_key=" + uapiHexA + "\nlisten_port=65535\nfwmark=4294967295\nreplace_peers=true\n" +
				"public_key=" + uapiHexB + "\nupdate_only=true\npreshared_key=" + uapiHexZ + "\nendpoint=[fe80::1%3]:5\n" +
				"persistent_keepalive_interval=0\nreplace_allowed_ips=true\nallowed_ip=10.1.2.3/8\n" +
				"allowed_ip=-fd00::/64\nprotocol_version=1\nremove=true\n\n",
			want: []UAPISetOp{{Kind: UAPIPrivateKey, Key: uapiKeyA}, {Kind: UAPIListenPort, Number: 65535},
				{Kind: UAPIFwMark, Number: 1<<32 - 1}, {Kind: UAPIReplacePeers}, {Kind: UAPIPeer, Key: uapiKeyB},
				{Kind: UAPIUpdateOnly}, {Kind: UAPIPresharedKey}, {Kind: UAPIEndpoint, Endpoint: ep},
				{Kind: UAPIKeepalive}, {Kind: UAPIReplaceAllowedIPs}, aip("10.1.2.3/8", false), aip("fd00::/64", true),
				{Kind: UAPIProtocolVersion}, {Kind: UAPIRemove}}},
		{name: "empty", in: "\n"},
		{name: "end of input", in: ""},
		{name: "last line without newline", in: "listen_port=1\nfwmark=2",
			want: []UAPISetOp{{Kind: UAPIListenPort, Number: 1}, {Kind: UAPIFwMark, Number: 2}}},
		{name: "carriage returns dropped", in: "listen_port=1\r\nfwmark=2\r\n\r\nlisten_port=3\n\n",
			want: []UAPISetOp{{Kind: UAPIListenPort, Number: 1}, {Kind: UAPIFwMark, Number: 2}}},
		{name: "stops at the empty line", in: "fwmark=1\n\nbogus\n",
			want: []UAPISetOp{{Kind: UAPIFwMark, Number: 1}}},
		{name: "upper-case key", in: "private_key=" + strings.ToUpper(uapiHexA) + "\n\n",
			want: []UAPISetOp{{Kind: UAPIPrivateKey, Key: uapiKeyA}}},
		{name: "leading zeros", in: "listen_port=00080\n\n", want: []UAPISetOp{{Kind: UAPIListenPort, Number: 80}}},
		{name: "value with equals sign", in: "fwmark=1=2\n\n", errno: syscall.EINVAL},
		{name: "line without equals", in: "fwmark=1\nfoo\nlisten_port=2\n\n",
			want: []UAPISetOp{{Kind: UAPIFwMark, Number: 1}}, errno: syscall.EPROTO},
		{name: "unknown device key", in: "foo=1\n\n", errno: syscall.EINVAL},
		{name: "peer key before a peer", in: "endpoint=192.0.2.1:1\n\n", errno: syscall.EINVAL},
		{name: "device key after a peer", in: "public_key=" + uapiHexB + "\nlisten_port=1\n\n",
			want: []UAPISetOp{{Kind: UAPIPeer, Key: uapiKeyB}}, errno: syscall.EINVAL},
		{name: "bad private key", in: "private_key=" + uapiHexA + "0\n\n", errno: syscall.EINVAL},
		{name: "bad public key", in: "public_key=xyz\n\n", errno: syscall.EINVAL},
		{name: "port too large", in: "listen_port=65536\n\n", errno: syscall.EINVAL},
		{name: "signed port", in: "listen_port=+1\n\n", errno: syscall.EINVAL},
		{name: "fwmark too large", in: "fwmark=4294967296\n\n", errno: syscall.EINVAL},
		{name: "replace_peers false", in: "replace_peers=false\n\n", errno: syscall.EINVAL},
		{name: "remove false", in: "public_key=" + uapiHexB + "\nremove=1\n\n",
			want: []UAPISetOp{{Kind: UAPIPeer, Key: uapiKeyB}}, errno: syscall.EINVAL},
		{name: "endpoint host name", in: "public_key=" + uapiHexB + "\nendpoint=localhost:1\n\n",
			want: []UAPISetOp{{Kind: UAPIPeer, Key: uapiKeyB}}, errno: syscall.EINVAL},
		{name: "endpoint unbracketed v6", in: "public_key=" + uapiHexB + "\nendpoint=::1:1\n\n",
			want: []UAPISetOp{{Kind: UAPIPeer, Key: uapiKeyB}}, errno: syscall.EINVAL},
		{name: "endpoint unknown zone", in: "public_key=" + uapiHexB + "\nendpoint=[fe80::1%nosuch0]:1\n\n",
			want: []UAPISetOp{{Kind: UAPIPeer, Key: uapiKeyB}}, errno: syscall.EINVAL},
		{name: "allowed ip without length", in: "public_key=" + uapiHexB + "\nallowed_ip=10.0.0.1\n\n",
			want: []UAPISetOp{{Kind: UAPIPeer, Key: uapiKeyB}}, errno: syscall.EINVAL},
		{name: "protocol version 2", in: "public_key=" + uapiHexB + "\nprotocol_version=2\n\n",
			want: []UAPISetOp{{Kind: UAPIPeer, Key: uapiKeyB}}, errno: syscall.EINVAL},
		{name: "line too long", in: "fwmark=1\nx=" + strings.Repeat("1", maxUAPILine) + "\n\n",
			want: []UAPISetOp{{Kind: UAPIFwMark, Number: 1}}, errno: syscall.EIO},
		{name: "longest line", in: "fwmark=" + strings.Repeat("0", maxUAPILine-len("fwmark=")-2) + "1\n\n",
			want: []UAPISetOp{{Kind: UAPIFwMark, Number: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := uapiCollect(NewUAPISetDecoder(strings.NewReader(tc.in)))
			if errnoOf(err) != tc.errno {
				t.Errorf("error = %v, want errno %d", err, tc.errno)
			}
			var se *SetError
			if err != nil && !errors.As(err, &se) {
				t.Errorf("error %T is not a *SetError", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d operations %v, want %v", len(got), got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("operation %d = %#v, want %#v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestUAPISetDecoderErrorIsSticky(t *testing.T) {
	d := NewUAPISetDecoder(strings.NewReader("foo\nfwmark=1\n\n"))
	_, err1 := d.Next()
	_, err2 := d.Next()
	if err1 == nil || err1 != err2 {
		t.Errorf("errors %v then %v", err1, err2)
	}
}

// TestUAPISetDecoderOps checks that Ops yields what Next returns, stops
// at the end of the request without an error, stops after the first error
// (yielded with a zero operation), and may be left early.
func TestUAPISetDecoderOps(t *testing.T) {
	var kinds []UAPIOpKind
	for op, err := range NewUAPISetDecoder(strings.NewReader("listen_port=1\nfwmark=2\n\n")).Ops() {
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, op.Kind)
	}
	if !slices.Equal(kinds, []UAPIOpKind{UAPIListenPort, UAPIFwMark}) {
		t.Errorf("kinds %v, want listen_port and fwmark", kinds)
	}
	var errs []error
	for op, err := range NewUAPISetDecoder(strings.NewReader("fwmark=1\nfoo\nfwmark=2\n\n")).Ops() {
		if err != nil && op != (UAPISetOp{}) {
			t.Errorf("error %v with operation %v", err, op)
		}
		errs = append(errs, err)
	}
	if len(errs) != 2 || errs[0] != nil || errs[1] == nil {
		t.Errorf("errors %v, want nil then one error", errs)
	}
	n := 0
	for range NewUAPISetDecoder(strings.NewReader("fwmark=1\nfwmark=2\n\n")).Ops() {
		n++
		break
	}
	if n != 1 {
		t.Errorf("%d operations after break, want 1", n)
	}
}

func TestUAPISetOpStringHidesKeys(t *testing.T) {
	for _, op := range []UAPISetOp{{Kind: UAPIPrivateKey, Key: uapiKeyA}, {Kind: UAPIPeer, Key: uapiKeyA},
		{Kind: UAPIPresharedKey, Key: uapiKeyA}} {
		s := op.String()
		if strings.Contains(s, uapiHexA) || strings.Contains(s, uapiKeyA.String()) || !strings.HasSuffix(s, "=(hidden)") {
			t.Errorf("%v shows its key", s)
		}
	}
	e := UAPISetOp{Kind: UAPIEndpoint, Endpoint: Endpoint{Addr: netip.MustParseAddr("192.0.2.1"), Port: 1}}
	a := UAPISetOp{Kind: UAPIAllowedIP, AllowedIP: AllowedIP{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Remove: true}}
	if e.String() != "endpoint=192.0.2.1:1" || a.String() != "allowed_ip=-10.0.0.0/8" {
		t.Errorf("got %s and %s", e, a)
	}
	if UAPIOpKind(99).String() != "UAPIOpKind(99)" {
		t.Errorf("unknown kind: %s", UAPIOpKind(99))
	}
}

func TestParseUAPISetFolds(t *testing.T) {
	in := "listen_port=1\nlisten_port=2\nreplace_peers=true\n" +
		"public_key=" + uapiHexB + "\nallowed_ip=10.0.0.1/32\nreplace_allowed_ips=true\nallowed_ip=10.0.0.2/32\n" +
		"public_key=" + uapiHexA + "\nendpoint=192.0.2.1:1\nremove=true\nendpoint=192.0.2.1:2\npreshared_key=" + uapiHexZ + "\n\n"
	got, err := ParseUAPISet(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{ListenPort: Ptr[uint16](2), ReplacePeers: true, Peers: []PeerConfig{
		{PublicKey: uapiKeyB, ReplaceAllowedIPs: true, AllowedIPs: []AllowedIP{{Prefix: netip.MustParsePrefix("10.0.0.2/32")}}},
		{PublicKey: uapiKeyA, Remove: true}}}
	if !uapiConfigsEqual(got, want) {
		t.Errorf("got:\n%swant:\n%s", uapiDumpConfig(got), uapiDumpConfig(want))
	}
	if _, err := ParseUAPISet(strings.NewReader("public_key=" + uapiHexA + "\nbogus=1\n\n")); errnoOf(err) != syscall.EINVAL {
		t.Errorf("error = %v, want EINVAL", err)
	}
}

func TestMarshalUAPIGetReply(t *testing.T) {
	d := &Device{Name: "wg0", PrivateKey: &uapiKeyA, PublicKey: Ptr(uapiKeyA.PublicKey()), ListenPort: 51820, FwMark: 7,
		Peers: []Peer{
			{PublicKey: uapiKeyB, PresharedKey: &uapiKeyA, ProtocolVersion: 1,
				Endpoint:      Endpoint{Addr: netip.MustParseAddr("::102:304"), Port: 9, FlowInfo: 5},
				LastHandshake: Timespec{Sec: 3, Nsec: 4}, RxBytes: 5, TxBytes: 6, PersistentKeepalive: 25,
				AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.1.2.3/8"), netip.MustParsePrefix("::1/128")}},
			{PublicKey: uapiKeyA, LastHandshake: Timespec{Sec: -1, Nsec: -2}},
		}}
	want := "private_key=" + uapiHexA + "\nlisten_port=51820\nfwmark=7\n" +
		"public_key=" + uapiHexB + "\npreshared_key=" + uapiHexA + "\nprotocol_version=1\nendpoint=[::102:304]:9\n" +
		"last_handshake_time_sec=3\nlast_handshake_time_nsec=4\ntx_bytes=6\nrx_bytes=5\npersistent_keepalive_interval=25\n" +
		"allowed_ip=10.0.0.0/8\nallowed_ip=::1/128\n" +
		"public_key=" + uapiHexA + "\npreshared_key=" + uapiHexZ + "\nprotocol_version=1\n" +
		"last_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\npersistent_keepalive_interval=0\n" +
		"errno=0\n\n"
	if got := string(MarshalUAPIGetReply(d)); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := string(MarshalUAPIGetReply(&Device{PrivateKey: &Key{}})); got != "errno=0\n\n" {
		t.Errorf("zero private key: %q", got)
	}
}

func TestMarshalUAPIErrno(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, "errno=0\n\n"},
		{syscall.EADDRINUSE, "errno=-" + strconv.Itoa(int(syscall.EADDRINUSE)) + "\n\n"},
		{&Errno{Op: "set", Errno: syscall.EIO}, "errno=-" + strconv.Itoa(int(syscall.EIO)) + "\n\n"},
		{SetErrorf(syscall.EPROTO, "x"), "errno=-" + strconv.Itoa(int(syscall.EPROTO)) + "\n\n"},
		{errors.New("other"), "errno=-55\n\n"},
	} {
		if got := string(MarshalUAPIErrno(tc.err)); got != tc.want {
			t.Errorf("MarshalUAPIErrno(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestServeUAPI(t *testing.T) {
	dev := &Device{ListenPort: 7}
	var sets [][]UAPISetOp
	h := uapiHandlerFunc{
		get: func() (*Device, error) { return dev, nil },
		set: func(d *UAPISetDecoder) error {
			ops, err := uapiCollect(d)
			sets = append(sets, ops)
			return err
		},
	}
	in := "get=1\n\nset=1\nfwmark=1\n\nget=1\nxset=1\nlisten_port=1\n\nset=1\nbogus=1\nlisten_port=3\n\n"
	out, err := uapiServeString(in, h)
	if !errors.Is(err, errUAPIOperation) {
		t.Errorf("ServeUAPI returned %v, want the invalid operation", err)
	}
	inval := "errno=-" + strconv.Itoa(int(syscall.EINVAL)) + "\n\n"
	want := "listen_port=7\nerrno=0\n\n" + "errno=0\n\n" + inval + "errno=0\n\n" + inval
	if out != want {
		t.Errorf("wrote %q, want %q", out, want)
	}
	if len(sets) != 3 || len(sets[0]) != 1 || len(sets[1]) != 1 || len(sets[2]) != 0 {
		t.Errorf("set requests: %v", sets)
	}
	for _, in := range []string{"", "get=1\n", "get=1", "set=1"} {
		out, err := uapiServeString(in, h)
		if err != nil || out != "" {
			t.Errorf("input %q: wrote %q, returned %v", in, out, err)
		}
	}
	if _, err := uapiServeString("get=1\r\n\n", h); !errors.Is(err, errUAPIOperation) {
		t.Errorf("get=1 with a carriage return: %v", err)
	}
}

func TestServeUAPIHandlerErrors(t *testing.T) {
	h := uapiHandlerFunc{
		get: func() (*Device, error) { return nil, &Errno{Op: "get", Errno: syscall.ENXIO} },
		set: func(*UAPISetDecoder) error { return errors.New("no errno") },
	}
	out, err := uapiServeString("get=1\n\nset=1\n\n", h)
	want := "errno=-" + strconv.Itoa(int(syscall.ENXIO)) + "\n\n" + "errno=-55\n\n"
	// The handler left the set request's empty line unread, so it is read
	// as the next request and ends the connection.
	if !errors.Is(err, errUAPIOperation) || out != want {
		t.Errorf("wrote %q, returned %v; want %q", out, err, want)
	}
}

// TestParseUAPIGetReplyResolvesNames checks that an endpoint whose host is
// not a numeric address, or whose port is not a number, goes to
// the resolver when one is given, as wg(8) hands every get reply
// endpoint to getaddrinfo(3) (ipc-uapi.h), and that a name that does not
// resolve fails the reply with ENETUNREACH, the errno wg(8) means to
// report then.
func TestParseUAPIGetReplyResolvesNames(t *testing.T) {
	var asked []string
	resolve := func(host, port string) (Endpoint, error) {
		asked = append(asked, host+" "+port)
		if host != "localhost" {
			return Endpoint{}, errors.New("no such host")
		}
		p := uint16(51820)
		if port == "domain" {
			p = 53
		}
		return Endpoint{Addr: netip.MustParseAddr("127.0.0.1"), Port: p}, nil
	}
	for _, tc := range []struct {
		endpoint, want string
	}{
		{"localhost:51820", "127.0.0.1:51820"},
		{"[localhost]:51820", "127.0.0.1:51820"},
		{"localhost:domain", "127.0.0.1:53"},
		{"192.0.2.1:7", "192.0.2.1:7"},
	} {
		asked = nil
		d, err := parseUAPIGetReply(strings.NewReader("public_key="+uapiHexB+"\nendpoint="+tc.endpoint+"\nerrno=0\n\n"), resolve)
		if err != nil {
			t.Errorf("%s: %v", tc.endpoint, err)
			continue
		}
		if got := d.Peers[0].Endpoint.String(); got != tc.want {
			t.Errorf("%s: endpoint %s, want %s", tc.endpoint, got, tc.want)
		}
		if numeric := tc.endpoint == tc.want; numeric != (len(asked) == 0) {
			t.Errorf("%s: resolver asked %q", tc.endpoint, asked)
		}
	}
	_, err := parseUAPIGetReply(strings.NewReader("public_key="+uapiHexB+"\nendpoint=nosuch:5\nerrno=0\n\n"), resolve)
	uapiWantErr{op: "get", errno: syscall.ENETUNREACH}.check(t, err)
	for _, bad := range []string{"localhost:", "[localhost]", "[localhost]:", "localhost"} {
		_, err := parseUAPIGetReply(strings.NewReader("public_key="+uapiHexB+"\nendpoint="+bad+"\nerrno=0\n\n"), resolve)
		uapiWantErr{protocol: true}.check(t, err)
	}
}

// TestParseUAPIGetReplyNamedZoneGoesToResolver checks that an address
// whose zone is an interface name is not taken as it is when a resolver
// is given: getaddrinfo(3) accepts a name scope only on link-local
// addresses (glibc refuses `2001:db8::1%lo` with EAI_NONAME), a rule the
// resolver applies. A numeric zone is taken as it is.
func TestParseUAPIGetReplyNamedZoneGoesToResolver(t *testing.T) {
	var asked []string
	resolve := func(host, port string) (Endpoint, error) {
		asked = append(asked, host)
		return Endpoint{}, errors.New("Name or service not known")
	}
	reply := func(ep string) string { return "public_key=" + uapiHexB + "\nendpoint=" + ep + "\nerrno=0\n\n" }
	_, err := parseUAPIGetReply(strings.NewReader(reply("[2001:db8::1%lo]:5")), resolve)
	uapiWantErr{op: "get", errno: syscall.ENETUNREACH}.check(t, err)
	if !slices.Equal(asked, []string{"2001:db8::1%lo"}) {
		t.Errorf("resolver asked %q, want the zoned host", asked)
	}
	asked = nil
	d, err := parseUAPIGetReply(strings.NewReader(reply("[fe80::1%7]:5")), resolve)
	if err != nil || len(asked) != 0 || d.Peers[0].Endpoint.ScopeID != 7 {
		t.Errorf("numeric zone: %+v, %v, resolver asked %q", d, err, asked)
	}
}

// TestParseUAPIGetReplyManyPeers parses a reply of 40,000 peers, more
// than 62 chunks: the chunk size once came from a shift that overflowed
// there and panicked making the next chunk.
func TestParseUAPIGetReplyManyPeers(t *testing.T) {
	const n = 40000
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "public_key=%064x\n", i+1)
	}
	b.WriteString("errno=0\n\n")
	d, err := ParseUAPIGetReply(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Peers) != n {
		t.Fatalf("%d peers, want %d", len(d.Peers), n)
	}
	for i, p := range d.Peers {
		if p.PublicKey[31] != byte(i+1) || p.PublicKey[30] != byte((i+1)>>8) {
			t.Fatalf("peer %d out of order: %v", i, p.PublicKey)
		}
	}
}
