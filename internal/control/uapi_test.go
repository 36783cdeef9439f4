// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"

	"github.com/wgbsd/wgbsd/ifwg"
)

// uapiClient speaks UAPI on one connection.
type uapiClient struct{ clientConn }

func newUAPIClient(t *testing.T, s *Server, priv bool) *uapiClient {
	t.Helper()
	c := dialServer(t, s, priv)
	return &uapiClient{newClientConn(t, c)}
}

// newUAPIClientAs connects to s as who.
func newUAPIClientAs(t *testing.T, s *Server, who Caller) *uapiClient {
	t.Helper()
	c := dialServerAs(t, s, who)
	return &uapiClient{newClientConn(t, c)}
}

// send writes raw request text.
func (u *uapiClient) send(text string) {
	u.t.Helper()
	if _, err := io.WriteString(u.c, text); err != nil {
		u.t.Fatal(err)
	}
}

// reply reads one reply, up to and including its empty line.
func (u *uapiClient) reply() string {
	u.t.Helper()
	var b strings.Builder
	for {
		line, err := u.r.ReadString('\n')
		if err != nil {
			u.t.Fatalf("reading reply after %q: %v", b.String(), err)
		}
		b.WriteString(line)
		if line == "\n" {
			return b.String()
		}
	}
}

// do sends a request and returns its reply.
func (u *uapiClient) do(text string) string {
	u.t.Helper()
	u.send(text)
	return u.reply()
}

// hexKey returns the UAPI form of key(b).
func hexKey(b byte) string { return key(b).Hex() }

func errnoLine(en syscall.Errno) string { return fmt.Sprintf("errno=%d\n\n", -int(en)) }

func TestUAPIGet(t *testing.T) {
	e := configuredEngine()
	s := newTestServer(t, e)
	common := "public_key=" + hexKey(1) + "\n" + "%s" +
		"protocol_version=1\nendpoint=192.0.2.1:51820\n" +
		"last_handshake_time_sec=1700000000\nlast_handshake_time_nsec=5\n" +
		"tx_bytes=2000\nrx_bytes=1000\npersistent_keepalive_interval=25\n" +
		"allowed_ip=10.0.0.2/32\nallowed_ip=fd00::/64\n" +
		"public_key=" + hexKey(2) + "\npreshared_key=" + hexKey(0) + "\nprotocol_version=1\n" +
		"last_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n" +
		"persistent_keepalive_interval=0\nerrno=0\n\n"
	priv := "private_key=" + key(0x42).Clamped().Hex() + "\nlisten_port=51820\nfwmark=4660\n" +
		fmt.Sprintf(common, "preshared_key="+hexKey(0x99)+"\n")
	unpriv := "listen_port=51820\nfwmark=4660\n" +
		fmt.Sprintf(common, "preshared_key="+hexKey(0)+"\n")
	if got := newUAPIClient(t, s, true).do("get=1\n\n"); got != priv {
		t.Errorf("privileged get:\n%s\nwant:\n%s", got, priv)
	}
	if got := newUAPIClient(t, s, false).do("get=1\n\n"); got != unpriv {
		t.Errorf("unprivileged get:\n%s\nwant:\n%s", got, unpriv)
	}
	if got := newUAPIClient(t, s, true).do("get=1\nx\n"); got != errnoLine(syscall.EINVAL) {
		t.Errorf("get without the empty line: %q", got)
	}
}

func TestUAPISet(t *testing.T) {
	priv := key(0x42)
	for _, c := range []struct {
		name  string
		setup func(e *fakeEngine)
		req   string
		errno syscall.Errno
		check func(t *testing.T, d *ifwg.Device)
	}{{
		name: "device and peer keys",
		req: "set=1\nprivate_key=" + priv.Hex() + "\nlisten_port=51820\nfwmark=7\n" +
			"public_key=" + hexKey(1) + "\npreshared_key=" + hexKey(9) + "\nendpoint=[fe80::1%3]:5\n" +
			"persistent_keepalive_interval=25\nreplace_allowed_ips=true\nallowed_ip=10.1.2.3/24\n" +
			"allowed_ip=::/0\nprotocol_version=1\n\n",
		check: func(t *testing.T, d *ifwg.Device) {
			p := peerOf(t, d, 1)
			if *d.PrivateKey != priv.Clamped() || d.ListenPort != 51820 || d.FwMark != 7 ||
				*p.PresharedKey != key(9) || p.Endpoint.String() != "[fe80::1%3]:5" ||
				p.PersistentKeepalive != 25 {
				t.Errorf("device %+v peer %+v", d, p)
			}
			wantAIPs(t, d, 1, "::/0", "10.1.2.0/24")
		},
	}, {
		name:  "replace_peers",
		setup: withPeers(1, 2),
		req:   "set=1\nreplace_peers=true\npublic_key=" + hexKey(3) + "\n\n",
		check: func(t *testing.T, d *ifwg.Device) { wantPeers(t, d, 3) },
	}, {
		name:  "a bad line stops the request and keeps what was applied",
		setup: withPeers(1),
		req:   "set=1\nlisten_port=5\npublic_key=" + hexKey(2) + "\nbogus=1\npublic_key=" + hexKey(3) + "\n\n",
		errno: syscall.EINVAL,
		check: func(t *testing.T, d *ifwg.Device) {
			wantPeers(t, d, 1, 2)
			if d.ListenPort != 5 {
				t.Errorf("port %d", d.ListenPort)
			}
		},
	}, {
		name:  "a line without '='",
		req:   "set=1\nfwmark=3\nnonsense\n\n",
		errno: syscall.EPROTO,
		check: func(t *testing.T, d *ifwg.Device) {
			if d.FwMark != 3 {
				t.Errorf("fwmark %d", d.FwMark)
			}
		},
	}, {
		name:  "update_only does not create",
		setup: withPeers(1),
		req: "set=1\npublic_key=" + hexKey(2) + "\nupdate_only=true\nendpoint=192.0.2.9:9\n" +
			"public_key=" + hexKey(1) + "\nupdate_only=true\npersistent_keepalive_interval=9\n\n",
		check: func(t *testing.T, d *ifwg.Device) {
			wantPeers(t, d, 1)
			if peerOf(t, d, 1).PersistentKeepalive != 9 {
				t.Error("existing peer not updated")
			}
		},
	}, {
		name:  "remove ignores the rest of the peer's lines",
		setup: withPeers(1, 2),
		req:   "set=1\npublic_key=" + hexKey(1) + "\nremove=true\nallowed_ip=10.0.0.2/32\npublic_key=" + hexKey(3) + "\n\n",
		check: func(t *testing.T, d *ifwg.Device) {
			wantPeers(t, d, 2, 3)
			wantAIPs(t, d, 2, "10.0.0.2/32")
		},
	}, {
		name:  "the interface's own key selects a placeholder",
		setup: func(e *fakeEngine) { e.priv, e.hasID = priv.Clamped(), true },
		req:   "set=1\npublic_key=" + priv.PublicKey().Hex() + "\nallowed_ip=10.0.0.0/8\nremove=true\n\n",
		check: func(t *testing.T, d *ifwg.Device) { wantPeers(t, d) },
	}, {
		name:  "without an identity the zero key selects the placeholder",
		req:   "set=1\npublic_key=" + hexKey(0) + "\nendpoint=192.0.2.1:1\n\n",
		check: func(t *testing.T, d *ifwg.Device) { wantPeers(t, d) },
	}, {
		name:  "allowed_ip removal",
		setup: withPeers(1, 2),
		req:   "set=1\npublic_key=" + hexKey(1) + "\nallowed_ip=-10.0.0.1/32\nallowed_ip=-10.0.0.2/32\n\n",
		check: func(t *testing.T, d *ifwg.Device) {
			wantAIPs(t, d, 1)
			wantAIPs(t, d, 2, "10.0.0.2/32")
		},
	}, {
		name:  "bind failure is EADDRINUSE",
		setup: func(e *fakeEngine) { e.busyPorts[9] = true },
		req:   "set=1\nlisten_port=9\n\n",
		errno: syscall.EADDRINUSE,
	}, {
		name:  "fwmark failure is EADDRINUSE",
		setup: func(e *fakeEngine) { e.cookieErr = syscall.EACCES },
		req:   "set=1\nfwmark=9\n\n",
		errno: syscall.EADDRINUSE,
	}, {
		name:  "a peer that cannot be created is EINVAL",
		setup: func(e *fakeEngine) { withPeers(1)(e); e.maxPeers = 1 },
		req:   "set=1\npublic_key=" + hexKey(2) + "\nallowed_ip=10.0.0.0/8\n\n",
		errno: syscall.EINVAL,
		check: func(t *testing.T, d *ifwg.Device) { wantPeers(t, d, 1) },
	}, {
		name: "the same listen port binds again",
		setup: func(e *fakeEngine) {
			e.port = 7
		},
		req: "set=1\nlisten_port=7\n\n",
	}} {
		t.Run(c.name, func(t *testing.T) {
			e := newFakeEngine()
			if c.setup != nil {
				c.setup(e)
			}
			s := newTestServer(t, e)
			u := newUAPIClient(t, s, true)
			if got := u.do(c.req); got != errnoLine(c.errno) {
				t.Fatalf("reply %q, want %q", got, errnoLine(c.errno))
			}
			if c.check != nil {
				c.check(t, e.Snapshot())
			}
		})
	}
}

func TestUAPISetUnprivileged(t *testing.T) {
	e := configuredEngine()
	u := newUAPIClient(t, newTestServer(t, e), false)
	if got := u.do("set=1\nreplace_peers=true\nlisten_port=1\n\n"); got != errnoLine(syscall.EPERM) {
		t.Fatalf("reply %q", got)
	}
	if e.configures != 0 {
		t.Error("engine configured")
	}
	if got := u.do("get=1\n\n"); !strings.HasSuffix(got, "errno=0\n\n") {
		t.Errorf("get after EPERM: %q", got)
	}
}

func TestUAPIManyRequests(t *testing.T) {
	e := newFakeEngine()
	u := newUAPIClient(t, newTestServer(t, e), true)
	var req strings.Builder
	const count = 20
	for i := range count {
		fmt.Fprintf(&req, "set=1\npublic_key=%s\n\nget=1\n\n", hexKey(byte(i+1)))
	}
	go io.WriteString(u.c, req.String())
	for i := range count {
		if got := u.reply(); got != "errno=0\n\n" {
			t.Fatalf("set %d: %q", i, got)
		}
		if got := u.reply(); strings.Count(got, "public_key=") != i+1 {
			t.Fatalf("get %d: %q", i, got)
		}
	}
}

func TestUAPIWithIfwgClient(t *testing.T) {
	e := newFakeEngine()
	s := newTestServer(t, e)
	cfg := &ifwg.Config{
		PrivateKey:   ifwg.Ptr(key(0x42)),
		ListenPort:   ifwg.Ptr[uint16](51820),
		ReplacePeers: true,
		Peers: []ifwg.PeerConfig{{
			PublicKey:  key(1),
			Endpoint:   &ifwg.Endpoint{Addr: mustAddr("192.0.2.1"), Port: 1},
			AllowedIPs: []ifwg.AllowedIP{{Prefix: mustPrefix("10.0.0.0/8")}},
		}},
	}
	if err := ifwg.UAPIConfigureDevice(dialServer(t, s, true), cfg); err != nil {
		t.Fatal(err)
	}
	d, err := ifwg.UAPIGetDevice(dialServer(t, s, true))
	if err != nil {
		t.Fatal(err)
	}
	if *d.PrivateKey != key(0x42).Clamped() || d.ListenPort != 51820 || len(d.Peers) != 1 ||
		d.Peers[0].Endpoint.String() != "192.0.2.1:1" || d.Peers[0].AllowedIPs[0].String() != "10.0.0.0/8" {
		t.Errorf("device %+v", d)
	}
	err = ifwg.UAPIConfigureDevice(dialServer(t, s, false), cfg)
	if en, ok := err.(*ifwg.Errno); !ok || en.Errno != syscall.EPERM {
		t.Errorf("unprivileged set: %v", err)
	}
}

func TestUAPIBadFirstLine(t *testing.T) {
	for _, first := range []string{"hello=1\n", "get=2\n", "set=1 \n", "\n"} {
		u := newUAPIClient(t, newTestServer(t, newFakeEngine()), true)
		u.send(first)
		if b, err := u.r.ReadByte(); err == nil {
			t.Errorf("%q: connection answered %q", first, b)
		}
	}
}

// TestUAPILongSet sends a set longer than one batch that fails at its end:
// everything before the failure is applied, in several Configure calls.
func TestUAPILongSet(t *testing.T) {
	e := newFakeEngine()
	u := newUAPIClient(t, newTestServer(t, e), true)
	var req strings.Builder
	req.WriteString("set=1\npublic_key=" + hexKey(1) + "\n")
	for i := range 3 * uapiBatch {
		fmt.Fprintf(&req, "allowed_ip=10.%d.%d.0/24\n", i/256, i%256)
	}
	req.WriteString("allowed_ip=bogus\nallowed_ip=10.255.0.0/16\n\n")
	if got := u.do(req.String()); got != errnoLine(syscall.EINVAL) {
		t.Fatalf("reply %q", got)
	}
	d := e.Snapshot()
	if n := len(d.Peers[0].AllowedIPs); n != 3*uapiBatch {
		t.Errorf("%d allowed IPs, want %d", n, 3*uapiBatch)
	}
	if e.configures < 3 {
		t.Errorf("%d Configure calls", e.configures)
	}
}

// TestSlowClientDoesNotBlock leaves a set request unfinished on one
// connection while another connection sets and gets.
func TestSlowClientDoesNotBlock(t *testing.T) {
	e := newFakeEngine()
	s := newTestServer(t, e)
	slow := newUAPIClient(t, s, true)
	slow.send("set=1\npublic_key=" + hexKey(1) + "\nallowed_ip=10.0.0.0/8\nallowed_ip=10.")
	slowNV := newNVClient(t, s, true)
	slowNV.c.Write(header(ifwg.ControlSet, 0, 100))

	fast := newUAPIClient(t, s, true)
	if got := fast.do("set=1\npublic_key=" + hexKey(2) + "\n\n"); got != "errno=0\n\n" {
		t.Fatalf("fast set: %q", got)
	}
	if d := newNVClient(t, s, true).device(); len(d.Peers) != 1 {
		t.Fatalf("peers %v", peerKeys(d))
	}
	slow.send("1.0.0/16\n\n")
	if got := slow.reply(); got != "errno=0\n\n" {
		t.Fatalf("slow set: %q", got)
	}
	wantAIPs(t, e.Snapshot(), 1, "10.1.0.0/16", "10.0.0.0/8")
}
