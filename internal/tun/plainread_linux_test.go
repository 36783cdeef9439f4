// SPDX-License-Identifier: BSD-2-Clause

package tun_test

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/wgbsd/wgbsd/internal/tun"
	"github.com/wgbsd/wgbsd/internal/tun/tuntest"
)

// TestLinuxPlainReadNeverCuts adopts a tun descriptor without the virtio
// header, whose packets are read one per read(2) as on FreeBSD, raises
// the MTU to 9000 and sends a 3000-byte datagram through it while the
// reader still holds 2048-byte buffers, as the engine does right after
// an MTU increase. The packet must not come out cut; with buffers that
// hold it, it must come out whole.
func TestLinuxPlainReadNeverCuts(t *testing.T) {
	ns := enterNetns(t)
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ifr, err := unix.NewIfreq("wgbsdplain0")
	if err != nil {
		t.Fatal(err)
	}
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	dev, err := tun.CreateFromFD(fd, 9000)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		dev.Close()
		checkNoGoroutines(t)
	})
	v4, _ := setupLink(t, ns, dev)
	peer := netip.MustParseAddrPort("10.77.0.2:7777")
	big := bytes.Repeat([]byte{0x5a}, 3000)

	send := func(payload []byte) {
		if _, err := v4.WriteToUDPAddrPort(payload, peer); err != nil {
			t.Fatal(err)
		}
	}
	// readUntil reads with buffers of bufSize bytes until a UDP packet
	// to peer with a payload of want bytes arrives, checking every IPv4
	// packet against its total length.
	readUntil := func(bufSize, want int) {
		t.Helper()
		bufs := make([][]byte, dev.BatchSize())
		for i := range bufs {
			bufs[i] = make([]byte, bufSize)
		}
		sizes := make([]int, len(bufs))
		for {
			n, err := dev.Read(bufs, sizes, offset)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			for i := range n {
				pkt := bufs[i][offset : offset+sizes[i]]
				if len(pkt) >= 20 && pkt[0]>>4 == 4 && int(binary.BigEndian.Uint16(pkt[2:])) != len(pkt) {
					t.Fatalf("packet of %d bytes says it has %d: cut", len(pkt), binary.BigEndian.Uint16(pkt[2:]))
				}
				_, d, payload, err := tuntest.ParseUDP(pkt)
				if err == nil && d == peer && len(payload) == want {
					return
				}
			}
		}
	}
	send(big)
	send([]byte("small"))
	readUntil(2048, len("small"))
	send(big)
	readUntil(2048+3000, len(big))
}
