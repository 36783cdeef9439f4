// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/internal/conn"
	"github.com/wgbsd/wgbsd/internal/device"
	"github.com/wgbsd/wgbsd/internal/tun/tuntest"
	"github.com/wgbsd/wgbsd/nvlist"
)

// newDevice returns a real engine on an in-memory tun, down until Up is
// called, closed when the test ends.
func newDevice(t *testing.T, maxPeers int) *device.Device {
	t.Helper()
	d := device.NewDevice(tuntest.New("wgt0", 1420), conn.NewBind(),
		device.Options{MaxPeers: maxPeers, IgnoreLinkEvents: true, Logger: device.Logger{Errorf: t.Logf}})
	t.Cleanup(func() { d.Close() })
	return d
}

// TestDeviceEngineVectors applies wg(8)'s SET vectors to the engine
// through DeviceEngine.
func TestDeviceEngineVectors(t *testing.T) {
	testSetVectors(t, func(t *testing.T) Engine { return DeviceEngine(newDevice(t, 0)) })
}

// TestDeviceEngineSemantics runs the kernel's rules that depend on the
// engine against the real one.
func TestDeviceEngineSemantics(t *testing.T) {
	priv := key(0x42)
	s := newTestServer(t, DeviceEngine(newDevice(t, 3)))
	n := newNVClient(t, s, true)
	steps := []struct {
		name  string
		req   *nvlist.List
		errno syscall.Errno
		peers []byte
	}{
		{"peers", nv(t, ifwg.NVListenPort, 51999, ifwg.NVPeers, peers(
			nv(t, ifwg.NVPublicKey, key(1), ifwg.NVAllowedIPs, peers(aip(t, "10.0.0.0/8"))),
			nv(t, ifwg.NVPublicKey, key(2)))), 0, []byte{1, 2}},
		{"own key ignored", nv(t, ifwg.NVPrivateKey, priv, ifwg.NVPeers, peers(
			nv(t, ifwg.NVPublicKey, priv.PublicKey(), ifwg.NVPresharedKey, []byte{1}))), 0, []byte{1, 2}},
		{"new peer destroyed on failure", nv(t, ifwg.NVPeers, peers(
			nv(t, ifwg.NVPublicKey, key(3), ifwg.NVAllowedIPs, peers(aip(t, "10.0.0.0/8")), ifwg.NVKeepalive, 1<<16))), syscall.EINVAL, []byte{1, 2}},
		{"prefix moved", nv(t, ifwg.NVPeers, peers(
			nv(t, ifwg.NVPublicKey, key(2), ifwg.NVAllowedIPs, peers(aip(t, "10.1.2.3/8"), aip(t, "fd00::/8"))))), 0, []byte{1, 2}},
		{"ENOSPC", nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(3)), nv(t, ifwg.NVPublicKey, key(4)))), syscall.ENOSPC, []byte{1, 2, 3}},
		{"remove", nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(3), ifwg.NVRemove, true))), 0, []byte{1, 2}},
	}
	for _, st := range steps {
		if en := n.set(st.req); en != st.errno {
			t.Fatalf("%s: %v, want %v", st.name, en, st.errno)
		}
		wantPeers(t, n.device(), st.peers...)
	}
	d := n.device()
	wantAIPs(t, d, 1)
	wantAIPs(t, d, 2, "fd00::/8", "10.0.0.0/8")
	if d.ListenPort != 51999 || *d.PrivateKey != priv.Clamped() || *d.PublicKey != priv.PublicKey() {
		t.Errorf("interface %+v", d)
	}
	u := newNVClient(t, s, false).device()
	if u.PrivateKey != nil || u.Peers[0].PresharedKey != nil || u.PublicKey == nil {
		t.Error("unprivileged GET with secrets")
	}
}

// TestDeviceEngineBindFailure changes the port of an engine that is up
// to one in use: the bind's errno comes back.
func TestDeviceEngineBindFailure(t *testing.T) {
	busy, err := net.ListenUDP("udp4", &net.UDPAddr{})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	d := newDevice(t, 0)
	if err := d.Up(); err != nil {
		t.Fatal(err)
	}
	n := newNVClient(t, newTestServer(t, DeviceEngine(d)), true)
	port := busy.LocalAddr().(*net.UDPAddr).Port
	if en := n.set(nv(t, ifwg.NVListenPort, port)); en != syscall.EADDRINUSE {
		t.Errorf("SET listen-port %d: %v, want EADDRINUSE", port, en)
	}
	u := newUAPIClient(t, newTestServer(t, DeviceEngine(d)), true)
	if got := u.do(fmt.Sprintf("set=1\nlisten_port=%d\n\n", port)); got != errnoLine(syscall.EADDRINUSE) {
		t.Errorf("UAPI: %q", got)
	}
}
