// SPDX-License-Identifier: BSD-2-Clause

package tun_test

import (
	"net"
	"net/netip"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/wgbsd/wgbsd/internal/tun"
	"github.com/wgbsd/wgbsd/internal/tun/tuntest"
)

// TestLinuxOffloadsOffPlainTun checks that a tun created with offloads
// off is plain, without IFF_VNET_HDR, so that it runs FreeBSD's readers
// and writers, that one created with offloads on has the header, and
// that packets pass through the plain one both ways.
func TestLinuxOffloadsOffPlainTun(t *testing.T) {
	ns := enterNetns(t)
	flags := func(dev tun.Device) uint16 {
		t.Helper()
		rc, err := dev.(interface{ File() *os.File }).File().SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var ifr *unix.Ifreq
		var ierr error
		if err := rc.Control(func(fd uintptr) {
			if ifr, ierr = unix.NewIfreq(""); ierr == nil {
				ierr = unix.IoctlIfreq(int(fd), unix.TUNGETIFF, ifr)
			}
		}); err != nil || ierr != nil {
			t.Fatalf("TUNGETIFF: %v, %v", err, ierr)
		}
		return ifr.Uint16()
	}
	on, err := tun.Create("wgbsdon0", 1420)
	if err != nil {
		t.Fatal(err)
	}
	f := flags(on)
	on.Close()
	if f&unix.IFF_VNET_HDR == 0 {
		t.Fatalf("offloads on: tun flags %#x without IFF_VNET_HDR", f)
	}

	tun.SetOffloads(false)
	t.Cleanup(func() { tun.SetOffloads(true) })
	dev := create(t, "wgbsdoff0", 1420)
	if f := flags(dev); f&unix.IFF_VNET_HDR != 0 {
		t.Fatalf("offloads off: tun flags %#x with IFF_VNET_HDR", f)
	}
	v4, _ := setupLink(t, ns, dev)
	peer := netip.MustParseAddrPort("10.77.0.2:7777")
	local := v4.LocalAddr().(*net.UDPAddr).AddrPort()
	if _, err := v4.WriteToUDPAddrPort([]byte("ping"), peer); err != nil {
		t.Fatal(err)
	}
	if got, src, _ := readUDP(t, dev, peer, 1); string(got[0]) != "ping" || src != local {
		t.Fatalf("read %q from %v, want \"ping\" from %v", got[0], src, local)
	}
	reply := append(make([]byte, offset), tuntest.UDP(peer, local, []byte("pong"))...)
	if n, err := dev.Write([][]byte{reply}, offset); n != 1 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	buf := make([]byte, 64)
	if n, _, err := v4.ReadFromUDPAddrPort(buf); err != nil || string(buf[:n]) != "pong" {
		t.Fatalf("socket got %q, %v", buf[:n], err)
	}
}
