// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"sync"
	"syscall"

	"github.com/wgbsd/wgbsd/nvlist"
)

// DefaultSocketDir is where userspace WireGuard daemons put their control
// sockets, <dir>/<interface>.sock.
const DefaultSocketDir = "/var/run/wireguard"

// socketSuffix ends every control socket's file name.
const socketSuffix = ".sock"

// SocketBackend reaches userspace daemons through their control sockets:
// wgd with if_wg's nvlist protocol (docs/control-protocol.md), any other
// daemon (wireguard-go, boringtun) with the UAPI text protocol. It tries
// nvlist first and remembers a daemon that closed the connection on it.
type SocketBackend struct {
	// Dir is the socket directory; empty means DefaultSocketDir.
	Dir string
	// ResolveEndpoint is the UAPI backend's (see UAPIBackend).
	ResolveEndpoint EndpointResolver

	mu       sync.Mutex
	uapiOnly map[string]bool
}

var _ Backend = (*SocketBackend)(nil)

// uapi returns the UAPI backend over the same directory, which also finds
// and dials the sockets for the nvlist protocol.
func (s *SocketBackend) uapi() *UAPIBackend {
	return &UAPIBackend{Dir: s.Dir, ResolveEndpoint: s.ResolveEndpoint}
}

// dialLive connects to the named interface's socket when it is live by
// wg(8)'s rule: a socket that does not refuse a connection. It returns a
// nil connection and a nil error when there is none (a name with "/", no
// socket file, a file that is not a socket, or a socket that refuses the
// connection, which is stale and removed): the interface is then not a
// userspace one. Any other failure to connect is returned, the socket
// counting as live. The connection found is the one the request then
// uses, so that a request costs one connection, not a probe and another.
func (s *SocketBackend) dialLive(name string) (net.Conn, error) {
	if strings.Contains(name, "/") {
		return nil, nil
	}
	c, err := s.uapi().dial(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return c, err
}

// Interfaces lists the interfaces with live sockets, in directory order.
func (s *SocketBackend) Interfaces() ([]string, error) {
	return s.uapi().Interfaces()
}

// errNoNVList reports a daemon that closed the connection on the nvlist
// greeting or request: it speaks only UAPI.
var errNoNVList = errors.New("daemon does not speak the nvlist protocol")

// Device reads the named interface.
func (s *SocketBackend) Device(name string) (*Device, error) {
	c, err := s.uapi().dial(name)
	if err != nil {
		return nil, err
	}
	return s.deviceOn(name, c)
}

// deviceOn reads the named interface over c, which it closes.
func (s *SocketBackend) deviceOn(name string, c net.Conn) (*Device, error) {
	var d *Device
	err := s.requestOn(name, c,
		func(n *nvlistConn) (err error) { d, err = n.get(name); return err },
		func(c net.Conn) (err error) { d, err = uapiDeviceOn(name, c, s.ResolveEndpoint); return err })
	return d, err
}

// ConfigureDevice applies cfg to the named interface.
func (s *SocketBackend) ConfigureDevice(name string, cfg *Config) error {
	c, err := s.uapi().dial(name)
	if err != nil {
		return err
	}
	return s.configureOn(name, c, cfg)
}

// configureOn applies cfg to the named interface over c, which it closes.
func (s *SocketBackend) configureOn(name string, c net.Conn, cfg *Config) error {
	return s.requestOn(name, c,
		func(n *nvlistConn) error { return n.set(name, cfg) },
		func(c net.Conn) error { return uapiConfigureOn(name, c, cfg) })
}

// requestOn carries out one request on c, which it closes: in the nvlist
// protocol, or in UAPI for a daemon known to speak only that. Only a
// daemon that closes the connection on the nvlist request costs a second
// connection, for UAPI; it is remembered, and later requests to it start
// with UAPI.
func (s *SocketBackend) requestOn(name string, c net.Conn, nv func(*nvlistConn) error, uapi func(net.Conn) error) error {
	if !s.isUAPIOnly(name) {
		err := nv(newNVListConn(c))
		c.Close()
		if !errors.Is(err, errNoNVList) {
			return err
		}
		s.setUAPIOnly(name)
		if c, err = s.uapi().dial(name); err != nil {
			return err
		}
	}
	defer c.Close()
	return uapi(c)
}

func (s *SocketBackend) isUAPIOnly(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uapiOnly[name]
}

func (s *SocketBackend) setUAPIOnly(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.uapiOnly == nil {
		s.uapiOnly = map[string]bool{}
	}
	s.uapiOnly[name] = true
}

// nvlistConn is one connection speaking the nvlist framing.
type nvlistConn struct {
	c net.Conn
	r *bufio.Reader
}

// newNVListConn starts the nvlist framing on c.
func newNVListConn(c net.Conn) *nvlistConn {
	return &nvlistConn{c: c, r: bufio.NewReader(c)}
}

// roundTrip sends one request and reads its reply. A connection closed or
// reset before the reply header arrives means a UAPI-only daemon.
func (n *nvlistConn) roundTrip(hello bool, cmd uint32, payload []byte) (syscall.Errno, []byte, error) {
	msg := make([]byte, 0, len(ControlHello))
	if hello {
		msg = append(msg, ControlHello...)
	}
	var req strings.Builder
	if err := WriteControlRequest(&req, cmd, payload); err != nil {
		return 0, nil, err
	}
	msg = append(msg, req.String()...)
	if _, err := n.c.Write(msg); err != nil {
		if isClosedConn(err) {
			return 0, nil, errNoNVList
		}
		return 0, nil, err
	}
	en, data, err := ReadControlReply(n.r)
	if err != nil && isClosedConn(err) {
		return 0, nil, errNoNVList
	}
	return en, data, err
}

// isClosedConn reports an error that means the daemon closed or reset the
// connection before a whole reply header arrived. wireguard-go closes
// without a word; boringtun first answers "errno=5\n\n", ten bytes, which
// reads as a header cut short.
func isClosedConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// get reads the named interface with a GET, the first request on n.
func (n *nvlistConn) get(name string) (*Device, error) {
	en, data, err := n.roundTrip(true, ControlGet, nil)
	if err != nil {
		return nil, err
	}
	if en != 0 {
		return nil, &Errno{Op: "get", Errno: en}
	}
	l, err := nvlist.UnpackOwned(data)
	if err != nil {
		return nil, fmt.Errorf("invalid reply from %s: %w", name, err)
	}
	d, err := DecodeGet(l)
	if err != nil {
		return nil, fmt.Errorf("invalid reply from %s: %w", name, err)
	}
	d.Name = name
	return d, nil
}

// set applies cfg with a SET, the first request on n. The kernel has no
// update-only peers: a cfg with some is resolved against a GET sent first
// on the same connection.
func (n *nvlistConn) set(name string, cfg *Config) error {
	hello := true
	if hasUpdateOnly(cfg) {
		d, err := n.get(name)
		if err != nil {
			return err
		}
		cfg = resolveUpdateOnly(cfg, d)
		hello = false
	}
	l, err := EncodeSet(cfg)
	if err != nil {
		return err
	}
	data, err := l.Pack()
	if err != nil {
		return fmt.Errorf("failed to pack set request: %w", err)
	}
	en, _, err := n.roundTrip(hello, ControlSet, data)
	if err != nil {
		return err
	}
	if en != 0 {
		return &Errno{Op: "set", Errno: en}
	}
	return nil
}
