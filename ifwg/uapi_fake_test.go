// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wgbsd/wgbsd/internal/sockettest"
)

// uapiUniqueName returns an interface name no other test process uses.
func uapiUniqueName() string { return sockettest.IfName("wgbsdt") }

// uapiFake is a UAPI daemon that records each request's bytes and answers
// with whatever reply returns for it.
type uapiFake struct {
	name  string
	path  string
	reply func(req []byte) []byte

	mu   sync.Mutex
	reqs [][]byte
}

// startUAPIFake starts a fake daemon on /var/run/wireguard/<unique>.sock,
// where wg(8) looks.
func startUAPIFake(t *testing.T, reply func(req []byte) []byte) *uapiFake {
	t.Helper()
	if err := os.MkdirAll(DefaultSocketDir, 0o755); err != nil {
		t.Fatal(err)
	}
	return startUAPIFakeIn(t, DefaultSocketDir, uapiUniqueName(), reply)
}

// startUAPIFakeIn starts a fake daemon on dir/name.sock until the test
// ends.
func startUAPIFakeIn(t *testing.T, dir, name string, reply func(req []byte) []byte) *uapiFake {
	t.Helper()
	f := &uapiFake{name: name, path: filepath.Join(dir, name+socketSuffix), reply: reply}
	serveSocket(t, dir, name, f.serve)
	return f
}

// serve answers the one request of a connection, as wg(8) sends one per
// connection, and closes it, so that a client waiting for more of a short
// reply sees the end. A connection closed before any byte (wg(8)'s
// liveness check) is not recorded.
func (f *uapiFake) serve(c net.Conn) {
	req, err := readUAPIFakeRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	c.Write(f.reply(req))
}

// readUAPIFakeRequest reads raw bytes up to and including the first empty
// line.
func readUAPIFakeRequest(r *bufio.Reader) ([]byte, error) {
	var req []byte
	for {
		line, err := r.ReadBytes('\n')
		req = append(req, line...)
		if err != nil {
			return nil, err
		}
		if len(line) == 1 {
			return req, nil
		}
	}
}

// requests returns the requests recorded so far.
func (f *uapiFake) requests() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.reqs...)
}

// uapiDumpConfig returns every field of c as text, for comparing and
// printing Configs.
func uapiDumpConfig(c *Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "private_key=%s listen_port=%s fwmark=%s replace_peers=%v\n",
		uapiDumpPtr(c.PrivateKey), uapiDumpPtr(c.ListenPort), uapiDumpPtr(c.FwMark), c.ReplacePeers)
	for _, p := range c.Peers {
		var ep string
		if p.Endpoint != nil {
			ep = uapiDumpEndpoint(*p.Endpoint)
		} else {
			ep = "<nil>"
		}
		fmt.Fprintf(&b, "peer %s remove=%v update_only=%v psk=%s endpoint=%s keepalive=%s replace_aips=%v aips=%v\n",
			p.PublicKey, p.Remove, p.UpdateOnly, uapiDumpPtr(p.PresharedKey), ep,
			uapiDumpPtr(p.PersistentKeepalive), p.ReplaceAllowedIPs, p.AllowedIPs)
	}
	return b.String()
}

// uapiDumpDevice returns every field of d as text.
func uapiDumpDevice(d *Device) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name=%q private_key=%s public_key=%s listen_port=%d fwmark=%d\n",
		d.Name, uapiDumpPtr(d.PrivateKey), uapiDumpPtr(d.PublicKey), d.ListenPort, d.FwMark)
	for _, p := range d.Peers {
		fmt.Fprintf(&b, "peer %s psk=%s endpoint=%s handshake=%d.%d keepalive=%d rx=%d tx=%d aips=%v version=%d\n",
			p.PublicKey, uapiDumpPtr(p.PresharedKey), uapiDumpEndpoint(p.Endpoint), p.LastHandshake.Sec,
			p.LastHandshake.Nsec, p.PersistentKeepalive, p.RxBytes, p.TxBytes, p.AllowedIPs, p.ProtocolVersion)
	}
	return b.String()
}

// uapiDumpEndpoint returns every field of an endpoint.
func uapiDumpEndpoint(e Endpoint) string {
	return fmt.Sprintf("{%v %d flow=%d scope=%d}", e.Addr, e.Port, e.FlowInfo, e.ScopeID)
}

// uapiDumpPtr prints a pointer's value or <nil>.
func uapiDumpPtr[T any](p *T) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

// uapiConfigsEqual reports whether two Configs have the same fields.
func uapiConfigsEqual(a, b *Config) bool { return uapiDumpConfig(a) == uapiDumpConfig(b) }

// uapiDevicesEqual reports whether two Devices have the same fields.
func uapiDevicesEqual(a, b *Device) bool { return uapiDumpDevice(a) == uapiDumpDevice(b) }

// uapiHandlerFunc is a UAPIHandler made of two functions.
type uapiHandlerFunc struct {
	get func() (*Device, error)
	set func(d *UAPISetDecoder) error
}

func (h uapiHandlerFunc) UAPIGet() (*Device, error)       { return h.get() }
func (h uapiHandlerFunc) UAPISet(d *UAPISetDecoder) error { return h.set(d) }

// uapiCollect reads every operation of a request.
func uapiCollect(d *UAPISetDecoder) ([]UAPISetOp, error) {
	var ops []UAPISetOp
	for op, err := range d.Ops() {
		if err != nil {
			return ops, err
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// uapiServeString runs ServeUAPI on the given input and returns what it
// wrote and returned.
func uapiServeString(in string, h UAPIHandler) (string, error) {
	var out bytes.Buffer
	err := ServeUAPI(bufio.NewReader(strings.NewReader(in)), &out, h)
	return out.String(), err
}
