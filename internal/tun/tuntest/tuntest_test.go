// SPDX-License-Identifier: BSD-2-Clause

package tuntest

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"testing"

	"github.com/wgbsd/wgbsd/internal/tun"
)

const offset = 16

func buffers(n, size int) ([][]byte, []int) {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = make([]byte, size)
	}
	return bufs, make([]int, n)
}

func TestInjectAndRead(t *testing.T) {
	d := New("tt0", 1420)
	defer d.Close()
	pkts := [][]byte{[]byte("one"), []byte("two"), []byte("three")}
	if err := d.Inject(pkts...); err != nil {
		t.Fatal(err)
	}
	bufs, sizes := buffers(2, 64)
	n, err := d.Read(bufs, sizes, offset)
	if err != nil || n != 2 {
		t.Fatalf("Read = %d, %v; want 2 packets", n, err)
	}
	for i := range n {
		if got := bufs[i][offset : offset+sizes[i]]; !bytes.Equal(got, pkts[i]) {
			t.Errorf("packet %d = %q, want %q", i, got, pkts[i])
		}
		if bufs[i][offset-1] != scribble {
			t.Errorf("packet %d: headroom not overwritten", i)
		}
	}
	n, err = d.Read(bufs, sizes, offset)
	if err != nil || n != 1 || string(bufs[0][offset:offset+sizes[0]]) != "three" {
		t.Fatalf("second Read = %d, %v", n, err)
	}
}

func TestWriteCopies(t *testing.T) {
	d := New("tt0", 1420)
	defer d.Close()
	b := append(make([]byte, offset), "payload"...)
	if n, err := d.Write([][]byte{b}, offset); n != 1 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	copy(b[offset:], "changed")
	if got := <-d.Written(); string(got) != "payload" {
		t.Fatalf("Written = %q", got)
	}
	if b[offset-1] != scribble {
		t.Fatal("headroom not overwritten")
	}
}

func TestHeadroom(t *testing.T) {
	d := New("tt0", 1420)
	defer d.Close()
	bufs, sizes := buffers(1, 64)
	if _, err := d.Read(bufs, sizes, tun.Headroom-1); !errors.Is(err, tun.ErrHeadroom) {
		t.Errorf("Read: %v", err)
	}
	if _, err := d.Write(bufs, tun.Headroom-1); !errors.Is(err, tun.ErrHeadroom) {
		t.Errorf("Write: %v", err)
	}
}

func TestEvents(t *testing.T) {
	d := New("tt0", 1420)
	if ev := <-d.Events(); ev != tun.EventUp {
		t.Fatalf("first event %v", ev)
	}
	steps := []struct {
		do   func() error
		want tun.Event
	}{
		{func() error { return d.SetUp(false) }, tun.EventDown},
		{func() error { return d.SetMTU(1280) }, tun.EventMTUUpdate},
		{func() error { return d.SetUp(true) }, tun.EventUp},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatal(err)
		}
		if ev := <-d.Events(); ev != s.want {
			t.Fatalf("event %v, want %v", ev, s.want)
		}
	}
	if mtu, _ := d.MTU(); mtu != 1280 {
		t.Fatalf("MTU %d", mtu)
	}
	d.Close()
	if _, ok := <-d.Events(); ok {
		t.Fatal("events channel open after Close")
	}
	if err := d.SetUp(false); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("SetUp after Close: %v", err)
	}
}

func TestCloseUnblocks(t *testing.T) {
	d := New("tt0", 1420)
	errc := make(chan error, 2)
	go func() {
		bufs, sizes := buffers(1, 64)
		_, err := d.Read(bufs, sizes, offset)
		errc <- err
	}()
	go func() {
		b := make([]byte, offset+1)
		for {
			if _, err := d.Write([][]byte{b}, offset); err != nil {
				errc <- err
				return
			}
		}
	}()
	d.Close()
	for range 2 {
		if err := <-errc; !errors.Is(err, os.ErrClosed) {
			t.Fatalf("got %v, want os.ErrClosed", err)
		}
	}
	if err := d.Inject([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Inject after Close: %v", err)
	}
}

func TestUDPRoundTrip(t *testing.T) {
	for _, c := range []struct{ src, dst string }{
		{"192.0.2.1:1234", "198.51.100.7:51820"},
		{"[2001:db8::1]:1234", "[2001:db8::2]:53"},
	} {
		src, dst := netip.MustParseAddrPort(c.src), netip.MustParseAddrPort(c.dst)
		for _, payload := range [][]byte{nil, []byte("odd"), bytes.Repeat([]byte{0xff}, 1000)} {
			p := UDP(src, dst, payload)
			s, d, got, err := ParseUDP(p)
			if err != nil || s != src || d != dst || !bytes.Equal(got, payload) {
				t.Fatalf("ParseUDP(UDP(%v, %v, %d bytes)) = %v, %v, %d bytes, %v", src, dst, len(payload), s, d, len(got), err)
			}
			p[len(p)-1] ^= 1
			if len(payload) > 0 {
				if _, _, _, err := ParseUDP(p); !errors.Is(err, ErrNotUDP) {
					t.Fatalf("corrupted packet accepted: %v", err)
				}
			}
		}
	}
}

// TestKnownChecksum checks the IPv4 header checksum against the example
// worked through on Wikipedia's "Internet checksum" page.
func TestKnownChecksum(t *testing.T) {
	h := []byte{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7}
	if got := ^fold(sum(h, 0)); got != 0xb861 {
		t.Fatalf("checksum %#04x, want 0xb861", got)
	}
}
