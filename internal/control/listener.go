// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
)

// File modes of the socket directory and the socket.
const (
	// DirMode is the mode a missing socket directory is created with, as
	// wireguard-go creates it.
	DirMode = 0o755
	// SocketMode lets every local user connect, as every local user may
	// issue SIOCGWG: what a caller may do is decided by its peer
	// credentials, not by the file's mode.
	SocketMode = 0o666
)

// ErrInUse reports a control socket that a running daemon is serving.
var ErrInUse = errors.New("control socket in use by a running daemon")

// ValidInterfaceName reports whether name can name an interface and its
// control socket: 1 to 15 printable ASCII bytes other than space, "/" and
// ":", and not "." or "..".
func ValidInterfaceName(name string) error {
	if name == "" || len(name) > ifwg.MaxNameLen || name == "." || name == ".." {
		return fmt.Errorf("invalid interface name %q", name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || c == '/' || c == ':' {
			return fmt.Errorf("invalid interface name %q", name)
		}
	}
	return nil
}

// SocketPath returns the control socket path of the named interface in
// dir: <dir>/<name>.sock, where wg(8) looks for it.
func SocketPath(dir, name string) string { return filepath.Join(dir, name+".sock") }

// Listener is a control socket, <dir>/<name>.sock, and the watch on its
// file.
type Listener struct {
	path    string
	ln      *net.UnixListener
	own     os.FileInfo
	lock    *os.File
	removed chan struct{}
	stop    func()
	once    sync.Once
}

// Listen creates the control socket of the named interface in dir
// (created with DirMode when missing), holding its lock file
// (ifwg.LockSocket) until Close. A socket whose lock another daemon holds,
// or that a daemon still answers on, gives an error wrapping ErrInUse and
// is left alone, even when it refuses a connection (FreeBSD refuses one to
// a live daemon whose accept queue is full). A socket left by a daemon
// that is gone is replaced; a file that is not a socket is left alone and
// gives an error.
func Listen(dir, name string) (*Listener, error) {
	if err := ValidInterfaceName(name); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return nil, fmt.Errorf("failed to create socket directory: %w", err)
	}
	path := SocketPath(dir, name)
	lock, existed, err := ifwg.LockSocket(path)
	if errors.Is(err, ifwg.ErrSocketLocked) {
		return nil, fmt.Errorf("%s: %w", path, ErrInUse)
	}
	if err != nil {
		return nil, err
	}
	l, err := listenLocked(path, existed)
	if err != nil {
		closeLock(lock)
		return nil, err
	}
	l.lock = lock
	return l, nil
}

// closeLock releases a lock LockSocket took (nil where there is none).
func closeLock(f *os.File) {
	if f != nil {
		f.Close()
	}
}

// listenLocked creates the control socket at path, its lock held;
// lockExisted says whether the lock file was there before.
func listenLocked(path string, lockExisted bool) (*Listener, error) {
	ln, err := listenUnix(path)
	if errors.Is(err, syscall.EADDRINUSE) {
		if err := removeStale(path, lockExisted); err != nil {
			return nil, err
		}
		ln, err = listenUnix(path)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to listen on %s: %w", path, err)
	}
	l := &Listener{path: path, ln: ln, removed: make(chan struct{})}
	if err := l.setup(); err != nil {
		ln.Close()
		os.Remove(path)
		return nil, err
	}
	return l, nil
}

// listenUnix listens on path without removing it on close: by then the
// path may belong to another daemon.
func listenUnix(path string) (*net.UnixListener, error) {
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(false)
	return ln, nil
}

// setup gives the new socket its mode and starts watching its file.
func (l *Listener) setup() error {
	if err := os.Chmod(l.path, SocketMode); err != nil {
		return fmt.Errorf("failed to set socket mode: %w", err)
	}
	fi, err := os.Lstat(l.path)
	if err != nil {
		return fmt.Errorf("failed to stat socket: %w", err)
	}
	l.own = fi
	stop, err := watchRemoval(l.path, fi, func() { close(l.removed) })
	if err != nil {
		return fmt.Errorf("failed to watch socket: %w", err)
	}
	l.stop = stop
	return nil
}

// staleDialTimeout bounds the connection attempt that tells a live socket
// from a stale one; a daemon too busy to accept within it counts as live.
const staleDialTimeout = 2 * time.Second

// staleDial connects to a socket to tell a live one from a stale one;
// tests replace it to make a live daemon refuse.
var staleDial = net.DialTimeout

// removeStale removes the socket at path, whose lock this daemon holds,
// unless a daemon answers on it (one that takes no lock, as wireguard-go)
// or its refusal does not prove it gone (ifwg.StaleAfterRefusal).
func removeStale(path string, lockExisted bool) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("failed to stat %s: %w", path, err)
	}
	if fi.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket", path)
	}
	c, err := staleDial("unix", path, staleDialTimeout)
	if err == nil {
		c.Close()
		return fmt.Errorf("%s: %w", path, ErrInUse)
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil // removed meanwhile: listen again
	}
	if !errors.Is(err, syscall.ECONNREFUSED) || !ifwg.StaleAfterRefusal(lockExisted) {
		return fmt.Errorf("%s: %w (%v)", path, ErrInUse, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("failed to remove stale socket: %w", err)
	}
	return nil
}

// Path returns the socket's path.
func (l *Listener) Path() string { return l.path }

// Removed returns a channel closed when the socket's file is removed or
// replaced: the request to stop the daemon, as for wireguard-go.
func (l *Listener) Removed() <-chan struct{} { return l.removed }

// Close stops accepting connections and removes the socket's file if it
// is still this socket's. Open connections are the Server's to close.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() {
		l.stop()
		err = l.ln.Close()
		if !socketGone(l.path, l.own) {
			if rerr := os.Remove(l.path); rerr != nil && err == nil {
				err = rerr
			}
		}
		closeLock(l.lock)
	})
	return err
}

// socketGone reports whether path no longer names the file own describes.
func socketGone(path string, own os.FileInfo) bool {
	fi, err := os.Lstat(path)
	return err != nil || !os.SameFile(fi, own)
}
