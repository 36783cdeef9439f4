// SPDX-License-Identifier: BSD-2-Clause

package conn

import (
	"bytes"
	"net/netip"
	"testing"
)

// TestOffloadsOff checks what SetOffloads(false) changes on a Bind opened
// after it, over loopback, where a UDP_SEGMENT message reaches a UDP_GRO
// socket whole (TestGROCoalescedReceive): a run of equal datagrams sent
// by such a Bind reaches a UDP_GRO receiver as separate datagrams (segs
// 0), so it went out without UDP_SEGMENT; and such a Bind, receiving a
// run sent with UDP_SEGMENT, sees separate datagrams (no UDP_GRO).
func TestOffloadsOff(t *testing.T) {
	run := make([][]byte, 20)
	for i := range run {
		run[i] = bytes.Repeat([]byte{byte(i)}, 1000)
	}
	// receive reads len(run) datagrams with fn and returns how many
	// coalesced messages it saw.
	receive := func(t *testing.T, fn SegmentReceiveFunc) (coalesced int) {
		t.Helper()
		bufs, sizes, eps := buffers(8, 65535)
		segs := make([]int, len(bufs))
		got := 0
		for got < len(run) {
			n, err := fn(bufs, sizes, segs, eps)
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				if segs[i] > 0 {
					coalesced++
					got += (sizes[i] + segs[i] - 1) / segs[i]
					continue
				}
				if !bytes.Equal(bufs[i][:sizes[i]], run[got]) {
					t.Fatalf("datagram %d: %d bytes, want %v", got, sizes[i], run[got][:1])
				}
				got++
			}
		}
		return coalesced
	}
	offloadsOff := func(t *testing.T) {
		SetOffloads(false)
		t.Cleanup(func() { SetOffloads(true) })
	}

	t.Run("send", func(t *testing.T) {
		recv, port := openBind(t, 0)
		fn := recv.(SegmentBind).SegmentReceiveFuncs()[0] // UDP_GRO on
		offloadsOff(t)
		send, _ := openBind(t, 0)
		if err := send.Send(run, Endpoint{Dst: netip.AddrPortFrom(loopback4, port)}); err != nil {
			t.Fatal(err)
		}
		if c := receive(t, fn); c != 0 {
			t.Errorf("%d coalesced messages from a sender with offloads off, want 0", c)
		}
	})
	t.Run("receive", func(t *testing.T) {
		send, _ := openBind(t, 0) // UDP_SEGMENT on
		offloadsOff(t)
		recv, port := openBind(t, 0)
		fn := recv.(SegmentBind).SegmentReceiveFuncs()[0]
		if err := send.Send(run, Endpoint{Dst: netip.AddrPortFrom(loopback4, port)}); err != nil {
			t.Fatal(err)
		}
		if c := receive(t, fn); c != 0 {
			t.Errorf("%d coalesced messages at a receiver with offloads off, want 0", c)
		}
	})
}
