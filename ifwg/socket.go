// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
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

func (s *SocketBackend) dir() string {
	if s.Dir == "" {
		return DefaultSocketDir
	}
	return s.Dir
}

// Path returns the control socket path of the named interface.
func (s *SocketBackend) Path(name string) string {
	return filepath.Join(s.dir(), name+socketSuffix)
}

// dial connects to the named interface's socket as wg(8) checks for a
// userspace interface: the path must be a socket; a refused connection
// means a stale socket, which is removed. Both give an error matching
// os.ErrNotExist. Names containing "/" are never userspace interfaces.
func (s *SocketBackend) dial(name string) (net.Conn, error) {
	if name == "" || strings.ContainsRune(name, '/') {
		return nil, fmt.Errorf("interface %q: %w", name, os.ErrNotExist)
	}
	path := s.Path(name)
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Type() != os.ModeSocket {
		return nil, fmt.Errorf("%s is not a socket: %w", path, os.ErrNotExist)
	}
	c, err := net.Dial("unix", path)
	if errors.Is(err, syscall.ECONNREFUSED) {
		_ = os.Remove(path)
		return nil, fmt.Errorf("stale socket %s removed: %w", path, os.ErrNotExist)
	}
	return c, err
}

// Has reports whether the named interface has a live control socket, by
// wg(8)'s rule: any connection error other than a refusal still counts.
func (s *SocketBackend) Has(name string) bool {
	c, err := s.dial(name)
	if c != nil {
		c.Close()
	}
	return err == nil || !errors.Is(err, os.ErrNotExist)
}

// Interfaces lists the directory's "*.sock" entries that pass Has, in
// directory order. A missing directory means no interfaces.
func (s *SocketBackend) Interfaces() ([]string, error) {
	f, err := os.Open(s.dir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e, socketSuffix)
		if ok && name != "" && s.Has(name) {
			names = append(names, name)
		}
	}
	return names, nil
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
	c, err := s.dial(name)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	d, err := UAPIGetDevice(c)
	if err != nil {
		return nil, err
	}
	d.Name = name
	return d, nil
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
	c, err := s.dial(name)
	if err != nil {
		return err
	}
	defer c.Close()
	return UAPIConfigureDevice(c, cfg)
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
	c, err := s.dial(name)
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
// connection.
func isClosedConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
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
	l, err := nvlist.Unpack(data)
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
