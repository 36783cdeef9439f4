// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/internal/sockettest"
	"github.com/wgbsd/wgbsd/nvlist"
)

// serveSocket listens on dir/name.sock (replacing a leftover file) and
// runs handle for each connection until the test ends; every fake daemon
// of this package's tests is served by it. It returns the count of
// connections accepted so far.
func serveSocket(t *testing.T, dir, name string, handle func(c net.Conn)) *atomic.Int64 {
	t.Helper()
	path := filepath.Join(dir, name+socketSuffix)
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	return sockettest.Serve(t, ln, handle)
}

// nvlistDaemon is a minimal wgd control server: GET answers dev, SET
// applies the request with the fake kernel's rules.
type nvlistDaemon struct {
	mu   sync.Mutex
	dev  Device
	sets int
}

func (d *nvlistDaemon) handle(c net.Conn) {
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || line != ControlHello {
		return
	}
	for {
		cmd, payload, err := ReadControlRequest(r, MaxControlPayload)
		if err != nil {
			return
		}
		d.mu.Lock()
		en, reply := d.serve(cmd, payload)
		d.mu.Unlock()
		if WriteControlReply(c, en, reply) != nil {
			return
		}
	}
}

func (d *nvlistDaemon) serve(cmd uint32, payload []byte) (syscall.Errno, []byte) {
	switch cmd {
	case ControlGet:
		l, _ := EncodeGet(&d.dev, true)
		b, _ := l.Pack()
		return 0, b
	case ControlSet:
		l, err := nvlist.Unpack(payload)
		if err != nil {
			return syscall.EBADMSG, nil
		}
		if _, err := DecodeSet(l); err != nil {
			return errnoOf(err), nil
		}
		d.sets++
		if err := applyRec(&d.dev, l, false); err != nil {
			return errnoOf(err), nil
		}
		return 0, nil
	}
	return syscall.ENOTTY, nil
}

// uapiDaemon answers UAPI like wireguard-go and closes the connection on
// anything else.
func uapiDaemon(getReply string, sets *[]string, mu *sync.Mutex) func(net.Conn) {
	return func(c net.Conn) {
		r := bufio.NewReader(c)
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch line {
		case "get=1\n":
			if l, _ := r.ReadString('\n'); l != "\n" {
				return
			}
			io.WriteString(c, getReply)
		case "set=1\n":
			var req strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == "\n" {
					break
				}
				req.WriteString(l)
			}
			mu.Lock()
			*sets = append(*sets, req.String())
			mu.Unlock()
			io.WriteString(c, "errno=0\n\n")
		}
	}
}

func TestSocketBackendNVList(t *testing.T) {
	dir := t.TempDir()
	d := &nvlistDaemon{dev: Device{ListenPort: 51820}}
	serveSocket(t, dir, "wg7", d.handle)
	s := &SocketBackend{Dir: dir}
	dev, err := s.Device("wg7")
	if err != nil || dev.ListenPort != 51820 || dev.Name != "wg7" {
		t.Fatalf("Device() = %+v, %v", dev, err)
	}
	cfg := &Config{FwMark: Ptr[uint32](7), Peers: []PeerConfig{{PublicKey: vPeer1, AllowedIPs: []AllowedIP{aip("10.0.0.1/32")}}}}
	if err := s.ConfigureDevice("wg7", cfg); err != nil {
		t.Fatal(err)
	}
	dev, err = s.Device("wg7")
	if err != nil || dev.FwMark != 7 || len(dev.Peers) != 1 {
		t.Fatalf("after set: %+v, %v", dev, err)
	}
	err = s.ConfigureDevice("wg7", &Config{ListenPort: nil, Peers: []PeerConfig{{PublicKey: vPeer2,
		AllowedIPs: []AllowedIP{{Prefix: aip("10.0.0.0/8").Prefix}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if s.isUAPIOnly("wg7") {
		t.Error("an nvlist daemon was marked UAPI-only")
	}
}

func TestSocketBackendErrnoReply(t *testing.T) {
	dir := t.TempDir()
	d := &nvlistDaemon{}
	serveSocket(t, dir, "wg8", d.handle)
	s := &SocketBackend{Dir: dir}
	err := s.ConfigureDevice("wg8", &Config{Peers: []PeerConfig{{PublicKey: vPeer1,
		AllowedIPs: []AllowedIP{{Prefix: aip("10.0.0.0/8").Prefix}}}}})
	if err != nil {
		t.Fatal(err)
	}
	// A key of the wrong size never leaves EncodeSet, so send a request
	// the daemon refuses through the framing directly.
	c, err := s.uapi().dial("wg8")
	if err != nil {
		t.Fatal(err)
	}
	n := newNVListConn(c)
	defer n.c.Close()
	l := nvlist.New()
	l.AddNumber(NVListenPort, 1<<20)
	b, _ := l.Pack()
	en, _, err := n.roundTrip(true, ControlSet, b)
	if err != nil || en != syscall.EINVAL {
		t.Fatalf("bad listen-port: errno %v, err %v", en, err)
	}
	en, _, err = n.roundTrip(false, 0x1234, nil)
	if err != nil || en != syscall.ENOTTY {
		t.Fatalf("unknown command: errno %v, err %v", en, err)
	}
}

func TestSocketBackendFallsBackToUAPI(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	var sets []string
	reply := "private_key=" + vIfacePriv.Hex() + "\nlisten_port=51820\npublic_key=" + vPeer1.Hex() +
		"\nallowed_ip=10.0.0.2/32\nerrno=0\n\n"
	serveSocket(t, dir, "wgx", uapiDaemon(reply, &sets, &mu))
	s := &SocketBackend{Dir: dir}
	dev, err := s.Device("wgx")
	if err != nil {
		t.Fatal(err)
	}
	if dev.ListenPort != 51820 || dev.PublicKey == nil || *dev.PublicKey != vIfacePub || len(dev.Peers) != 1 {
		t.Fatalf("Device() = %+v", dev)
	}
	if !s.isUAPIOnly("wgx") {
		t.Error("UAPI-only daemon not remembered")
	}
	s2 := &SocketBackend{Dir: dir} // a fresh client probes with nvlist again
	if err := s2.ConfigureDevice("wgx", &Config{ListenPort: Ptr[uint16](1)}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(sets, []string{"listen_port=1\n"}) {
		t.Errorf("UAPI set requests = %q", sets)
	}
}

// TestSocketBackendFallsBackFromBoringtun checks the fallback against a
// daemon that answers an unknown first line with a UAPI errno before
// closing, as boringtun does, rather than closing at once.
func TestSocketBackendFallsBackFromBoringtun(t *testing.T) {
	dir := t.TempDir()
	serveSocket(t, dir, "wgb", func(c net.Conn) {
		r := bufio.NewReader(c)
		switch line, _ := r.ReadString('\n'); line {
		case "get=1\n":
			if blank, _ := r.ReadString('\n'); blank == "\n" {
				io.WriteString(c, "listen_port=7\nerrno=0\n\n")
			}
		default:
			io.WriteString(c, "errno=5\n\n")
		}
	})
	s := &SocketBackend{Dir: dir}
	dev, err := s.Device("wgb")
	if err != nil || dev.ListenPort != 7 {
		t.Fatalf("Device() = %+v, %v; want the UAPI reply", dev, err)
	}
}

func TestSocketBackendDiscovery(t *testing.T) {
	dir := t.TempDir()
	d := &nvlistDaemon{}
	serveSocket(t, dir, "live", d.handle)
	// A stale socket: bound, then its listener closed without unlinking.
	stale := filepath.Join(dir, "stale"+socketSuffix)
	ln, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if err := os.WriteFile(filepath.Join(dir, "file"+socketSuffix), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := &SocketBackend{Dir: dir}
	got, err := s.Interfaces()
	if err != nil || !slices.Equal(got, []string{"live"}) {
		t.Fatalf("Interfaces() = %q, %v", got, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale socket not removed: %v", err)
	}
	for _, name := range []string{"missing", "file", "a/b", ""} {
		if _, err := s.Device(name); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Device(%q) = %v, want os.ErrNotExist", name, err)
		}
	}
	empty := &SocketBackend{Dir: filepath.Join(dir, "nonexistent")}
	if got, err := empty.Interfaces(); err != nil || len(got) != 0 {
		t.Errorf("missing dir: %q, %v", got, err)
	}
}

func TestClientSelection(t *testing.T) {
	dir := t.TempDir()
	d := &nvlistDaemon{dev: Device{ListenPort: 1}}
	serveSocket(t, dir, "wg0", d.handle)
	serveSocket(t, dir, "wg9", (&nvlistDaemon{}).handle)
	k := &kernelBackend{ops: &fakeKernel{name: "wg0", members: []string{"wg0", "wg1"}, dev: Device{ListenPort: 2}}}
	c := &Client{Sockets: &SocketBackend{Dir: dir}, Kernel: k}
	names, err := c.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names[2:])
	if !slices.Equal(names, []string{"wg0", "wg1", "wg9"}) {
		t.Errorf("Interfaces() = %q, want kernel first and no duplicates", names)
	}
	dev, err := c.Device("wg0")
	if err != nil || dev.ListenPort != 1 {
		t.Errorf("wg0 should come from its socket: %+v, %v", dev, err)
	}
	noKernel := &Client{Sockets: &SocketBackend{Dir: dir}}
	_, err = noKernel.Device("wg5")
	var en *Errno
	if !errors.As(err, &en) {
		t.Errorf("no socket, no kernel: %v", err)
	}
}

// TestClientOneConnectionPerRequest counts the connections a fake wgd
// accepts for each request a Client makes: a read (what `wg show <if>`
// does), a set (`wg set`) and an update-only set, which reads the device
// before it sends the set, each take exactly one. A UAPI-only daemon
// costs a second connection on the first request only, the nvlist one
// it closed.
func TestClientOneConnectionPerRequest(t *testing.T) {
	dir := t.TempDir()
	d := &nvlistDaemon{dev: Device{ListenPort: 1, Peers: []Peer{{PublicKey: vPeer1}}}}
	nvAccepts := serveSocket(t, dir, "wg0", d.handle)
	var mu sync.Mutex
	var sets []string
	uapiAccepts := serveSocket(t, dir, "wgu", uapiDaemon("listen_port=7\nerrno=0\n\n", &sets, &mu))
	c := &Client{Sockets: &SocketBackend{Dir: dir}}
	for _, step := range []struct {
		name, iface string
		accepts     *atomic.Int64
		want        int64
		do          func(name string) error
	}{
		{"get", "wg0", nvAccepts, 1, func(name string) error { _, err := c.Device(name); return err }},
		{"set", "wg0", nvAccepts, 1, func(name string) error {
			return c.ConfigureDevice(name, &Config{ListenPort: Ptr[uint16](2)})
		}},
		{"update-only set", "wg0", nvAccepts, 1, func(name string) error {
			return c.ConfigureDevice(name, &Config{Peers: []PeerConfig{{PublicKey: vPeer1, UpdateOnly: true,
				AllowedIPs: []AllowedIP{aip("10.0.0.5/32")}}}})
		}},
		{"first uapi get", "wgu", uapiAccepts, 2, func(name string) error { _, err := c.Device(name); return err }},
		{"second uapi get", "wgu", uapiAccepts, 1, func(name string) error { _, err := c.Device(name); return err }},
		{"uapi set", "wgu", uapiAccepts, 1, func(name string) error {
			return c.ConfigureDevice(name, &Config{ListenPort: Ptr[uint16](3)})
		}},
	} {
		before := step.accepts.Load()
		if err := step.do(step.iface); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if got := step.accepts.Load() - before; got != step.want {
			t.Errorf("%s: %d connections, want %d", step.name, got, step.want)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dev.ListenPort != 2 || len(d.dev.Peers[0].AllowedIPs) != 1 {
		t.Errorf("daemon state %+v", d.dev)
	}
}

// TestSocketBackendWaitsForFullAcceptQueue fills a daemon's accept queue
// (a listener with a backlog of one that accepts nothing yet, flooded
// with connections) and checks that a request waits for room instead of
// failing with EAGAIN, as wg(8), whose connect(2) blocks, waits. On Linux
// a blocking connect to a full queue sleeps until the daemon accepts; a
// non-blocking one fails at once with EAGAIN.
func TestSocketBackendWaitsForFullAcceptQueue(t *testing.T) {
	if runtime.GOOS != "linux" {
		// FreeBSD's unp_connectat refuses at once when the queue is full
		// (sys/kern/uipc_usrreq.c: "so2 = sonewconn(so2, 0); ... if
		// (so2 == NULL) { error = ECONNREFUSED;"): there is nothing to
		// wait for.
		t.Skip("a full accept queue makes connect(2) wait only on Linux")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "wgq"+socketSuffix)
	ln := listenBacklog(t, path, 1)
	const maxFlood = 64
	var flood []net.Conn
	defer func() {
		for _, c := range flood {
			c.Close()
		}
	}()
	for len(flood) < maxFlood {
		c, err := net.Dial("unix", path)
		if err != nil {
			if !errors.Is(err, syscall.EAGAIN) {
				t.Fatalf("flood: %v", err)
			}
			break
		}
		flood = append(flood, c)
	}
	if len(flood) == maxFlood {
		t.Fatalf("the accept queue took %d connections without filling", maxFlood)
	}

	s := &SocketBackend{Dir: dir}
	done := make(chan error, 1)
	go func() {
		_, err := s.Device("wgq")
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("request with a full accept queue returned before the daemon accepted: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	// Make room: the flood's connections end, the daemon starts serving.
	for _, c := range flood {
		c.Close()
	}
	flood = nil
	d := &nvlistDaemon{dev: Device{ListenPort: 9}}
	sockettest.Serve(t, ln, d.handle)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("request after the queue drained: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("request still waiting 20 s after the daemon started accepting")
	}
}

// listenBacklog listens on the unix socket path with the given backlog,
// closed when the test ends.
func listenBacklog(t *testing.T, path string, backlog int) net.Listener {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, backlog); err != nil {
		t.Fatal(err)
	}
	ln, err := net.FileListener(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// TestRetryRefused drives the retry of refused connections with the
// sequences FreeBSD gives: a live daemon whose accept queue is full
// refuses until it has accepted (sys/kern/uipc_usrreq.c, unp_connectat:
// "so2 = sonewconn(so2, 0); ... if (so2 == NULL) { error = ECONNREFUSED;"),
// and must not be taken for stale; a stale socket refuses every time
// ("VOP_UNP_CONNECT(vp, &unp2); if (unp2 == NULL) { error =
// ECONNREFUSED;"), and its refusal counts after the retries.
func TestRetryRefused(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	live, _ := net.Pipe()
	defer live.Close()
	for _, c := range []struct {
		name      string
		refusals  int // before the daemon accepts; -1: stale
		retries   int
		wantCalls int
		wantConn  bool
	}{
		{"full queue, then room", 2, 5, 3, true},
		{"stale", -1, 5, 6, false},
		{"refusal final at once (Linux)", 2, 0, 1, false},
		{"connected at once", 0, 5, 1, true},
	} {
		calls := 0
		var slept time.Duration
		conn, err := retryRefused(func() (net.Conn, error) {
			calls++
			if c.refusals < 0 || calls <= c.refusals {
				return nil, refused
			}
			return live, nil
		}, c.retries, func(d time.Duration) { slept += d })
		if calls != c.wantCalls || (conn != nil) != c.wantConn {
			t.Errorf("%s: %d calls, connection %v, %v", c.name, calls, conn != nil, err)
		}
		if !c.wantConn && !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s: %v, want ECONNREFUSED", c.name, err)
		}
		if c.refusals < 0 && slept != 310*time.Millisecond {
			t.Errorf("%s: slept %v in all, want 310ms", c.name, slept)
		}
	}
}
