// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
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

	mu       sync.Mutex
	uapiOnly map[string]bool
}

var _ Backend = (*SocketBackend)(nil)

// uapi returns the UAPI backend over the same directory, which also finds
// and dials the sockets for the nvlist protocol.
func (s *SocketBackend) uapi() *UAPIBackend {
	return &UAPIBackend{Dir: s.Dir}
}

// Has reports whether the named interface has a live control socket, by
// wg(8)'s rule: a socket that does not refuse a connection. A refusing one
// is stale and removed.
func (s *SocketBackend) Has(name string) bool {
	return !strings.Contains(name, "/") && s.uapi().live(name)
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
	if !s.isUAPIOnly(name) {
		d, err := s.nvlistGet(name)
		if !errors.Is(err, errNoNVList) {
			return d, err
		}
		s.setUAPIOnly(name)
	}
	return s.uapi().Device(name)
}

// ConfigureDevice applies cfg to the named interface.
func (s *SocketBackend) ConfigureDevice(name string, cfg *Config) error {
	if !s.isUAPIOnly(name) {
		err := s.nvlistSet(name, cfg)
		if !errors.Is(err, errNoNVList) {
			return err
		}
		s.setUAPIOnly(name)
	}
	return s.uapi().ConfigureDevice(name, cfg)
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

func (s *SocketBackend) nvlistDial(name string) (*nvlistConn, error) {
	c, err := s.uapi().dial(name)
	if err != nil {
		return nil, err
	}
	return &nvlistConn{c: c, r: bufio.NewReader(c)}, nil
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

func (s *SocketBackend) nvlistGet(name string) (*Device, error) {
	n, err := s.nvlistDial(name)
	if err != nil {
		return nil, err
	}
	defer n.c.Close()
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

func (s *SocketBackend) nvlistSet(name string, cfg *Config) error {
	if hasUpdateOnly(cfg) {
		d, err := s.nvlistGet(name)
		if err != nil {
			return err
		}
		cfg = resolveUpdateOnly(cfg, d)
	}
	l, err := EncodeSet(cfg)
	if err != nil {
		return err
	}
	data, err := l.Pack()
	if err != nil {
		return fmt.Errorf("failed to pack set request: %w", err)
	}
	n, err := s.nvlistDial(name)
	if err != nil {
		return err
	}
	defer n.c.Close()
	en, _, err := n.roundTrip(true, ControlSet, data)
	if err != nil {
		return err
	}
	if en != 0 {
		return &Errno{Op: "set", Errno: en}
	}
	return nil
}
