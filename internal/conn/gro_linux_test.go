// SPDX-License-Identifier: BSD-2-Clause

package conn

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestGROCoalescedReceive sends runs of equal-sized datagrams, which go
// out as UDP_SEGMENT messages, to a socket read through
// SegmentReceiveFuncs over loopback, where a segmented message reaches a
// UDP_GRO socket whole. The receiver must see coalesced messages with the
// datagram size in segs, and the datagrams cut at that size must be what
// was sent, in order, the last of each run possibly shorter.
func TestGROCoalescedReceive(t *testing.T) {
	for _, addr := range []netip.Addr{loopback4, loopback6} {
		t.Run(addr.String(), func(t *testing.T) {
			a, _ := openBind(t, 0)
			b, port := openBind(t, 0)
			fns := b.(SegmentBind).SegmentReceiveFuncs()
			fn := fns[0]
			if addr.Is6() {
				if len(fns) < 2 {
					t.Skip("no IPv6 on this host")
				}
				fn = fns[1]
			}
			var want [][]byte
			for i := range 40 {
				size := 1000
				if i%20 == 19 {
					size = 321 // a shorter last datagram ends a run
				}
				want = append(want, bytes.Repeat([]byte{byte(i)}, size))
			}
			if err := a.Send(want, Endpoint{Dst: netip.AddrPortFrom(addr, port)}); err != nil {
				t.Fatal(err)
			}
			bufs, sizes, eps := buffers(8, 65535)
			segs := make([]int, len(bufs))
			var got [][]byte
			coalesced := 0
			for len(got) < len(want) {
				n, err := fn(bufs, sizes, segs, eps)
				if err != nil {
					t.Fatal(err)
				}
				for i := range n {
					msg := bufs[i][:sizes[i]]
					if segs[i] == 0 {
						got = append(got, bytes.Clone(msg))
						continue
					}
					coalesced++
					for len(msg) > 0 {
						k := min(segs[i], len(msg))
						got = append(got, bytes.Clone(msg[:k]))
						msg = msg[k:]
					}
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%d datagrams, want %d", len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("datagram %d: %d bytes of %v, want %d of %v", i, len(got[i]), got[i][:1], len(want[i]), want[i][:1])
				}
			}
			if coalesced == 0 {
				t.Error("no message was coalesced")
			}
		})
	}
}

// TestGROSegment parses control data as the kernel returns it for a
// coalesced message, and rejects malformed control data.
func TestGROSegment(t *testing.T) {
	space := unix.CmsgSpace(4)
	ctrl := make([]byte, 2*space)
	put := func(off int, level, typ int32, v uint32) {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&ctrl[off]))
		h.Level, h.Type = level, typ
		h.SetLen(unix.CmsgLen(4))
		binary.NativeEndian.PutUint32(ctrl[off+unix.CmsgLen(0):], v)
	}
	put(0, unix.SOL_SOCKET, 99, 7)
	put(space, unix.SOL_UDP, unix.UDP_GRO, 1372)
	for _, c := range []struct {
		ctrl []byte
		want int
	}{
		{ctrl, 1372},
		{ctrl[:space], 0},
		{nil, 0},
		{ctrl[:unix.CmsgLen(0)-1], 0},
	} {
		if got := groSegment(c.ctrl); got != c.want {
			t.Errorf("groSegment(%d bytes) = %d, want %d", len(c.ctrl), got, c.want)
		}
	}
	// A length beyond the data ends the parse.
	h := (*unix.Cmsghdr)(unsafe.Pointer(&ctrl[0]))
	h.SetLen(len(ctrl) + 1)
	if got := groSegment(ctrl); got != 0 {
		t.Errorf("groSegment with an overlong header = %d, want 0", got)
	}
}

// FuzzGROSegment feeds groSegment arbitrary control data: it must not
// panic, and a size it returns must come from a UDP_GRO header that fits.
func FuzzGROSegment(f *testing.F) {
	ctrl := make([]byte, unix.CmsgSpace(4))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&ctrl[0]))
	h.Level, h.Type = unix.SOL_UDP, unix.UDP_GRO
	h.SetLen(unix.CmsgLen(4))
	binary.NativeEndian.PutUint32(ctrl[unix.CmsgLen(0):], 1372)
	f.Add(ctrl)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Control data is aligned as the kernel aligns it.
		buf := make([]uint64, (len(b)+7)/8)
		data := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(buf))), len(buf)*8)[:len(b)]
		copy(data, b)
		seg := groSegment(data)
		if seg != 0 && !groHeaderHolds(data, seg) {
			t.Fatalf("size %d from %d bytes of control data without a fitting SOL_UDP/UDP_GRO header saying so", seg, len(data))
		}
	})
}

// groHeaderHolds reports whether ctrl holds, at some aligned offset, a
// SOL_UDP/UDP_GRO control message header with room for its int that
// fits within ctrl and carries seg.
func groHeaderHolds(ctrl []byte, seg int) bool {
	const align = 4 // every header starts at a multiple of this
	for k := 0; k+unix.CmsgLen(4) <= len(ctrl); k += align {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&ctrl[k]))
		n := int(h.Len)
		if h.Level == unix.SOL_UDP && h.Type == unix.UDP_GRO && n >= unix.CmsgLen(4) && n <= len(ctrl)-k &&
			int(binary.NativeEndian.Uint32(ctrl[k+unix.CmsgLen(0):])) == seg {
			return true
		}
	}
	return false
}
