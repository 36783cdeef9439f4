// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// UAPIBackend reaches userspace WireGuard interfaces (wireguard-go,
// boringtun, wgd) through their UAPI sockets, <Dir>/<name>.sock, finding
// them as wg(8) does. The zero UAPIBackend uses DefaultSocketDir. Each
// operation opens its own connection.
type UAPIBackend struct {
	// Dir is the socket directory; empty means DefaultSocketDir.
	Dir string
	// ResolveEndpoint, when set, resolves the endpoints of get replies
	// that ParseUAPIGetReply refuses (host names, service names); nil
	// refuses them too.
	ResolveEndpoint EndpointResolver

	// connect connects to a socket path; nil means connectUnix. Tests
	// replace it to make a live daemon refuse.
	connect func(path string) (net.Conn, error)
}

var _ Backend = (*UAPIBackend)(nil)

// dir returns the socket directory.
func (b *UAPIBackend) dir() string {
	if b.Dir == "" {
		return DefaultSocketDir
	}
	return b.Dir
}

// Interfaces lists the interfaces whose sockets are in the directory, in
// the directory's own (unsorted) order: every "<name>.sock" that is a
// socket and does not refuse a connection. A socket that refuses one is
// stale and is removed, as wg(8) removes it; one that fails otherwise is
// still listed. A missing directory has no interfaces.
func (b *UAPIBackend) Interfaces() ([]string, error) {
	f, err := os.Open(b.dir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to open uapi socket directory: %w", err)
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("failed to read uapi socket directory: %w", err)
	}
	var names []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), socketSuffix)
		if !ok || name == "" {
			continue
		}
		if b.live(name) {
			names = append(names, name)
		}
	}
	return names, nil
}

// live reports whether the named interface's socket counts for wg(8): a
// socket that does not refuse a connection. A refusing one is removed.
func (b *UAPIBackend) live(name string) bool {
	path := b.path(name)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Type() != fs.ModeSocket {
		return false
	}
	conn, err := b.connectTo(path)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return !removeIfStale(path)
	}
	if err == nil {
		conn.Close()
	}
	return true
}

// connectTo connects to the socket at path.
func (b *UAPIBackend) connectTo(path string) (net.Conn, error) {
	if b.connect != nil {
		return b.connect(path)
	}
	return connectUnix(path)
}

// path returns the socket path of the named interface.
func (b *UAPIBackend) path(name string) string {
	return filepath.Join(b.dir(), name+socketSuffix)
}

// Device returns the state of the named interface, read over its socket.
func (b *UAPIBackend) Device(name string) (*Device, error) {
	conn, err := b.dial(name)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return uapiDeviceOn(name, conn, b.ResolveEndpoint)
}

// uapiDeviceOn reads the named interface with a UAPI get on conn,
// resolving endpoints with resolve.
func uapiDeviceOn(name string, conn net.Conn, resolve EndpointResolver) (*Device, error) {
	d, err := uapiGetDevice(conn, resolve)
	if err != nil {
		return nil, fmt.Errorf("interface %s: %w", name, err)
	}
	d.Name = name
	return d, nil
}

// ConfigureDevice applies cfg to the named interface over its socket.
func (b *UAPIBackend) ConfigureDevice(name string, cfg *Config) error {
	conn, err := b.dial(name)
	if err != nil {
		return err
	}
	defer conn.Close()
	return uapiConfigureOn(name, conn, cfg)
}

// uapiConfigureOn applies cfg to the named interface with a UAPI set on
// conn.
func uapiConfigureOn(name string, conn net.Conn, cfg *Config) error {
	if err := UAPIConfigureDevice(conn, cfg); err != nil {
		return fmt.Errorf("interface %s: %w", name, err)
	}
	return nil
}

// dial connects to the named interface's socket. Like wg(8) it treats a
// name containing "/", a path that is not a socket, and a socket that
// refuses the connection (which it removes) as no such interface: the
// error then matches fs.ErrNotExist.
func (b *UAPIBackend) dial(name string) (net.Conn, error) {
	if strings.Contains(name, "/") {
		return nil, fmt.Errorf("interface %q: not a userspace interface name: %w", name, fs.ErrNotExist)
	}
	path := b.path(name)
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("interface %s: %w", name, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return nil, fmt.Errorf("interface %s: %s is not a socket: %w", name, path, fs.ErrNotExist)
	}
	conn, err := b.connectTo(path)
	if errors.Is(err, syscall.ECONNREFUSED) {
		if removeIfStale(path) {
			return nil, fmt.Errorf("interface %s: removed stale socket: %w", name, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("interface %s: %s refused the connection, but its daemon may be running with a full queue; socket kept: %w", name, path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("interface %s: %w", name, err)
	}
	return conn, nil
}
