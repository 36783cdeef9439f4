// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"bufio"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/nvlist"
)

// newTestServer returns a Server for e that is closed when the test ends.
func newTestServer(t *testing.T, e Engine) *Server {
	t.Helper()
	s := NewServer(e, Logger{Verbosef: t.Logf, Errorf: t.Logf})
	t.Cleanup(s.Close)
	return s
}

// connPair returns the two ends of a connected UNIX stream socket pair.
func connPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	t.Cleanup(func() { conns[0].Close() })
	return conns[0], conns[1]
}

// dialServer starts serving one end of a new socket pair as root's or
// nobody's connection and returns the other end.
func dialServer(t *testing.T, s *Server, priv bool) net.Conn {
	t.Helper()
	if priv {
		return dialServerAs(t, s, Caller{UID: 0, Privileged: true})
	}
	return dialServerAs(t, s, Caller{UID: nobodyUID})
}

// nobodyUID is the user ID of nobody.
const nobodyUID = 65534

// dialServerAs starts serving one end of a new socket pair as who's
// connection and returns the other end.
func dialServerAs(t *testing.T, s *Server, who Caller) net.Conn {
	t.Helper()
	client, server := connPair(t)
	s.Start(server, who)
	return client
}

// clientConn is one client connection of a test: the nvlist and UAPI
// clients are both made of it.
type clientConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func newClientConn(t *testing.T, c net.Conn) clientConn {
	return clientConn{t: t, c: c, r: bufio.NewReader(c)}
}

// nvClient speaks the nvlist framing on one connection.
type nvClient struct{ clientConn }

// newNVClient connects to s and sends the nvlist greeting.
func newNVClient(t *testing.T, s *Server, priv bool) *nvClient {
	t.Helper()
	c := dialServer(t, s, priv)
	if _, err := c.Write([]byte(ifwg.ControlHello)); err != nil {
		t.Fatal(err)
	}
	return &nvClient{newClientConn(t, c)}
}

// roundTrip sends one request and reads its reply.
func (n *nvClient) roundTrip(cmd uint32, payload []byte) (syscall.Errno, []byte) {
	n.t.Helper()
	if err := ifwg.WriteControlRequest(n.c, cmd, payload); err != nil {
		n.t.Fatal(err)
	}
	en, data, err := ifwg.ReadControlReply(n.r)
	if err != nil {
		n.t.Fatalf("reading reply: %v", err)
	}
	return en, data
}

// set packs l and sends it as a SET, returning the errno.
func (n *nvClient) set(l *nvlist.List) syscall.Errno {
	n.t.Helper()
	b, err := l.Pack()
	if err != nil {
		n.t.Fatal(err)
	}
	en, data := n.roundTrip(ifwg.ControlSet, b)
	if len(data) != 0 {
		n.t.Fatalf("SET reply carries %d bytes", len(data))
	}
	return en
}

// get sends a GET and returns its nvlist.
func (n *nvClient) get() *nvlist.List {
	n.t.Helper()
	en, data := n.roundTrip(ifwg.ControlGet, nil)
	if en != 0 {
		n.t.Fatalf("GET: %v", en)
	}
	l, err := nvlist.Unpack(data)
	if err != nil {
		n.t.Fatalf("GET reply: %v", err)
	}
	return l
}

// device sends a GET and decodes it as wg(8) does.
func (n *nvClient) device() *ifwg.Device {
	n.t.Helper()
	d, err := ifwg.DecodeGet(n.get())
	if err != nil {
		n.t.Fatal(err)
	}
	return d
}

// expectClosed checks that the server closed the connection without
// sending anything more.
func (n *nvClient) expectClosed() {
	n.t.Helper()
	b, err := n.r.ReadByte()
	if err == nil {
		n.t.Fatalf("connection still open: read %#x", b)
	}
}

// key returns a key of 32 equal bytes.
func key(b byte) ifwg.Key {
	var k ifwg.Key
	for i := range k {
		k[i] = b
	}
	return k
}

// nv builds an nvlist from name/value pairs: bool, uint64, int (as a
// number), []byte, ifwg.Key (as binary) and []*nvlist.List.
func nv(t testing.TB, kv ...any) *nvlist.List {
	t.Helper()
	l := nvlist.New()
	for i := 0; i+1 < len(kv); i += 2 {
		name := kv[i].(string)
		switch v := kv[i+1].(type) {
		case bool:
			l.AddBool(name, v)
		case uint64:
			l.AddNumber(name, v)
		case int:
			l.AddNumber(name, uint64(v))
		case []byte:
			l.AddBinary(name, v)
		case ifwg.Key:
			l.AddBinary(name, v[:])
		case []*nvlist.List:
			l.AddNVListArray(name, v)
		case string:
			l.AddString(name, v)
		default:
			t.Fatalf("nv: unsupported value %T", v)
		}
	}
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	return l
}

// peers returns the arguments as an nvlist array.
func peers(l ...*nvlist.List) []*nvlist.List { return l }

// aip returns an allowed-ips element for a prefix, as wg(8) builds it.
func aip(t testing.TB, s string) *nvlist.List {
	t.Helper()
	p := netip.MustParsePrefix(s)
	if p.Addr().Is4() {
		a := p.Addr().As4()
		return nv(t, ifwg.NVCIDR, p.Bits(), ifwg.NVIPv4, a[:])
	}
	a := p.Addr().As16()
	return nv(t, ifwg.NVCIDR, p.Bits(), ifwg.NVIPv6, a[:])
}

// sockaddr returns the FreeBSD sockaddr of an endpoint.
func sockaddr(t *testing.T, s string) []byte {
	t.Helper()
	e, err := ifwg.EndpointFromAddrPort(netip.MustParseAddrPort(s))
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.MarshalSockaddr()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// peerKeys returns the public keys of d's peers in order.
func peerKeys(d *ifwg.Device) []ifwg.Key {
	var keys []ifwg.Key
	for _, p := range d.Peers {
		keys = append(keys, p.PublicKey)
	}
	return keys
}

// bufioReader returns a buffered reader of c.
func bufioReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
