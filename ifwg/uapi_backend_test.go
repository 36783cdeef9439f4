// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// uapiShortTempDir returns a temporary directory with a path short enough
// for unix socket names.
func uapiShortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "wgbsd-uapi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// uapiStaleSocket leaves a socket file nothing listens on.
func uapiStaleSocket(t *testing.T, path string) {
	t.Helper()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
}

func TestUAPIBackendInterfaces(t *testing.T) {
	dir := uapiShortTempDir(t)
	ok := func([]byte) []byte { return []byte("errno=0\n\n") }
	for _, n := range []string{"wg0", "tun.a", "sixteen-chars-ab"} {
		startUAPIFakeIn(t, dir, n, ok)
	}
	uapiStaleSocket(t, filepath.Join(dir, "stale.sock"))
	for _, n := range []string{"file.sock", ".sock", "wg1.socket"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.sock"), 0o700); err != nil {
		t.Fatal(err)
	}
	// The listing keeps the directory's order.
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	order, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range order {
		if n == "wg0.sock" || n == "tun.a.sock" || n == "sixteen-chars-ab.sock" {
			want = append(want, strings.TrimSuffix(n, ".sock"))
		}
	}
	got, err := (&UAPIBackend{Dir: dir}).Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Interfaces() = %q, want %q", got, want)
	}
	if _, err := os.Lstat(filepath.Join(dir, "stale.sock")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale socket not removed: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "file.sock")); err != nil {
		t.Errorf("a regular file was removed: %v", err)
	}
}

func TestUAPIBackendMissingDirectory(t *testing.T) {
	got, err := (&UAPIBackend{Dir: filepath.Join(t.TempDir(), "none")}).Interfaces()
	if err != nil || got != nil {
		t.Errorf("Interfaces() = %q, %v", got, err)
	}
}

func TestUAPIBackendNotExist(t *testing.T) {
	dir := uapiShortTempDir(t)
	uapiStaleSocket(t, filepath.Join(dir, "stale.sock"))
	if err := os.WriteFile(filepath.Join(dir, "file.sock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	b := &UAPIBackend{Dir: dir}
	for _, name := range []string{"missing", "stale", "file", "../" + filepath.Base(dir) + "/stale", "a/b"} {
		if _, err := b.Device(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Device(%q) error = %v, want not exist", name, err)
		}
		if err := b.ConfigureDevice(name, &Config{}); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("ConfigureDevice(%q) error = %v, want not exist", name, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "stale.sock")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale socket not removed: %v", err)
	}
}

// uapiMemDaemon serves UAPI with ServeUAPI over an in-memory device that
// takes the folded Config of each set request.
type uapiMemDaemon struct {
	mu   sync.Mutex
	dev  Device
	cfgs []*Config
	err  error // returned by every set when not nil
}

func (m *uapiMemDaemon) UAPIGet() (*Device, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.dev
	return &d, nil
}

func (m *uapiMemDaemon) UAPISet(d *UAPISetDecoder) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := &Config{}
	for {
		op, err := d.Next()
		if err != nil {
			m.cfgs = append(m.cfgs, c)
			if errors.Is(err, io.EOF) {
				return m.err
			}
			return err
		}
		if op.Kind == UAPIListenPort {
			c.ListenPort = Ptr(uint16(op.Number))
			m.dev.ListenPort = uint16(op.Number)
		}
	}
}

// serveIn starts the daemon on dir/name.sock until the test ends.
func (m *uapiMemDaemon) serveIn(t *testing.T, dir, name string) {
	t.Helper()
	serveSocket(t, dir, name, func(c net.Conn) { ServeUAPI(bufio.NewReader(c), c, m) })
}

func TestUAPIBackendDeviceAndConfigure(t *testing.T) {
	dir := uapiShortTempDir(t)
	m := &uapiMemDaemon{dev: Device{PrivateKey: &uapiKeyA, FwMark: 3}}
	m.serveIn(t, dir, "wg0")
	b := &UAPIBackend{Dir: dir}
	if err := b.ConfigureDevice("wg0", &Config{ListenPort: Ptr[uint16](51820)}); err != nil {
		t.Fatal(err)
	}
	d, err := b.Device("wg0")
	if err != nil {
		t.Fatal(err)
	}
	want := &Device{Name: "wg0", PrivateKey: &uapiKeyA, PublicKey: Ptr(uapiKeyA.PublicKey()), ListenPort: 51820, FwMark: 3}
	if !uapiDevicesEqual(d, want) {
		t.Errorf("Device() = %s, want %s", uapiDumpDevice(d), uapiDumpDevice(want))
	}
	m.err = syscall.EADDRINUSE
	err = b.ConfigureDevice("wg0", &Config{ListenPort: Ptr[uint16](1)})
	var en *Errno
	if !errors.As(err, &en) || en.Op != "set" || en.Errno != syscall.EADDRINUSE {
		t.Errorf("ConfigureDevice error = %v, want set EADDRINUSE", err)
	}
}

func TestUAPIBackendGetErrno(t *testing.T) {
	dir := uapiShortTempDir(t)
	reply := []byte("errno=" + strconv.Itoa(int(syscall.ENXIO)) + "\n\n")
	f := startUAPIFakeIn(t, dir, "wg0", func([]byte) []byte { return reply })
	_, err := (&UAPIBackend{Dir: dir}).Device("wg0")
	var en *Errno
	if !errors.As(err, &en) || en.Op != "get" || en.Errno != syscall.ENXIO {
		t.Errorf("Device error = %v, want get ENXIO", err)
	}
	if reqs := f.requests(); len(reqs) != 1 || !bytes.Equal(reqs[0], []byte(UAPIGetRequest)) {
		t.Errorf("requests = %q", reqs)
	}
}
