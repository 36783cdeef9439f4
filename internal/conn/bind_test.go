// SPDX-License-Identifier: BSD-2-Clause

package conn

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

var (
	loopback4 = netip.MustParseAddr("127.0.0.1")
	loopback6 = netip.MustParseAddr("::1")
)

func openBind(t testing.TB, port uint16) (Bind, uint16) {
	t.Helper()
	b := NewBind()
	actual, err := b.Open(port)
	if err != nil {
		t.Fatalf("Open(%d): %v", port, err)
	}
	t.Cleanup(func() { b.Close() })
	return b, actual
}

// receiver returns the ReceiveFunc of a Bind for the family of addr.
func receiver(t testing.TB, b Bind, addr netip.Addr) ReceiveFunc {
	t.Helper()
	fns := b.ReceiveFuncs()
	if addr.Is6() {
		if len(fns) < 2 {
			testenv.Unavailable(t, "no IPv6 on this host")
		}
		return fns[1]
	}
	return fns[0]
}

func buffers(n, size int) ([][]byte, []int, []Endpoint) {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = make([]byte, size)
	}
	return bufs, make([]int, n), make([]Endpoint, n)
}

// receiveN calls fn until it has count datagrams. It returns them, their
// senders, and the largest number one call returned.
func receiveN(t testing.TB, fn ReceiveFunc, count, batch int) (payloads []string, from []Endpoint, maxBatch int) {
	t.Helper()
	bufs, sizes, eps := buffers(batch, 2048)
	for len(payloads) < count {
		n, err := fn(bufs, sizes, eps)
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		maxBatch = max(maxBatch, n)
		for i := range n {
			payloads = append(payloads, string(bufs[i][:sizes[i]]))
			from = append(from, eps[i])
		}
	}
	return payloads, from, maxBatch
}

func TestOpenBindsBothFamiliesOnOnePort(t *testing.T) {
	b, port := openBind(t, 0)
	if port == 0 {
		t.Fatal("Open(0) returned port 0")
	}
	for _, addr := range []netip.Addr{loopback4, loopback6} {
		fn := receiver(t, b, addr)
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, 0)))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.WriteToUDPAddrPort([]byte("hello "+addr.String()), netip.AddrPortFrom(addr, port)); err != nil {
			t.Fatal(err)
		}
		got, from, _ := receiveN(t, fn, 1, b.BatchSize())
		if want := c.LocalAddr().(*net.UDPAddr).AddrPort(); got[0] != "hello "+addr.String() || from[0].Dst != want {
			t.Fatalf("got %q from %v, want hello from %v", got[0], from[0], want)
		}
	}
}

func TestBatchedSendReceive(t *testing.T) {
	const count = 300 // more than one batch, so Send splits it
	for _, addr := range []netip.Addr{loopback4, loopback6} {
		t.Run(addr.String(), func(t *testing.T) {
			a, aport := openBind(t, 0)
			b, bport := openBind(t, 0)
			fn := receiver(t, b, addr)
			bufs := make([][]byte, count)
			for i := range bufs {
				bufs[i] = fmt.Appendf(nil, "datagram %d", i)
			}
			if err := a.Send(bufs, Endpoint{Dst: netip.AddrPortFrom(addr, bport)}); err != nil {
				t.Fatal(err)
			}
			got, from, maxBatch := receiveN(t, fn, count, b.BatchSize())
			for i := range count {
				if want := fmt.Sprintf("datagram %d", i); got[i] != want {
					t.Fatalf("datagram %d = %q, want %q", i, got[i], want)
				}
				if want := netip.AddrPortFrom(addr, aport); from[i].Dst != want {
					t.Fatalf("datagram %d from %v, want %v", i, from[i], want)
				}
			}
			if b.BatchSize() > 1 && maxBatch < 2 {
				t.Errorf("no receive returned more than one datagram")
			}
		})
	}
}

func TestIPv4MappedEndpoint(t *testing.T) {
	a, aport := openBind(t, 0)
	b, bport := openBind(t, 0)
	mapped := netip.AddrPortFrom(netip.AddrFrom16(loopback4.As16()), bport)
	if err := a.Send([][]byte{[]byte("mapped")}, Endpoint{Dst: mapped}); err != nil {
		t.Fatal(err)
	}
	got, from, _ := receiveN(t, receiver(t, b, loopback4), 1, b.BatchSize())
	if got[0] != "mapped" || from[0].Dst != netip.AddrPortFrom(loopback4, aport) {
		t.Fatalf("got %q from %v", got[0], from[0])
	}
}

func TestPortConflicts(t *testing.T) {
	a, port := openBind(t, 0)
	if _, err := a.Open(0); !errors.Is(err, ErrBindOpen) {
		t.Fatalf("second Open: %v", err)
	}
	b := NewBind()
	if _, err := b.Open(port); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Open on a taken port: %v", err)
	}
	a.Close()
	got, err := b.Open(port)
	if err != nil || got != port {
		t.Fatalf("Open(%d) after Close = %d, %v", port, got, err)
	}
	b.Close()
}

func TestCloseUnblocksReceive(t *testing.T) {
	b, port := openBind(t, 0)
	fns := b.ReceiveFuncs()
	errc := make(chan error, len(fns))
	for _, fn := range fns {
		go func() {
			bufs, sizes, eps := buffers(b.BatchSize(), 64)
			_, err := fn(bufs, sizes, eps)
			errc <- err
		}()
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	for range fns {
		if err := <-errc; !errors.Is(err, net.ErrClosed) {
			t.Fatalf("receive after Close: %v", err)
		}
	}
	if err := b.Send([][]byte{[]byte("x")}, Endpoint{Dst: netip.AddrPortFrom(loopback4, port)}); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
	if len(b.ReceiveFuncs()) != 0 {
		t.Fatal("closed Bind has ReceiveFuncs")
	}

	// A closed Bind opens again, with new ReceiveFuncs.
	if _, err := b.Open(0); err != nil {
		t.Fatal(err)
	}
	if len(b.ReceiveFuncs()) == 0 {
		t.Fatal("reopened Bind has no ReceiveFuncs")
	}
}

func TestSendAndReceiveDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool allocate")
	}
	a, _ := openBind(t, 0)
	b, bport := openBind(t, 0)
	fn := receiver(t, b, loopback4)
	ep := Endpoint{Dst: netip.AddrPortFrom(loopback4, bport)}
	out := make([][]byte, 8)
	for i := range out {
		out[i] = make([]byte, 100)
	}
	bufs, sizes, eps := buffers(b.BatchSize(), 2048)
	allocs := testing.AllocsPerRun(100, func() {
		if err := a.Send(out, ep); err != nil {
			t.Fatal(err)
		}
		for got := 0; got < len(out); {
			n, err := fn(bufs, sizes, eps)
			if err != nil {
				t.Fatal(err)
			}
			got += n
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per batch", allocs)
	}
}
