// SPDX-License-Identifier: BSD-2-Clause

package tun_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/internal/tun"
	"github.com/wgbsd/wgbsd/internal/tun/tuntest"
)

// offset is the headroom the engine reserves: the WireGuard transport
// header.
const offset = 16

// hangGuard bounds socket reads so that a lost packet fails the test
// instead of hanging it. No assertion depends on timing.
const hangGuard = 30 * time.Second

func create(t *testing.T, name string, mtu int) tun.Device {
	t.Helper()
	dev, err := tun.Create(name, mtu)
	if err != nil {
		t.Fatalf("Create(%q, %d): %v", name, mtu, err)
	}
	t.Cleanup(func() {
		dev.Close()
		checkNoGoroutines(t)
	})
	return dev
}

// checkNoGoroutines fails if a goroutine of package tun is still running
// once every Device is closed. Close waits until its goroutines have
// finished their work, but one may not have returned yet, so the check
// yields to the scheduler a bounded number of times before failing.
func checkNoGoroutines(t *testing.T) {
	t.Helper()
	var left []string
	for range 1000 {
		if left = tunGoroutines(); len(left) == 0 {
			return
		}
		runtime.Gosched()
	}
	t.Errorf("goroutines left running:\n%s", strings.Join(left, "\n\n"))
}

func tunGoroutines() []string {
	buf := make([]byte, 1<<20)
	var left []string
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "internal/tun.(*") {
			left = append(left, g)
		}
	}
	return left
}

func nextEvent(t *testing.T, dev tun.Device, want tun.Event) {
	t.Helper()
	if ev, ok := <-dev.Events(); !ok || ev != want {
		t.Fatalf("event %v (open %v), want %v", ev, ok, want)
	}
}

func buffers(n int) ([][]byte, []int) {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = make([]byte, offset+2048)
	}
	return bufs, make([]int, n)
}

func TestLinuxCreateAndEvents(t *testing.T) {
	ns := enterNetns(t)
	dev := create(t, "wgbsd0", 1420)
	if dev.Name() != "wgbsd0" {
		t.Fatalf("Name = %q", dev.Name())
	}
	if mtu, err := dev.MTU(); mtu != 1420 || err != nil {
		t.Fatalf("MTU = %d, %v", mtu, err)
	}
	if out := ip(t, "-n", ns, "link", "show", "wgbsd0"); !strings.Contains(out, "mtu 1420") {
		t.Fatalf("ip link: %s", out)
	}
	nextEvent(t, dev, tun.EventDown)

	cfg := dev.(tun.Configurator)
	if err := cfg.SetUp(true); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, dev, tun.EventUp)
	if err := cfg.SetMTU(1280); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, dev, tun.EventMTUUpdate)
	ip(t, "-n", ns, "link", "set", "wgbsd0", "mtu", "1300")
	nextEvent(t, dev, tun.EventMTUUpdate)
	if mtu, _ := dev.MTU(); mtu != 1300 {
		t.Fatalf("MTU after ip link set = %d", mtu)
	}
	ip(t, "-n", ns, "link", "set", "wgbsd0", "down")
	nextEvent(t, dev, tun.EventDown)

	ip(t, "-n", ns, "link", "set", "wgbsd0", "name", "wgbsd9")
	if dev.Name() != "wgbsd9" {
		t.Fatalf("Name after rename = %q", dev.Name())
	}
	if err := cfg.SetMTU(1400); err != nil {
		t.Fatalf("SetMTU after rename: %v", err)
	}
	nextEvent(t, dev, tun.EventMTUUpdate)

	dev.Close()
	if _, ok := <-dev.Events(); ok {
		t.Fatal("Events open after Close")
	}
	if out := ip(t, "-n", ns, "-o", "link"); strings.Contains(out, "wgbsd9") {
		t.Fatalf("interface still there after Close: %s", out)
	}
}

func TestLinuxKernelName(t *testing.T) {
	enterNetns(t)
	dev := create(t, "", 0)
	if !strings.HasPrefix(dev.Name(), "tun") {
		t.Fatalf("Name = %q, want tunN", dev.Name())
	}
}

// setupLink brings dev up with 10.77.0.1/24 and fd77::1/64 and returns a
// UDP socket on each address, inside the test's namespace.
func setupLink(t *testing.T, ns string, dev tun.Device) (v4, v6 *net.UDPConn) {
	t.Helper()
	if err := dev.(tun.Configurator).SetUp(true); err != nil {
		t.Fatal(err)
	}
	ip(t, "-n", ns, "addr", "add", "10.77.0.1/24", "dev", dev.Name())
	// Linux installs the local route of an IPv6 address from a work
	// queue, after ip(8) returns; until then it drops packets sent to
	// the address.
	routes := subscribeRoutes(t)
	ip(t, "-n", ns, "addr", "add", "fd77::1/64", "dev", dev.Name(), "nodad")
	waitLocalRoute(t, routes, netip.MustParseAddr("fd77::1"))
	listen := func(addr string) *net.UDPConn {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetReadDeadline(time.Now().Add(hangGuard))
		return c
	}
	return listen("10.77.0.1:0"), listen("[fd77::1]:0")
}

// readUDP reads from dev until it has count UDP packets sent to dst,
// skipping whatever else the kernel sends (router solicitations, MLD). It
// also returns the largest number of packets one Read returned.
func readUDP(t *testing.T, dev tun.Device, dst netip.AddrPort, count int) (payloads [][]byte, src netip.AddrPort, maxBatch int) {
	t.Helper()
	bufs, sizes := buffers(dev.BatchSize())
	for len(payloads) < count {
		n, err := dev.Read(bufs, sizes, offset)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		maxBatch = max(maxBatch, n)
		for i := range n {
			s, d, payload, err := tuntest.ParseUDP(bufs[i][offset : offset+sizes[i]])
			if err == nil && d == dst {
				payloads = append(payloads, bytes.Clone(payload))
				src = s
			}
		}
	}
	return payloads, src, maxBatch
}

func TestLinuxPacketRoundTrip(t *testing.T) {
	ns := enterNetns(t)
	dev := create(t, "wgbsd0", 1420)
	v4, v6 := setupLink(t, ns, dev)
	for _, c := range []struct {
		conn *net.UDPConn
		peer string
	}{{v4, "10.77.0.2:7777"}, {v6, "[fd77::2]:7777"}} {
		peer := netip.MustParseAddrPort(c.peer)
		local := c.conn.LocalAddr().(*net.UDPAddr).AddrPort()
		if _, err := c.conn.WriteToUDPAddrPort([]byte("ping"), peer); err != nil {
			t.Fatal(err)
		}
		got, src, _ := readUDP(t, dev, peer, 1)
		if string(got[0]) != "ping" || src != local {
			t.Fatalf("read %q from %v, want \"ping\" from %v", got[0], src, local)
		}

		reply := append(make([]byte, offset), tuntest.UDP(peer, local, []byte("pong"))...)
		if n, err := dev.Write([][]byte{reply}, offset); n != 1 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		buf := make([]byte, 64)
		n, from, err := c.conn.ReadFromUDPAddrPort(buf)
		if err != nil || string(buf[:n]) != "pong" || from.Addr().Unmap() != peer.Addr() {
			t.Fatalf("socket got %q from %v, %v", buf[:n], from, err)
		}
	}
}

func TestLinuxBatches(t *testing.T) {
	const count = 50
	ns := enterNetns(t)
	dev := create(t, "wgbsd0", 1420)
	conn, _ := setupLink(t, ns, dev)
	peer := netip.MustParseAddrPort("10.77.0.2:7778")
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()

	// All datagrams are queued on the tun before the first Read, so the
	// Read drains them in one batch.
	for i := range count {
		if _, err := conn.WriteToUDPAddrPort(fmt.Appendf(nil, "out %d", i), peer); err != nil {
			t.Fatal(err)
		}
	}
	got, _, maxBatch := readUDP(t, dev, peer, count)
	for i, p := range got {
		if want := fmt.Sprintf("out %d", i); string(p) != want {
			t.Fatalf("packet %d = %q, want %q", i, p, want)
		}
	}
	if maxBatch < 2 {
		t.Fatalf("largest batch read was %d packets", maxBatch)
	}

	bufs := make([][]byte, count)
	for i := range bufs {
		bufs[i] = append(make([]byte, offset), tuntest.UDP(peer, local, fmt.Appendf(nil, "in %d", i))...)
	}
	if n, err := dev.Write(bufs, offset); n != count || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	buf := make([]byte, 64)
	for i := range count {
		n, _, err := conn.ReadFromUDPAddrPort(buf)
		if want := fmt.Sprintf("in %d", i); err != nil || string(buf[:n]) != want {
			t.Fatalf("datagram %d = %q, %v; want %q", i, buf[:n], err, want)
		}
	}
}

func TestLinuxWriteRejectsGarbage(t *testing.T) {
	ns := enterNetns(t)
	dev := create(t, "wgbsd0", 1420)
	conn, _ := setupLink(t, ns, dev)
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	good := append(make([]byte, offset), tuntest.UDP(netip.MustParseAddrPort("10.77.0.2:1"), local, []byte("ok"))...)
	empty := make([]byte, offset)
	n, err := dev.Write([][]byte{empty, good}, offset)
	if n != 1 || err == nil {
		t.Fatalf("Write = %d, %v; want 1 packet and an error", n, err)
	}
	buf := make([]byte, 8)
	if n, _, err := conn.ReadFromUDPAddrPort(buf); err != nil || string(buf[:n]) != "ok" {
		t.Fatalf("socket got %q, %v", buf[:n], err)
	}
}

func TestLinuxWriteWhileDown(t *testing.T) {
	enterNetns(t)
	dev := create(t, "wgbsd0", 1420)
	pkt := append(make([]byte, offset), tuntest.UDP(netip.MustParseAddrPort("10.77.0.2:1"), netip.MustParseAddrPort("10.77.0.1:1"), nil)...)
	if n, err := dev.Write([][]byte{pkt, pkt}, offset); n != 0 || !errors.Is(err, syscall.EIO) {
		t.Fatalf("Write while down = %d, %v; want 0, EIO", n, err)
	}
}

func TestLinuxCloseUnblocksRead(t *testing.T) {
	enterNetns(t)
	dev := create(t, "wgbsd0", 0)
	errc := make(chan error)
	go func() {
		bufs, sizes := buffers(4)
		_, err := dev.Read(bufs, sizes, offset)
		errc <- err
	}()
	if err := dev.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
	if _, err := dev.Write([][]byte{make([]byte, offset+20)}, offset); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Write after Close: %v", err)
	}
	if err := dev.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestLinuxDeletedUnderneath deletes the interface while a Read waits:
// the Read fails with an error other than os.ErrClosed, and Events
// reports the link down.
func TestLinuxDeletedUnderneath(t *testing.T) {
	ns := enterNetns(t)
	dev := create(t, "wgbsd0", 1420)
	if err := dev.(tun.Configurator).SetUp(true); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, dev, tun.EventDown)
	nextEvent(t, dev, tun.EventUp)
	errc := make(chan error)
	go func() {
		bufs, sizes := buffers(4)
		for {
			if _, err := dev.Read(bufs, sizes, offset); err != nil {
				errc <- err
				return
			}
		}
	}()
	ip(t, "-n", ns, "link", "del", "wgbsd0")
	if err := <-errc; err == nil || errors.Is(err, os.ErrClosed) {
		t.Fatalf("Read after deletion: %v", err)
	} else {
		t.Log(err)
	}
	nextEvent(t, dev, tun.EventDown)
}

func TestLinuxNameTaken(t *testing.T) {
	enterNetns(t)
	// Every namespace has a loopback interface.
	_, err := tun.Create("lo", 0)
	if !errors.Is(err, tun.ErrNameTaken) {
		t.Fatalf("Create over the loopback interface: %v", err)
	}
	t.Log(err)
}

func TestLinuxAdoptsLeftover(t *testing.T) {
	ns := enterNetns(t)
	ip(t, "-n", ns, "tuntap", "add", "dev", "wgbsd0", "mode", "tun")
	dev := create(t, "wgbsd0", 1380)
	if mtu, _ := dev.MTU(); mtu != 1380 {
		t.Fatalf("MTU = %d", mtu)
	}
	dev.Close()
	if out := ip(t, "-n", ns, "-o", "link"); strings.Contains(out, "wgbsd0") {
		t.Fatalf("adopted interface survived Close: %s", out)
	}
}

func TestLinuxBadName(t *testing.T) {
	for _, name := range []string{"a-name-that-is-too-long", "bad name", "a/b"} {
		if _, err := tun.Create(name, 0); !errors.Is(err, tun.ErrName) {
			t.Errorf("Create(%q): %v", name, err)
		}
	}
}
