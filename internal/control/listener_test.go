// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
)

// listen starts a Listener in dir, served for e until the test ends.
func listen(t *testing.T, dir, name string, e Engine) *Listener {
	t.Helper()
	l, err := Listen(dir, name)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, e)
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		l.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		// wgd leaves its lock file for the next daemon of the name;
		// a test's names are its own.
		os.Remove(ifwg.SocketLockPath(l.Path()))
	})
	return l
}

// waitRemoved waits until l reports its file removed.
func waitRemoved(t *testing.T, l *Listener) {
	t.Helper()
	select {
	case <-l.Removed():
	case <-time.After(10 * time.Second):
		t.Fatal("removal not noticed")
	}
}

func TestListenModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run", "wireguard")
	l := listen(t, dir, "wgt0", newFakeEngine())
	if l.Path() != filepath.Join(dir, "wgt0.sock") {
		t.Errorf("path %s", l.Path())
	}
	for path, want := range map[string]os.FileMode{dir: os.ModeDir | DirMode, l.Path(): os.ModeSocket | SocketMode} {
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
	}
}

func TestListenInvalidNames(t *testing.T) {
	for _, name := range []string{"", ".", "..", "a/b", "../x", "wg:0", "a b", "sixteen-chars-xx", "nul\x00"} {
		if _, err := Listen(t.TempDir(), name); err == nil {
			t.Errorf("%q accepted", name)
		}
	}
}

func TestListenLiveSocket(t *testing.T) {
	dir := t.TempDir()
	listen(t, dir, "wgt0", newFakeEngine())
	_, err := Listen(dir, "wgt0")
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Listen: %v", err)
	}
}

func TestListenStaleSocket(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "wgt0.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	l := listen(t, dir, "wgt0", configuredEngine())
	if _, err := (&ifwg.SocketBackend{Dir: dir}).Device("wgt0"); err != nil {
		t.Errorf("GET through the new socket: %v", err)
	}
	if l.Path() != path {
		t.Error(l.Path())
	}
}

func TestListenNotASocket(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "wgt0.sock")
	if err := os.WriteFile(path, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(dir, "wgt0"); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Listen: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "keep" {
		t.Error("file changed")
	}
}

func TestRemovalNoticed(t *testing.T) {
	for _, c := range []struct {
		name   string
		remove func(t *testing.T, path string)
	}{
		{"removed", func(t *testing.T, path string) { os.Remove(path) }},
		{"renamed", func(t *testing.T, path string) { os.Rename(path, path+".old") }},
		{"replaced", func(t *testing.T, path string) {
			os.Remove(path)
			ln, err := net.Listen("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			l := listen(t, dir, "wgt0", newFakeEngine())
			select {
			case <-l.Removed():
				t.Fatal("removal reported early")
			default:
			}
			c.remove(t, l.Path())
			waitRemoved(t, l)
			before, _ := os.Lstat(l.Path())
			l.Close()
			after, _ := os.Lstat(l.Path())
			if (before == nil) != (after == nil) {
				t.Error("Close removed a file that is not its socket")
			}
		})
	}
}

func TestCloseRemovesSocket(t *testing.T) {
	l, err := Listen(t.TempDir(), "wgt0")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(l.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left: %v", err)
	}
	select {
	case <-l.Removed():
		t.Error("Close reported as a removal")
	default:
	}
}

func TestPollRemoval(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	own, _ := os.Lstat(path)
	gone := make(chan struct{})
	stop := pollRemoval(path, own, time.Millisecond, func() { close(gone) })
	defer stop()
	os.Remove(path)
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("removal not noticed")
	}

	// Stopping a watch that saw nothing returns.
	os.WriteFile(path, nil, 0o600)
	own, _ = os.Lstat(path)
	pollRemoval(path, own, time.Hour, func() { t.Error("gone called") })()
}

// TestSocketBackend drives a served socket with ifwg's client, which
// speaks nvlist first; the caller's real credentials decide privilege.
func TestSocketBackend(t *testing.T) {
	dir := t.TempDir()
	e := configuredEngine()
	listen(t, dir, "wgt0", e)
	b := &ifwg.SocketBackend{Dir: dir}
	err := b.ConfigureDevice("wgt0", &ifwg.Config{ListenPort: ifwg.Ptr[uint16](4242)})
	d, gerr := b.Device("wgt0")
	if gerr != nil {
		t.Fatal(gerr)
	}
	if os.Geteuid() == 0 {
		if err != nil || d.ListenPort != 4242 || d.PrivateKey == nil {
			t.Errorf("root: set %v, port %d, private key %v", err, d.ListenPort, d.PrivateKey != nil)
		}
		return
	}
	var en *ifwg.Errno
	if !errors.As(err, &en) || en.Errno != 1 || d.PrivateKey != nil || d.PublicKey == nil {
		t.Errorf("not root: set %v, private key %v", err, d.PrivateKey != nil)
	}
}

// TestPerUserConnectionLimit fills one unprivileged user's share of
// connections: that user's next connection is refused, while another
// unprivileged user and root are still served.
func TestPerUserConnectionLimit(t *testing.T) {
	s := newTestServer(t, configuredEngine())
	s.MaxPerUser = 2
	hog := Caller{UID: 1000}
	var served []*uapiClient
	for range s.MaxPerUser {
		served = append(served, newUAPIClientAs(t, s, hog))
	}
	extra := newUAPIClientAs(t, s, hog)
	if got := extra.do("get=1\n\n"); got != errnoLine(errTooMany) {
		t.Errorf("a connection over the user's share: %q, want %q", got, errnoLine(errTooMany))
	}
	// The nvlist framing gets the same errno in its own reply.
	nv := dialServerAs(t, s, hog)
	if _, err := io.WriteString(nv, ifwg.ControlHello); err != nil {
		t.Fatal(err)
	}
	if err := ifwg.WriteControlRequest(nv, ifwg.ControlGet, nil); err != nil {
		t.Fatal(err)
	}
	if en, _, err := ifwg.ReadControlReply(nv); err != nil || en != errTooMany {
		t.Errorf("nvlist connection over the user's share: errno %v, %v", en, err)
	}
	served = append(served, newUAPIClientAs(t, s, Caller{UID: 1001}), newUAPIClient(t, s, true))
	for i, u := range served {
		if got := u.do("get=1\n\n"); !strings.HasSuffix(got, "errno=0\n\n") {
			t.Errorf("connection %d: get: %q", i, got)
		}
	}
}

// TestUnprivilegedConnectionLimit fills the share of all unprivileged
// users together: root is still served.
func TestUnprivilegedConnectionLimit(t *testing.T) {
	s := newTestServer(t, configuredEngine())
	s.MaxUnprivileged = 1
	first := newUAPIClient(t, s, false)
	second := newUAPIClientAs(t, s, Caller{UID: 1001})
	if got := second.do("get=1\n\n"); got != errnoLine(errTooMany) {
		t.Errorf("second unprivileged connection: %q", got)
	}
	root := newUAPIClient(t, s, true)
	for _, u := range []*uapiClient{first, root} {
		if got := u.do("get=1\n\n"); !strings.HasSuffix(got, "errno=0\n\n") {
			t.Errorf("get: %q", got)
		}
	}
}

// TestRequestTimeout checks that an unfinished request ends its
// connection once the request timeout has passed.
func TestRequestTimeout(t *testing.T) {
	s := newTestServer(t, newFakeEngine())
	s.RequestTimeout = 10 * time.Millisecond
	u := newUAPIClient(t, s, true)
	u.send("set=1\n")
	// The unfinished set fails (EIO), then the connection closes.
	if got, err := io.ReadAll(u.r); err != nil || string(got) != errnoLine(syscall.EIO) {
		t.Errorf("read %q, %v", got, err)
	}
}

// TestRequestTimeoutIsTotal sends a request one byte at a time, each well
// within the request timeout: the connection must still end once the
// timeout has passed since the request began, not stay open as long as
// bytes trickle in. The trickle is bounded: 200 bytes, 10 s.
func TestRequestTimeoutIsTotal(t *testing.T) {
	s := newTestServer(t, newFakeEngine())
	s.RequestTimeout = 300 * time.Millisecond
	c := dialServerAs(t, s, Caller{UID: 1000})
	const maxBytes = 200
	var sent int
	for sent = 0; sent < maxBytes; sent++ {
		if _, err := c.Write([]byte("x")); err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if sent == maxBytes {
		t.Fatalf("a request trickling a byte every 50 ms was still open after %d bytes", sent)
	}
}

// TestRequestTimeoutPerRequest checks that each request gets the whole
// timeout: requests that each finish in time keep the connection.
func TestRequestTimeoutPerRequest(t *testing.T) {
	s := newTestServer(t, configuredEngine())
	s.RequestTimeout = 500 * time.Millisecond
	u := newUAPIClient(t, s, false)
	for i := range 4 {
		time.Sleep(200 * time.Millisecond)
		if got := u.do("get=1\n\n"); !strings.HasSuffix(got, "errno=0\n\n") {
			t.Fatalf("request %d: %q", i, got)
		}
	}
}

// TestListenFloodedLiveSocket: a second wgd started while a connect flood
// fills the first one's accept queue must not replace its socket. On
// FreeBSD the flooded daemon refuses the connection (sys/kern/uipc_usrreq.c
// unp_connectat: `if (so2 == NULL) { error = ECONNREFUSED;` after
// sonewconn, which sys/kern/uipc_socket.c makes return NULL when
// `head->sol_qlen > 3 * head->sol_qlimit / 2`); staleDial stands in for it.
func TestListenFloodedLiveSocket(t *testing.T) {
	dir := t.TempDir()
	l := listen(t, dir, "wgt0", configuredEngine())
	dial := staleDial
	staleDial = func(string, string, time.Duration) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	defer func() { staleDial = dial }()
	if _, err := Listen(dir, "wgt0"); !errors.Is(err, ErrInUse) {
		t.Fatalf("second Listen: %v", err)
	}
	if socketGone(l.Path(), l.own) {
		t.Fatal("the live daemon's socket was replaced")
	}
}

// TestUnverifiedRootLoggedOnce: root refused privilege because its pid or
// jail could not be learned (a 32-bit wgd on a 64-bit FreeBSD kernel gets
// a struct xucred cut short: sys/kern/uipc_usrreq.c uipc_ctloutput,
// LOCAL_PEERCRED, "error = sooptcopyout(sopt, &xu, sizeof(xu));" with the
// caller's smaller sopt_valsize) is told EPERM; wgd says why in its log,
// once, not once per connection.
func TestUnverifiedRootLoggedOnce(t *testing.T) {
	var mu sync.Mutex
	var logged []string
	s := NewServer(configuredEngine(), Logger{Errorf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, fmt.Sprintf(format, args...))
	}})
	t.Cleanup(s.Close)
	for range 3 {
		u := newUAPIClientAs(t, s, Caller{UID: 0, Unverified: reasonNoPid})
		if got := u.do("set=1\nlisten_port=1\n\n"); got != errnoLine(syscall.EPERM) {
			t.Errorf("set: %q", got)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logged) != 1 || !strings.Contains(logged[0], reasonNoPid) {
		t.Errorf("logged %q, want one line naming %q", logged, reasonNoPid)
	}
}
