// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"bytes"
	"fmt"
	"testing"
)

// benchSegment returns a TSO segment as the kernel hands it over for a
// TCP stream at MTU 1420 (an MSS of 1368 with timestamps), 47 packets'
// worth, and its virtio header.
func benchSegment(v6 bool) ([]byte, vnetHdr) {
	const mss = 1368
	payload := make([]byte, 47*mss)
	for i := range payload {
		payload[i] = byte(i*7 + i>>8)
	}
	seg := tcpSegment(v6, 1000, tcpFlagACK|tcpFlagPSH, 50, payload)
	l4, _, _ := tcpHeaders(seg)
	h := vnetHdr{flags: vnetFlagNeedsCsum, gsoType: vnetGSOTCPv4, gsoSize: mss, csumStart: uint16(l4), csumOffset: tcpCsumField}
	if v6 {
		h.gsoType = vnetGSOTCPv6
	}
	return seg, h
}

// benchCut cuts the segment of n bytes in r's scratch into the 47
// packets it holds, in r.bufs from offset 16 on.
func benchCut(b *testing.B, r *vnetReader, n int, h *vnetHdr) {
	if r.bufs == nil {
		r.bufs, r.sizes = make([][]byte, 64), make([]int, 64)
		for i := range r.bufs {
			r.bufs[i] = make([]byte, 2048)
		}
	}
	r.start, r.n = 16, 0
	r.startCut(r.scratch[:n], h)
	if r.n != 47 {
		b.Fatalf("cut into %d packets, want 47", r.n)
	}
}

// BenchmarkCut cuts a 47-packet TSO segment into MTU-sized packets, as a
// read from the tun does, and reports the cost per packet.
func BenchmarkCut(b *testing.B) {
	for _, v6 := range []bool{false, true} {
		b.Run(fmt.Sprintf("v6=%v", v6), func(b *testing.B) {
			seg, h := benchSegment(v6)
			r := newVnetReader(nil)
			copy(r.scratch, seg)
			benchCut(b, r, len(seg), &h) // allocates the buffers
			b.SetBytes(int64(len(seg)))
			for b.Loop() {
				benchCut(b, r, len(seg), &h)
			}
		})
	}
}

// BenchmarkCoalesce merges the 47 packets of a cut segment into one, as
// a write to the tun does.
func BenchmarkCoalesce(b *testing.B) {
	for _, v6 := range []bool{false, true} {
		b.Run(fmt.Sprintf("v6=%v", v6), func(b *testing.B) {
			seg, h := benchSegment(v6)
			r := newVnetReader(nil)
			copy(r.scratch, seg)
			benchCut(b, r, len(seg), &h)
			pkts := make([][]byte, r.n)
			for i := range pkts {
				pkts[i] = r.bufs[i][:16+r.sizes[i]]
			}
			head := bytes.Clone(pkts[0])
			var hdr [vnetHdrLen]byte
			b.SetBytes(int64(len(seg)))
			for b.Loop() {
				copy(pkts[0], head)
				if n, _ := coalesce(pkts, 16, hdr[:]); n != len(pkts) {
					b.Fatalf("merged %d packets, want %d", n, len(pkts))
				}
			}
		})
	}
}
